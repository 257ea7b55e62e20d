"""people.bulk: the register's rows written from a plan, as the ledger import hands it over."""

import pytest

from linli.core import crypto
from linli.core.models import ObjectChange
from linli.people import bulk
from linli.people.models import Household, Person, Residency, TagAssignment
from linli.people.services import clean_person_data, id_hash
from linli.testing import make_id_number

pytestmark = pytest.mark.django_db


def _data(name: str, number: str, phone: str = ""):
    return clean_person_data(name=name, id_number=number, phone=phone)


def test_a_new_household_with_its_householder_and_member_is_written_encrypted_and_linked(world):
    house = world.house_b
    head_number, member_number = make_id_number(), make_id_number(male=False)
    head_key, member_key = id_hash("resident_id", head_number), id_hash("resident_id", member_number)
    household = bulk.NewHousehold(
        number="H-9", house_id=house.pk, region_path=house.region_path, head_key=head_key, head_name="赵一",
        house_label="B栋",
    )  # fmt: skip
    lives = bulk.NewResidency(
        house_id=house.pk, kind=Residency.Kind.OWNER, start=None, region_id=world.grid_b.pk,
        region_path=house.region_path,
    )  # fmt: skip
    plan = bulk.RegisterPlan(
        persons=[
            bulk.PersonPlan(
                key=head_key, data=_data("赵一", head_number, "13811112222"), region_id=world.grid_b.pk,
                region_path=house.region_path, household_set=True, household=household, relation=Person.Relation.SELF,
                residencies=[lives], tag_path=house.region_path,
            ),
            bulk.PersonPlan(
                key=member_key, data=_data("赵二", member_number), region_id=world.grid_b.pk,
                region_path=house.region_path, household_set=True, household=household,
                relation=Person.Relation.CHILD, tag_path=house.region_path,
            ),
        ],
        households=[household],
    )  # fmt: skip
    done = []
    written = bulk.write_register(plan, actor=None, request_id="import-test", progress=done.append)

    head = Person.objects.get(pk=written.created_ids[0])
    member = Person.objects.get(pk=written.created_ids[1])
    assert head.id_number_hash == head_key and head.phone_hash == crypto.blind_index("13811112222", "phone")
    assert crypto.decrypt(head.phone_enc) == "13811112222" and "13811112222" not in head.phone_masked
    stored = Household.objects.get(pk=written.household_ids[0])
    assert stored.householder_id == head.pk and stored.number == "H-9"
    assert member.household_id == stored.pk and member.relation == Person.Relation.CHILD
    assert list(Residency.objects.filter(person=head).values_list("house_id", "kind")) == [(house.pk, "owner")]
    assert written.residency_ids and not written.updated_ids and done == [2]
    logged = ObjectChange.objects.filter(request_id="import-test")
    assert logged.filter(action=ObjectChange.Action.CREATE).count() == 3  # two persons, one household


def test_an_update_changes_only_the_named_fields_keeps_the_old_values_and_bumps_the_version(world):
    person = world.person_b
    before_name, before_version = person.name, person.version
    data = clean_person_data(name="李四改", id_number=make_id_number(), phone="13900000000", workplace="新单位")
    plan = bulk.RegisterPlan(
        persons=[bulk.PersonPlan(key=person.id_number_hash, data=data, existing_pk=person.pk, changes=["workplace"])],
        households=[],
    )
    written = bulk.write_register(plan, actor=world.users["staff"], request_id="import-test")
    person.refresh_from_db()
    assert person.workplace == "新单位" and person.name == before_name and person.version == before_version + 1
    assert written.updated_ids == [person.pk]
    assert written.before[person.pk]["name"] == before_name and written.before[person.pk]["workplace"] == ""
    assert not TagAssignment.objects.filter(person=person).exists()
