"""派单 to a 双报到 position holder (from the party app), the audited history of every move, the fulfilment photo."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.core import attachments
from linli.core.factories import UserFactory
from linli.core.models import AuditLog
from linli.core.modules import registry
from linli.core.roles import Role
from linli.party import services as party
from linli.party.factories import MemberFactory, OrganizationFactory
from linli.people.factories import PersonFactory
from linli.volunteering import services
from linli.volunteering.models import Wish

pytestmark = pytest.mark.django_db


def _open_wish(world, title="想要一台收音机") -> Wish:
    wish = services.wish_create(actor=world.users["resident"], title=title)
    return services.wish_publish(wish=wish, actor=world.users["staff"])


def _holder(world, community, position_name="便民服务员", name="王建国", house=None):
    """A party member with a resident's account (no party-member or volunteer role) holding a 双报到 position."""
    user = UserFactory(full_name=name, grants=[(Role.RESIDENT, None)])
    person = PersonFactory(name=name, house=house or world.house_b)
    type(person).objects.filter(pk=person.pk).update(user=user)
    person.user = user
    member = MemberFactory(organization=OrganizationFactory(region=community), person=person)
    position = party.position_create(actor=None, community=community, name=position_name, quota=3)
    party.position_claim(actor=None, position=position, member=member)
    return user


def _photo(color="red") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


# --- 派单 to a position holder ------------------------------------------------------------------------------------


def test_staff_dispatch_a_wish_to_a_position_holder_who_then_has_it(world, login):
    holder = _holder(world, world.community)
    wish = _open_wish(world)
    staff = login(world.users["staff"])
    page = staff.get(f"/console/volunteering/wishes/{wish.pk}/").content.decode()
    assert "双报到岗位 · 便民服务员" in page and f'<option value="{holder.pk}">王建国（便民服务员）</option>' in page

    staff.post(f"/console/volunteering/wishes/{wish.pk}/dispatch/", {"to_user": holder.pk})
    wish.refresh_from_db()
    assert (wish.status, wish.claimer_id, wish.assigned_to_id) == ("claimed", holder.pk, holder.pk)
    history = staff.get(f"/console/volunteering/wishes/{wish.pk}/").content.decode()
    assert "派单给 王建国（双报到岗位：便民服务员）" in history
    # the holder finds it among their claims and can fulfil it
    mine = login(holder).get(f"/m/wishes/{wish.pk}/").content.decode()
    assert 'data-testid="fulfil"' in mine


def test_a_holder_of_another_community_cannot_be_dispatched_to(world, login):
    outsider = _holder(world, world.other_community, name="赵外社", house=world.house_c)
    wish = _open_wish(world)
    staff = login(world.users["staff"])
    assert "赵外社" not in staff.get(f"/console/volunteering/wishes/{wish.pk}/").content.decode()
    page = staff.post(f"/console/volunteering/wishes/{wish.pk}/dispatch/", {"to_user": outsider.pk}, follow=True)
    assert "派单对象：" in page.content.decode()
    wish.refresh_from_db()
    assert wish.status == "open" and wish.claimer_id is None


def test_without_the_party_app_the_position_holders_are_not_offered(world, login, monkeypatch):
    holder = _holder(world, world.community)
    monkeypatch.delitem(registry.services, "party.position_holders")  # as if the party app were not installed
    wish = _open_wish(world)
    staff = login(world.users["staff"])
    page = staff.get(f"/console/volunteering/wishes/{wish.pk}/").content.decode()
    assert "双报到岗位" not in page and "王建国" not in page and "派给党员、志愿者</label>" in page
    staff.post(f"/console/volunteering/wishes/{wish.pk}/dispatch/", {"to_user": holder.pk})
    wish.refresh_from_db()
    assert wish.status == "open"  # not a member or volunteer by role, and no position known


# --- every move is audited and shown as the wish's history --------------------------------------------------------


def _moves(wish) -> list[str]:
    rows = AuditLog.objects.filter(target_id=str(wish.pk), field__startswith="微心愿").order_by("pk")
    return [r.extra["op"] for r in rows]


def test_every_move_of_a_wish_writes_an_audit_row_shown_in_its_history(world, login, member, member2):
    staff, resident = world.users["staff"], world.users["resident"]
    wish = _open_wish(world)
    services.wish_claim(wish=wish, actor=member)
    services.wish_give_up(wish=wish, actor=member, reason="临时出差")
    services.wish_dispatch(wish=wish, actor=staff, to_user=member2)
    services.wish_fulfil(wish=wish, actor=member2, note="已送到家中", hours="1")
    services.wish_confirm(wish=wish, actor=resident)
    assert _moves(wish) == ["create", "publish", "claim", "give_up", "dispatch", "fulfil", "confirm"]
    row = AuditLog.objects.filter(target_id=str(wish.pk), extra__op="give_up").get()
    assert (row.actor, row.reason, row.extra["from"], row.extra["to"]) == (member, "放弃：临时出差", "claimed", "open")

    page = login(staff).get(f"/console/volunteering/wishes/{wish.pk}/").content.decode()
    history = page.split('data-testid="wish-history"')[1].split("</ul>")[0]
    for label in ("登记", "发布", "认领", "放弃认领", "派单", "提交实现情况", "确认实现"):
        assert f"<b>{label}</b>" in history, label
    assert "放弃：临时出差" in history and "陈党员" in history


def test_a_reminder_and_a_dispatch_to_a_team_are_audited_too(world, member):
    wish = _open_wish(world)
    team = services.team_create(actor=None, region=world.community, name="青年突击队")
    services.wish_dispatch(wish=wish, actor=world.users["staff"], team=team)
    Wish.objects.filter(pk=wish.pk).update(published_at=timezone.now() - dt.timedelta(days=10))
    services.remind_tick()
    assert _moves(wish)[-2:] == ["dispatch", "remind"]
    remind = AuditLog.objects.filter(target_id=str(wish.pk), extra__op="remind").get()
    assert remind.actor is None and "无人认领" in remind.reason


# --- the fulfilment photo ------------------------------------------------------------------------------------------


def test_the_fulfilment_photo_is_shown_to_staff_and_the_resident_who_confirms_only(world, login, member):
    wish = _open_wish(world)
    services.wish_claim(wish=wish, actor=member)
    mc = login(member)
    mc.post(f"/m/wishes/{wish.pk}/fulfil/", {"note": "收音机已送到", "hours": "1", "photo": _photo()})
    wish.refresh_from_db()
    assert wish.status == "fulfilled" and wish.fulfil_photo.name.startswith("volunteering/wishes/")
    stored = attachments.open(wish.fulfil_photo.name).read()
    assert not stored.startswith(b"\xff\xd8")  # kept sealed in the file storage, not as a plain JPEG

    staff = login(world.users["staff"])
    assert f"/console/volunteering/wishes/{wish.pk}/photo/" in staff.get(wish.get_absolute_url()).content.decode()
    photo = staff.get(f"/console/volunteering/wishes/{wish.pk}/photo/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(photo.content)).size == (64, 48)

    owner = login(world.users["resident"])
    page = owner.get(f"/m/wishes/{wish.pk}/").content.decode()
    assert f"/m/wishes/{wish.pk}/photo/" in page and 'data-testid="confirm"' in page
    assert owner.get(f"/m/wishes/{wish.pk}/photo/").status_code == 200
    # the resident may not fetch it through the console
    assert owner.get(f"/console/volunteering/wishes/{wish.pk}/photo/").status_code != 200  # sent to the app


def test_a_neighbour_who_sees_the_wall_does_not_see_the_photo(world, login, member, member2):
    wish = _open_wish(world)
    services.wish_claim(wish=wish, actor=member)
    services.wish_fulfil(wish=wish, actor=member, note="已送到", photo=_photo("blue"))
    neighbour = login(member2)  # lives in the same community: the wish is on their wall
    assert neighbour.get(f"/m/wishes/{wish.pk}/").status_code == 200
    assert "/photo/" not in neighbour.get(f"/m/wishes/{wish.pk}/").content.decode()
    assert neighbour.get(f"/m/wishes/{wish.pk}/photo/").status_code == 404
    outsider = login(UserFactory())
    assert outsider.get(f"/console/volunteering/wishes/{wish.pk}/photo/").status_code != 200


def test_the_api_dispatches_to_a_position_holder_too(world, api):
    holder = _holder(world, world.community, position_name="党建指导员", name="钱指导")
    wish = _open_wish(world)
    r = api(world.users["staff"]).post(f"/api/v1/wishes/{wish.pk}/dispatch", {"to_user": holder.pk}, format="json")
    assert (r.status_code, r.json()["status"]) == (200, "claimed")
    wish.refresh_from_db()
    assert wish.claimer_id == holder.pk


def test_the_resident_follows_the_steps_of_their_wish_without_names_or_notes(world, login, member, member2):
    wish = _open_wish(world)
    services.wish_claim(wish=wish, actor=member)
    services.wish_give_up(wish=wish, actor=member, reason="临时出差去外地")
    page = login(world.users["resident"]).get(f"/m/wishes/{wish.pk}/").content.decode()
    steps = page.split('data-testid="wish-steps"')[1].split("</ul>")[0]
    assert "登记" in steps and "发布" in steps and "认领" in steps and "放弃认领" in steps
    assert "临时出差" not in steps and "刘党员" not in steps
    # a neighbour who sees the wish on the wall does not see its steps
    assert 'data-testid="wish-steps"' not in login(member2).get(f"/m/wishes/{wish.pk}/").content.decode()
