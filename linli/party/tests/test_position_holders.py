"""``party.position_holders``: the members holding a 双报到 position in a community, offered to other apps."""

import pytest

from linli.core.factories import UserFactory
from linli.core.modules import ask, provides
from linli.party import services
from linli.party.factories import MemberFactory, OrganizationFactory
from linli.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _holder(community, position, name, *, account=True, house=None):
    user = UserFactory(full_name=name) if account else None
    person = PersonFactory(name=name, house=house) if house else PersonFactory(name=name)
    if user is not None:
        type(person).objects.filter(pk=person.pk).update(user=user)
        person.user = user
    member = MemberFactory(organization=OrganizationFactory(region=community), person=person)
    services.position_claim(actor=None, position=position, member=member)
    return member, user


def test_holders_of_the_wish_community_positions_are_offered_and_other_communities_are_not(world):
    guide = services.position_create(actor=None, community=world.community, name="党建指导员", quota=2)
    helper = services.position_create(actor=None, community=world.community, name="便民服务员", quota=2)
    elsewhere = services.position_create(actor=None, community=world.other_community, name="便民服务员", quota=2)
    _, wang = _holder(world.community, guide, "王建国")
    _, li = _holder(world.community, helper, "李秀英")
    _holder(world.other_community, elsewhere, "赵外社")

    assert provides("party.position_holders")
    holders = ask("party.position_holders", region_path=world.grid_a.path)  # a grid's community covers it
    assert {(h["name"], h["position"], h["user_id"]) for h in holders} == {
        ("王建国", "党建指导员", wang.pk),
        ("李秀英", "便民服务员", li.pk),
    }
    only = ask("party.position_holders", region_path=world.grid_a.path, position="便民服务员")
    assert [h["name"] for h in only] == ["李秀英"]
    # a district reaches the positions of all its communities
    district = {h["name"] for h in ask("party.position_holders", region_path=world.district.path)}
    assert district == {"王建国", "李秀英", "赵外社"}


def test_a_member_who_left_holds_no_position_and_no_identity_data_is_given(world):
    helper = services.position_create(actor=None, community=world.community, name="民意收集员", quota=2)
    member, _ = _holder(world.community, helper, "孙离开", house=world.house_a)
    _holder(world.community, helper, "周无号", account=False, house=world.house_b)
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    holders = ask("party.position_holders", region_path=world.community.path)
    assert [(h["name"], h["user_id"]) for h in holders] == [("周无号", None)]
    assert set(holders[0]) == {"user_id", "person_id", "name", "position", "position_id", "community"}
