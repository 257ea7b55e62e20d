"""Security review items 5 and 8 (people): ID numbers cannot be rebuilt from what a role or a dump sees."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from linli.core import crypto
from linli.core.models import AuditLog
from linli.people import services
from linli.people.models import Person
from linli.people.selectors import search
from linli.testing import add_person


def _number(person: Person) -> str:
    return crypto.decrypt(person.id_number_enc)


@pytest.mark.django_db
def test_property_staff_see_an_age_never_a_birth_date(world, login, api):
    client = login(world.users["property"])
    page = client.get(reverse("people:person_detail", args=[world.person_a.pk])).content.decode()
    assert "1980-05-17" not in page and "19800517" not in page
    assert world.person_a.age_band in page and f">{world.person_a.age} 岁<" not in page
    body = api(world.users["property"]).get(f"/api/v1/persons/{world.person_a.pk}/").json()
    assert "birth_date" not in body and body["age"] is None and body["age_band"] == world.person_a.age_band
    # A role with the unmask right sees the exact age (the birth date only by unmasking the ID).
    staff = api(world.users["staff"]).get(f"/api/v1/persons/{world.person_a.pk}/").json()
    assert staff["age"] == world.person_a.age and "birth_date" not in staff
    assert body["id_number"] == _number(world.person_a)[:2] + "*" * 14 + _number(world.person_a)[-2:]


@pytest.mark.django_db
def test_a_database_dump_holds_no_birth_date_and_no_id_digits_in_clear(world):
    number = _number(world.person_a)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table} WHERE id = %s", [world.person_a.pk])
        columns = [c[0] for c in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    clear = {k: v for k, v in row.items() if not k.endswith(("_enc", "_hash"))}
    for key, value in clear.items():
        assert value != dt.date(1980, 5, 17) and str(value) != "1980-05-17", key
        if isinstance(value, str):
            for piece in (number[:4], number[6:14], number[14:], number[-4:]):
                assert piece not in value, (key, value)
    assert clear["birth_year"] == 1980


@pytest.mark.django_db
def test_age_filters_still_work_by_birth_year(world, login):
    client = login(world.users["staff"])
    age = dt.date.today().year - 1980
    url = reverse("people:person_list")
    assert "张三" in client.get(url, {"age_min": age, "age_max": age}).content.decode()
    assert "张三" not in client.get(url, {"age_min": age + 1}).content.decode()
    assert "张三" not in client.get(url, {"age_max": age - 1}).content.decode()


@pytest.mark.django_db
def test_roles_without_unmask_filter_ages_by_whole_bands(world, login):
    this_year = dt.date.today().year
    younger = add_person(house=world.house_a, name="赵小", birth=dt.date(this_year - 42, 1, 1))  # band 40–44
    url = reverse("people:person_list")
    staff = login(world.users["staff"]).get(url, {"age_min": 44, "age_max": 44}).content.decode()
    assert younger.name not in staff
    page = login(world.users["property"]).get(url, {"age_min": 44, "age_max": 44}).content.decode()
    assert younger.name in page and "40–44 岁" in page and "年龄段" in page


@pytest.mark.django_db
def test_exact_id_and_phone_searches_are_audited_by_hash_only(world):
    grid1 = world.users["grid1"]
    number = _number(world.person_a)
    assert search(user=grid1, q=number).persons == [world.person_a]
    assert search(user=grid1, q="13812345678").persons == [world.person_a]
    rows = list(AuditLog.objects.filter(action=AuditLog.Action.SEARCH, actor=grid1).order_by("pk"))
    assert [r.field for r in rows] == ["身份证号", "联系电话"]
    assert rows[0].extra["hash"] == world.person_a.id_number_hash
    assert rows[1].extra["hash"] == world.person_a.phone_hash
    for r in rows:
        text = f"{r.field} {r.reason} {r.target_repr} {r.extra}"
        assert number not in text and "13812345678" not in text


@pytest.mark.django_db
def test_exact_lookups_are_rate_limited_per_user(world, login, api, settings):
    settings.LINLI_EXACT_SEARCH_LIMIT = 3
    number = _number(world.person_a)
    for _ in range(3):
        assert search(user=world.users["grid1"], q=number).persons == [world.person_a]
    client = login(world.users["grid1"])
    response = client.post(reverse("core:search"), {"q": number})
    assert response.status_code == 429
    assert "查询过于频繁" in response.content.decode()
    answer = api(world.users["grid1"]).post("/api/v1/search", {"q": "13812345678"}, format="json")
    assert answer.status_code == 429 and "查询过于频繁" in answer.json()["detail"]
    # Another user has a budget of their own; a name search is never limited.
    assert search(user=world.users["staff"], q=number).persons == [world.person_a]
    assert search(user=world.users["grid1"], q="张三").persons == [world.person_a]
    refused = AuditLog.objects.filter(action=AuditLog.Action.SEARCH, actor=world.users["grid1"], result="throttled")
    assert refused.count() == 2


@pytest.mark.django_db
def test_console_search_posts_the_term_and_lands_on_the_person(world, login):
    client = login(world.users["grid1"])
    page = client.get(reverse("core:console_home")).content.decode()
    assert 'role="search"' in page and 'method="post" role="search"' in page
    response = client.post(reverse("core:search"), {"q": _number(world.person_a)})
    assert response.status_code == 302 and response["Location"] == world.person_a.get_absolute_url()


@pytest.mark.django_db
def test_registering_an_id_of_another_grid_names_nothing_and_is_audited(world, login):
    number = _number(world.person_a)  # lives in grid A
    data = services.clean_person_data(name="冒名", id_number=number)
    with pytest.raises(services.DomainError) as exc:
        services.person_create(actor=world.users["grid2"], data=data, house=world.house_b)
    assert exc.value.message == "身份证号：该身份证号已在本平台登记，请联系社区工作人员处理"
    row = AuditLog.objects.get(action=AuditLog.Action.SEARCH, actor=world.users["grid2"])
    assert row.extra["hash"] == world.person_a.id_number_hash and row.extra["via"] == "duplicate"
    # Through the console form: nothing about the grid, the house or the person either.
    client = login(world.users["grid2"])
    page = client.post(
        reverse("people:person_add"),
        {"name": "冒名", "id_type": "resident_id", "id_number": number, "house": world.house_b.pk,
         "residency_kind": "owner", "person_type": "resident", "political_status": "masses"},
    ).content.decode()  # fmt: skip
    assert "已在本平台登记" in page
    for secret in ("张三", "第一网格", world.house_a.building.compound.name):
        assert secret not in page


@pytest.mark.django_db
def test_registering_an_id_already_in_scope_says_where_to_edit(world):
    data = services.clean_person_data(name="张三", id_number=_number(world.person_a))
    with pytest.raises(services.DomainError) as exc:
        services.person_create(actor=world.users["grid1"], data=data, house=world.house_a)
    assert "请搜索后修改原记录" in exc.value.message
