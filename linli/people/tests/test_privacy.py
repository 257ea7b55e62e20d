"""Security review items 5 and 8 (people): ID numbers cannot be rebuilt from what a role or a dump sees."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.core import crypto
from linli.core.identity import age_on
from linli.core.models import AuditLog, ObjectChange
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


def _raw_row(person: Person) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        columns = [c[0] for c in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


# Keyed columns: ciphertexts (*_enc), blind indexes of ID/phone (*_hash) and of the birth year (*_index).
KEYED = ("_enc", "_hash", "_index")


@pytest.mark.django_db
def test_a_database_dump_holds_no_birth_date_and_no_id_digits_in_clear(world):
    number = _number(world.person_a)
    clear = {k: v for k, v in _raw_row(world.person_a).items() if not k.endswith(KEYED)}
    for key, value in clear.items():
        assert value != dt.date(1980, 5, 17) and str(value) != "1980-05-17", key
        if isinstance(value, str):
            for piece in (number[:4], number[6:14], number[14:], number[-4:]):
                assert piece not in value, (key, value)


@pytest.mark.django_db
def test_a_dump_cannot_tell_birth_years_of_one_decade_apart(world):
    """County (hukou_address) and sex are in clear, so the decade must leave 3,650 days x 100 x 5 >= 10^6."""
    first = add_person(house=world.house_a, name="钱一", phone="", birth=dt.date(1981, 5, 17))
    second = add_person(house=world.house_a, name="钱一", phone="", birth=dt.date(1988, 5, 17))
    rows = [_raw_row(first), _raw_row(second)]
    same = {"id", "created_at", "updated_at"}
    clear = [{k: v for k, v in row.items() if not k.endswith(KEYED) and k not in same} for row in rows]
    assert clear[0] == clear[1] and clear[0]["birth_decade"] == 1980
    for row in clear:
        # Surrogate keys (``*_id``) are sequence numbers: on a long PostgreSQL run one may happen to be 1981.
        values = [v for k, v in row.items() if not k.endswith("_id")]
        assert all(str(value) not in ("1981", "1988") for value in values), row
    # The year index is keyed and of its own purpose: it matches neither a plain hash nor the ID index.
    index = rows[0]["birth_year_index"]
    assert index and index != rows[1]["birth_year_index"]
    assert index not in {
        crypto.blind_index("1981", "id"),
        crypto.blind_index("1981", "phone"),
        rows[0]["id_number_hash"],
    }
    assert 10 * 365 * 100 * 5 >= 10**6
    # The change log keeps no clear year either; the person still shows the right age. Only the person's own rows
    # (another model's row may share the id), and only their clear values: a keyed hash is hex and a ciphertext
    # base64, either of which holds "1981" somewhere about once in a few hundred runs.
    changes = ObjectChange.objects.filter(
        target_type=ContentType.objects.get_for_model(Person), target_id=str(first.pk)
    )
    assert changes.exists()
    for change in changes:
        for values in (change.before or {}, change.after or {}):
            clear = {k: v for k, v in values.items() if not k.endswith(KEYED)}
            assert not any("1981" in str(v) for v in clear.values()), clear
    assert Person.objects.get(pk=first.pk).age == age_on(dt.date(1981, 5, 17), timezone.localdate())


@pytest.mark.django_db
def test_age_filters_are_exact_by_birth_year(world, login):
    this_year = timezone.localdate().year
    sixty = add_person(house=world.house_a, name="孙六十", birth=dt.date(this_year - 60, 12, 31))
    fifty_nine = add_person(house=world.house_a, name="孙五九", birth=dt.date(this_year - 59, 1, 1))
    client = login(world.users["staff"])
    url = reverse("people:person_list")
    page = client.get(url, {"age_min": 60}).content.decode()
    assert sixty.name in page and fifty_nine.name not in page
    page = client.get(url, {"age_max": 59}).content.decode()
    assert sixty.name not in page and fifty_nine.name in page
    age = this_year - 1980
    assert "张三" in client.get(url, {"age_min": age, "age_max": age}).content.decode()
    assert "张三" not in client.get(url, {"age_min": age + 1}).content.decode()
    assert "张三" not in client.get(url, {"age_max": age - 1}).content.decode()
    assert "张三" not in client.get(url, {"age_min": 200}).content.decode()


@pytest.mark.django_db
def test_an_age_filter_adds_no_query_to_the_person_list(world, login):
    client = login(world.users["staff"])
    url = reverse("people:person_list")
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    with CaptureQueriesContext(connection) as filtered:
        assert "张三" in client.get(url, {"age_min": 18, "age_max": 90}).content.decode()
    assert len(filtered.captured_queries) == len(plain.captured_queries)


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


@pytest.mark.django_db
def test_changing_an_id_to_one_of_another_grid_names_nothing_and_is_audited(world, settings):
    """Editing one's own person to a guessed number must not be a free, silent oracle for other grids' IDs."""
    settings.LINLI_EXACT_SEARCH_LIMIT = 2
    grid2 = world.users["grid2"]
    number = _number(world.person_a)  # lives in grid A, outside grid2's scope
    for attempt in range(3):
        person = Person.objects.get(pk=world.person_b.pk)
        with pytest.raises(services.DomainError) as exc:
            services.person_update(
                actor=grid2,
                person=person,
                version=person.version,
                data=services.clean_person_data(name="李四", id_number=number),
            )
        if attempt < 2:
            assert exc.value.message == services.DUPLICATE_ELSEWHERE
        else:
            assert "查询过于频繁" in exc.value.message
    rows = AuditLog.objects.filter(action=AuditLog.Action.SEARCH, actor=grid2).order_by("pk")
    assert [r.result for r in rows] == ["ok", "ok", "throttled"]
    assert rows[0].extra["hash"] == world.person_a.id_number_hash and rows[0].extra["via"] == "duplicate"
    # Within one's own scope the answer still says where to look.
    person = Person.objects.get(pk=world.person_b.pk)
    staff_target = Person.objects.get(pk=world.person_a.pk)
    with pytest.raises(services.DomainError) as exc:
        services.person_update(
            actor=world.users["staff"],
            person=person,
            version=person.version,
            data=services.clean_person_data(name="李四", id_number=_number(staff_target)),
        )
    assert "另一条记录" in exc.value.message


@pytest.mark.django_db
def test_a_residency_starting_at_birth_does_not_show_the_birth_date_to_roles_without_unmask(world, login, api):
    """A child registered where the family lives starts on their birth date: that start is the birth date."""
    child = add_person(house=world.house_a, name="张小宝", birth=dt.date(2019, 3, 8), kind="family")
    residency = child.residencies.get()
    residency.start = dt.date(2019, 3, 8)
    residency.save(update_fields=["start"])
    later = services.residency_start(
        actor=None, person=child, house=world.house_b, kind="other", start=dt.date(2023, 9, 1)
    )
    for role in ("property", "leader"):
        rows = api(world.users[role]).get(f"/api/v1/residencies/?person={child.pk}").json()["results"]
        starts = {r["id"]: r["start"] for r in rows}
        assert starts.get(residency.pk, None) is None, role
        person_page = reverse("people:person_detail", args=[child.pk]) + "?tab=houses"
        for url in (person_page, world.house_a.get_absolute_url()):
            page = login(world.users[role]).get(url)
            if page.status_code == 200:
                assert "2019-03-08" not in page.content.decode(), (role, url)
    # A later move says nothing about the birth date; roles with unmask see every date.
    rows = api(world.users["leader"]).get(f"/api/v1/residencies/?person={child.pk}").json()["results"]
    assert {r["id"]: r["start"] for r in rows}[later.pk] == "2023-09-01"
    rows = api(world.users["staff"]).get(f"/api/v1/residencies/?person={child.pk}").json()["results"]
    assert {r["id"]: r["start"] for r in rows}[residency.pk] == "2019-03-08"
    page = login(world.users["grid1"]).get(reverse("people:person_detail", args=[child.pk]) + "?tab=houses")
    assert "2019-03-08" in page.content.decode()
