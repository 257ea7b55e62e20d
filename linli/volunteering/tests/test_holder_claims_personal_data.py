"""A 双报到 position holder claims from the wall like a member; the 本人数据副本 carries the wish's history and photo."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linli.core.factories import UserFactory
from linli.core.models import AuditLog
from linli.core.modules import personal_data_sections, registry
from linli.core.roles import Role
from linli.party import services as party
from linli.party.factories import MemberFactory, OrganizationFactory
from linli.people.factories import PersonFactory
from linli.volunteering import services
from linli.volunteering.models import Wish

pytestmark = pytest.mark.django_db


def _open_wish(world, title="想要一台收音机", address="") -> Wish:
    wish = services.wish_create(actor=world.users["resident"], title=title, address=address)
    return services.wish_publish(wish=wish, actor=world.users["staff"])


def _holder(world, community, name="王建国", house=None):
    """A party member with a resident's account only (no party-member or volunteer role) holding 便民服务员."""
    user = UserFactory(full_name=name, grants=[(Role.RESIDENT, None)])
    person = PersonFactory(name=name, house=house or world.house_b)
    type(person).objects.filter(pk=person.pk).update(user=user)
    member = MemberFactory(organization=OrganizationFactory(region=community), person=person)
    position = party.position_create(actor=None, community=community, name="便民服务员", quota=3)
    claim = party.position_claim(actor=None, position=position, member=member)
    return user, claim


# --- 我来认领 for position holders -----------------------------------------------------------------------------------


def test_a_position_holder_sees_the_claim_button_and_claims_from_the_wall(world, login):
    holder, _ = _holder(world, world.community)
    wish = _open_wish(world)
    client = login(holder)
    wall = client.get("/m/wishes/").content.decode()
    assert f'data-testid="claim-{wish.pk}"' in wall
    assert 'data-testid="claim"' in client.get(f"/m/wishes/{wish.pk}/").content.decode()
    client.post(f"/m/wishes/{wish.pk}/claim/")
    wish.refresh_from_db()
    assert (wish.status, wish.claimer_id, wish.assigned_to_id) == ("claimed", holder.pk, None)
    row = AuditLog.objects.filter(target_id=str(wish.pk), extra__op="claim").get()
    assert row.reason == "认领（双报到岗位：便民服务员）"
    # and it is theirs to fulfil
    assert 'data-testid="fulfil"' in client.get(f"/m/wishes/{wish.pk}/").content.decode()


def test_a_resident_who_holds_no_position_gets_no_button_and_cannot_claim(world, login):
    wish = _open_wish(world)
    neighbour = UserFactory(grants=[(Role.RESIDENT, None)])
    person = PersonFactory(name="李邻居", house=world.house_b)
    type(person).objects.filter(pk=person.pk).update(user=neighbour)
    client = login(neighbour)
    assert f'data-testid="claim-{wish.pk}"' not in client.get("/m/wishes/").content.decode()
    page = client.post(f"/m/wishes/{wish.pk}/claim/", follow=True).content.decode()
    assert "双报到岗位上的党员可以认领" in page
    wish.refresh_from_db()
    assert wish.status == "open" and wish.claimer_id is None


def test_a_holder_of_another_community_cannot_claim_here(world):
    outsider, _ = _holder(world, world.other_community, name="赵外社", house=world.house_c)
    wish = _open_wish(world)
    with pytest.raises(services.DomainError, match="双报到岗位上的党员"):
        services.wish_claim(wish=wish, actor=outsider)
    assert Wish.objects.get(pk=wish.pk).status == "open"


def test_a_withdrawn_holder_can_no_longer_claim(world):
    holder, claim = _holder(world, world.community)
    party.position_withdraw(actor=None, claim=claim, reason="工作调动")
    wish = _open_wish(world)
    with pytest.raises(services.DomainError, match="双报到岗位上的党员"):
        services.wish_claim(wish=wish, actor=holder)


def test_a_position_holder_claims_through_the_api(world, client):
    holder, _ = _holder(world, world.community)
    wish = _open_wish(world)
    client.force_login(holder)
    r = client.post(f"/api/v1/wishes/{wish.pk}/claim", content_type="application/json", data={})
    assert r.status_code == 200 and r.json()["status"] == "claimed"


def test_without_the_party_app_a_holder_cannot_claim(world, login, monkeypatch):
    holder, _ = _holder(world, world.community)
    monkeypatch.delitem(registry.services, "party.position_holders")
    wish = _open_wish(world)
    client = login(holder)
    assert f'data-testid="claim-{wish.pk}"' not in client.get("/m/wishes/").content.decode()
    client.post(f"/m/wishes/{wish.pk}/claim/")
    assert Wish.objects.get(pk=wish.pk).status == "open"


# --- 本人数据副本 ------------------------------------------------------------------------------------------------------


def _person_of(user, world):
    person = PersonFactory(name=user.full_name, house=world.house_b)
    type(person).objects.filter(pk=person.pk).update(user=user)
    person.refresh_from_db()
    return person


def _photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def test_the_personal_data_copy_has_the_wish_history_and_the_fulfilment_photo(world, member, login):
    wish = _open_wish(world, address="3栋2单元501")
    services.wish_claim(wish=wish, actor=member)
    services.wish_fulfil(wish=wish, actor=member, note="送到了", photo=_photo(), hours="1.5")
    sections = {s.key: s for s in personal_data_sections()}
    [row] = sections["wishes"].collect(world.person_a)
    assert row["联系地址"] == "3栋2单元501" and row["实现情况"] == "送到了"
    assert row["实现照片"].endswith(f"/m/wishes/{wish.pk}/photo/")
    assert [step.split(" ", 2)[2] for step in row["办理进度"].split("；")] == ["登记", "发布", "认领", "提交实现情况"]
    assert "刘党员" not in row["办理进度"]  # the steps, not who did them
    # the link in the copy opens the photo for the resident
    client = login(world.users["resident"])
    assert client.get(f"/m/wishes/{wish.pk}/photo/").status_code == 200
    page = client.get("/m/me/data/").content.decode()
    assert "办理进度" in page and "提交实现情况" in page and f"/m/wishes/{wish.pk}/photo/" in page
    # the claimer's own copy lists the claim, what they reported and the photo they took
    [claim] = sections["wish_claims"].collect(_person_of(member, world))
    assert (claim["心愿"], claim["认领方式"], claim["我提交的实现情况"]) == ("想要一台收音机", "自己认领", "送到了")
    assert claim["实现照片"].endswith(f"/m/wishes/{wish.pk}/photo/")
    assert sections["wish_claims"].collect(world.person_a) == []


def test_a_wish_without_a_photo_says_so_and_a_given_up_claim_keeps_the_reason(world, member):
    wish = _open_wish(world)
    services.wish_claim(wish=wish, actor=member)
    services.wish_give_up(wish=wish, actor=member, reason="临时出差")
    [row] = {s.key: s for s in personal_data_sections()}["wishes"].collect(world.person_a)
    assert row["实现照片"] == "无" and "放弃认领" in row["办理进度"]
    [claim] = {s.key: s for s in personal_data_sections()}["wish_claims"].collect(_person_of(member, world))
    assert (claim["结果"], claim["放弃原因"], claim["实现照片"]) == ("主动放弃", "临时出差", "")
