"""Registering and changing people: validation, derived fields, conflicts, unmasking, moves."""

import datetime as dt

import pytest

from linli.core import crypto
from linli.core.errors import ConflictError, DomainError
from linli.core.models import AuditLog, ObjectChange
from linli.people import services
from linli.people.models import Person, Residency, Tag
from linli.testing import make_id_number


def data(**kw):
    values = {"name": "赵六", "id_number": make_id_number(dt.date(1990, 3, 8), male=False), "phone": "139 0000 1234"}
    values.update(kw)
    return services.clean_person_data(**values)


@pytest.mark.django_db
def test_person_gets_sex_birth_date_pinyin_and_masks_from_the_id(world):
    number = make_id_number(dt.date(1990, 3, 8), male=False)
    person = services.person_create(actor=world.users["grid1"], data=data(id_number=number), house=world.house_a)
    assert person.sex == "F" and person.birth_date == dt.date(1990, 3, 8)
    assert (person.name_pinyin, person.name_initials) == ("zhaoliu", "zl")
    assert person.id_number_masked == number[:2] + "*" * 14 + number[-2:]
    assert person.phone_masked == "139****1234" and person.phone_last4 == "1234"
    assert number not in person.id_number_enc and crypto.decrypt(person.id_number_enc) == number
    assert person.region == world.unit_a1
    assert ObjectChange.objects.filter(target_id=str(person.pk), action="create").exists()


@pytest.mark.django_db
def test_all_bad_fields_are_reported_together_in_chinese():
    with pytest.raises(DomainError) as err:
        services.clean_person_data(name="", id_number="52040219800230001X", phone="12345", ethnicity="火星族")
    fields = {f for f, _ in err.value.errors}
    assert fields == {"name", "id_number", "phone", "ethnicity"}
    assert all("：" in m for _, m in err.value.errors)


@pytest.mark.django_db
def test_duplicate_id_is_refused_and_nothing_is_saved(world):
    before = Person.objects.count(), Residency.objects.count()
    number = world.person_a and crypto.decrypt(world.person_a.id_number_enc)
    with pytest.raises(DomainError) as err:
        services.person_create(actor=world.users["grid1"], data=data(id_number=number), house=world.house_a)
    assert "已登记" in err.value.message
    assert (Person.objects.count(), Residency.objects.count()) == before


@pytest.mark.django_db
def test_grid_worker_cannot_register_a_person_in_another_grid(world):
    with pytest.raises(DomainError) as err:
        services.person_create(actor=world.users["grid2"], data=data(), house=world.house_a)
    assert "权限" in err.value.message
    assert not Person.objects.filter(name="赵六").exists()


@pytest.mark.django_db
def test_second_of_two_concurrent_edits_gets_a_conflict(world):
    person = world.person_a
    number = crypto.decrypt(person.id_number_enc)
    services.person_update(
        actor=world.users["grid1"], person=person, version=1, data=data(name="张三丰", id_number=number)
    )
    with pytest.raises(ConflictError):
        services.person_update(
            actor=world.users["staff"], person=person, version=1, data=data(name="张小三", id_number=number)
        )
    person.refresh_from_db()
    assert person.name == "张三丰" and person.version == 2
    change = ObjectChange.objects.filter(target_id=str(person.pk), action="update").get()
    assert ("姓名", "张三", "张三丰") in change.changed_fields()


@pytest.mark.django_db
def test_unmask_needs_a_reason_and_is_recorded(world):
    person = world.person_a
    with pytest.raises(DomainError):
        services.person_unmask(actor=world.users["grid1"], person=person, field="id_number", reason=" ")
    value = services.person_unmask(actor=world.users["grid1"], person=person, field="phone", reason="上门核实")
    assert value == "13812345678"
    record = AuditLog.objects.get(action="unmask", result="ok")
    assert (record.actor, record.target_id, record.field, record.reason) == (
        world.users["grid1"], str(person.pk), "联系电话", "上门核实")  # fmt: skip


@pytest.mark.django_db
def test_unmask_out_of_scope_is_refused_and_the_attempt_recorded(world):
    with pytest.raises(DomainError):
        services.person_unmask(actor=world.users["grid2"], person=world.person_a, field="id_number", reason="好奇")
    assert AuditLog.objects.filter(action="unmask", result="denied", actor=world.users["grid2"]).exists()
    with pytest.raises(DomainError):
        services.person_unmask(actor=world.users["leader"], person=world.person_a, field="id_number", reason="检查")


@pytest.mark.django_db
def test_moving_a_person_into_another_grid_needs_both_grids(world):
    with pytest.raises(DomainError):
        services.residency_start(actor=world.users["grid2"], person=world.person_a, house=world.house_b, kind="tenant")
    services.residency_start(actor=world.users["staff"], person=world.person_a, house=world.house_b, kind="tenant")
    old = world.person_a.residencies.get(house=world.house_a)
    services.residency_end(actor=world.users["staff"], residency=old)
    world.person_a.refresh_from_db()
    assert world.person_a.region == world.grid_b
    assert list(world.house_a.residencies.filter(end__isnull=False)) == [old]


@pytest.mark.django_db
def test_grid_worker_cannot_set_a_tag_above_their_sensitivity(world):
    tag = Tag.objects.add_root(create_kwargs={"name": "社区矫正人员", "code": "correction", "sensitivity": 3})
    with pytest.raises(DomainError):
        services.tag_assign(actor=world.users["grid1"], person=world.person_a, tag=tag)
    services.tag_assign(actor=world.users["staff"], person=world.person_a, tag=tag)
    assert world.person_a.tag_assignments.count() == 1


@pytest.mark.django_db
def test_console_registration_by_address_text(world, login):
    c = login(world.users["grid1"])
    form = {"name": "孙八", "id_type": "resident_id", "id_number": make_id_number(dt.date(2001, 1, 2)),
            "phone": "13511112222", "person_type": "resident", "political_status": "masses", "residency_kind": "tenant"}  # fmt: skip
    r = c.post("/console/people/persons/add/", {**form, "address": "9-9-909"})
    assert "没有找到" in r.content.decode() and not Person.objects.filter(name="孙八").exists()
    r = c.post("/console/people/persons/add/", {**form, "address": "3-2-501"})
    person = Person.objects.get(name="孙八")
    assert r.status_code == 302 and r["Location"] == person.get_absolute_url()
    assert person.residencies.get().house == world.house_a and person.region == world.unit_a1


@pytest.mark.django_db
def test_console_registration_shows_every_bad_field_and_saves_nothing(world, login):
    c = login(world.users["grid1"])
    r = c.post(
        "/console/people/persons/add/",
        {"name": "周九", "id_type": "resident_id", "id_number": "52040219800517001Y", "phone": "1234",
         "person_type": "resident", "political_status": "masses", "residency_kind": "owner", "address": "3-2-501"},
    )  # fmt: skip
    body = r.content.decode()
    assert r.status_code == 200 and "身份证号" in body and "联系电话" in body
    assert not Person.objects.filter(name="周九").exists()


@pytest.mark.django_db
def test_sensitive_tags_are_shown_only_to_roles_that_need_them(world, login):
    tag = Tag.objects.add_root(create_kwargs={"name": "社区矫正人员", "code": "correction", "sensitivity": 3})
    public = Tag.objects.add_root(create_kwargs={"name": "退役军人", "code": "veteran", "sensitivity": 0})
    services.tag_assign(actor=None, person=world.person_a, tag=tag)
    services.tag_assign(actor=None, person=world.person_a, tag=public)
    url = world.person_a.get_absolute_url()
    staff_page = login(world.users["staff"]).get(url).content.decode()
    assert "社区矫正人员" in staff_page and "退役军人" in staff_page
    grid_page = login(world.users["grid1"]).get(url).content.decode()
    assert "社区矫正人员" not in grid_page and "退役军人" in grid_page
    unit_page = login(world.users["unitleader"]).get(url).content.decode()
    assert "社区矫正人员" not in unit_page and "/unmask/" not in unit_page
    resident_page = login(world.users["resident"]).get("/m/me/").content.decode()
    assert "社区矫正人员" not in resident_page and "退役军人" in resident_page
