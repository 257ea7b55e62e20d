"""Micro-wishes: the API contract, one claimer wins, masking, giving up, dispatch, reminders, the ranking."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from linli.core.errors import ConflictError, DomainError
from linli.core.models import Notification
from linli.volunteering import selectors, services
from linli.volunteering.models import ServiceRecord, Wish, WishClaim

pytestmark = pytest.mark.django_db


def _post(api, world, **data):
    body = {"title": "想要一台收音机", "content": "老伴走后一个人在家，想听听戏", "category": "daily", **data}
    return api(world.users["resident"]).post("/api/v1/wishes/", body, format="json")


def _open_wish(world) -> Wish:
    wish = services.wish_create(actor=world.users["resident"], title="想要一台收音机")
    return services.wish_publish(wish=wish, actor=world.users["staff"])


def test_the_whole_wish_flow_through_the_api_keeps_the_contract(world, api, member):
    r = _post(api, world)
    assert r.status_code == 201 and r.json() == {"id": r.json()["id"], "status": "pending_review"}
    pk = r.json()["id"]
    r = api(world.users["staff"]).post(f"/api/v1/wishes/{pk}/publish")
    assert (r.status_code, r.json()["status"]) == (200, "open")
    r = api(member).post(f"/api/v1/wishes/{pk}/claim")
    assert (r.status_code, r.json()) == (200, {"id": pk, "status": "claimed"})
    r = api(member).post(
        f"/api/v1/wishes/{pk}/fulfil", {"note": "已送到张三家中并教会使用", "hours": "1.5"}, format="json"
    )
    assert (r.status_code, r.json()["status"]) == (200, "fulfilled")
    r = api(world.users["resident"]).post(f"/api/v1/wishes/{pk}/confirm")
    assert (r.status_code, r.json()["status"]) == (200, "done")
    assert ServiceRecord.objects.get(wish_id=pk).hours == 1.5
    r = api(member).get("/api/v1/volunteers/me/hours")
    assert r.json() == {"confirmed_hours": "1.5", "star": 0}


def test_the_wall_lists_open_wishes_with_masked_names(world, api, member):
    wish = _open_wish(world)
    services.wish_create(actor=world.users["resident"], title="还在审核的心愿")
    rows = api(member).get("/api/v1/wishes/?status=open").json()["results"]
    assert [r["id"] for r in rows] == [wish.pk]
    assert rows[0]["name"] == "张*" and "张三" not in str(rows)
    assert "address" not in rows[0]


def test_a_minors_wish_never_shows_who_it_is_for(world, api, member):
    staff = world.users["staff"]
    wish = services.wish_create(actor=staff, title="想要一个书包", beneficiary_name="王小明", is_minor=True,
                                region=world.grid_a)  # fmt: skip
    services.wish_publish(wish=wish, actor=staff)
    row = api(member).get("/api/v1/wishes/?status=open").json()["results"][0]
    assert row["name"] == "一位小朋友" and "王" not in row["name"]


def test_a_second_claimer_gets_409_while_the_claim_stands(world, api, member, member2):
    wish = _open_wish(world)
    assert api(member).post(f"/api/v1/wishes/{wish.pk}/claim").status_code == 200
    r = api(member2).post(f"/api/v1/wishes/{wish.pk}/claim")
    assert r.status_code == 409 and "已被他人认领" in r.json()["detail"]
    assert WishClaim.objects.filter(wish=wish, active=True).count() == 1


def test_residents_cannot_claim_or_publish(world, api):
    wish = services.wish_create(actor=world.users["resident"], title="想要一台收音机")
    resident = api(world.users["resident"])
    assert resident.post(f"/api/v1/wishes/{wish.pk}/publish").status_code == 403
    services.wish_publish(wish=wish, actor=world.users["staff"])
    assert resident.post(f"/api/v1/wishes/{wish.pk}/claim").status_code == 403


def test_staff_of_another_community_cannot_publish(world, api):
    from linli.core.factories import UserFactory
    from linli.core.roles import Role

    other = UserFactory(grants=[(Role.COMMUNITY_STAFF, world.other_community)])
    wish = services.wish_create(actor=world.users["resident"], title="想要一台收音机")
    assert api(other).post(f"/api/v1/wishes/{wish.pk}/publish").status_code == 404
    assert Wish.objects.get(pk=wish.pk).status == "pending_review"


def test_a_bad_wish_is_refused_in_chinese_and_nothing_is_saved(world, api):
    r = _post(api, world, title="   ")
    assert r.status_code == 400 and "心愿：请填写" in r.json()["detail"]
    assert not Wish.objects.exists()


def test_giving_up_puts_the_wish_back_on_the_wall_and_needs_a_reason(world, member, member2):
    wish = services.wish_claim(wish=_open_wish(world), actor=member)
    with pytest.raises(DomainError, match="放弃原因"):
        services.wish_give_up(wish=wish, actor=member, reason="")
    services.wish_give_up(wish=wish, actor=member, reason="临时出差")
    assert Wish.objects.get(pk=wish.pk).status == "open"
    assert WishClaim.objects.get(wish=wish).end == "given_up"
    services.wish_claim(wish=Wish.objects.get(pk=wish.pk), actor=member2)
    assert Wish.objects.get(pk=wish.pk).claimer == member2


def test_only_the_claimer_fulfils_and_only_the_resident_or_staff_confirm(world, member, member2):
    wish = services.wish_claim(wish=_open_wish(world), actor=member)
    with pytest.raises(DomainError):
        services.wish_fulfil(wish=wish, actor=member2, note="我做的")
    services.wish_fulfil(wish=wish, actor=member, note="送到了")
    with pytest.raises(DomainError):
        services.wish_confirm(wish=wish, actor=member2)
    services.wish_confirm(wish=wish, actor=world.users["staff"])
    assert Wish.objects.get(pk=wish.pk).status == "done"


def test_dispatch_to_a_member_claims_for_them_and_tells_them(world, member, django_capture_on_commit_callbacks):
    wish = _open_wish(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.wish_dispatch(wish=wish, actor=world.users["staff"], to_user=member)
    wish.refresh_from_db()
    assert wish.status == "claimed" and wish.claimer == member and wish.assigned_to == member
    assert Notification.objects.filter(recipient=member, kind="wish_dispatched").exists()


def test_overdue_and_unclaimed_wishes_remind_the_community_once_a_day(world, member):
    overdue = services.wish_claim(wish=_open_wish(world), actor=member)
    Wish.objects.filter(pk=overdue.pk).update(claim_deadline=timezone.now() - dt.timedelta(hours=1))
    stale = _open_wish(world)
    Wish.objects.filter(pk=stale.pk).update(published_at=timezone.now() - dt.timedelta(days=8))
    assert services.remind_tick() == {"overdue": 1, "unclaimed": 1}
    staff = world.users["staff"]
    assert Notification.objects.filter(recipient=staff, kind="wish_overdue").count() == 1
    assert Notification.objects.filter(recipient=member, kind="wish_overdue").count() == 1
    assert services.remind_tick() == {"overdue": 0, "unclaimed": 0}  # not again the same day


def test_the_wall_is_the_members_own_communitys(world, api, member):
    from linli.core.factories import UserFactory
    from linli.core.roles import Role

    wish = _open_wish(world)
    stranger = UserFactory(grants=[(Role.PARTY_MEMBER, None)])  # lives nowhere the register knows
    assert api(stranger).get("/api/v1/wishes/?status=open").json()["results"] == []
    assert api(stranger).post(f"/api/v1/wishes/{wish.pk}/claim").status_code == 404


def test_the_ranking_counts_confirmed_wishes_never_claims(world, member, member2):
    done = services.wish_claim(wish=_open_wish(world), actor=member)
    services.wish_fulfil(wish=done, actor=member, note="送到了", hours="2")
    services.wish_confirm(wish=done, actor=world.users["resident"])
    services.wish_claim(wish=_open_wish(world), actor=member2)  # claimed only
    services.wish_claim(wish=_open_wish(world), actor=member2)
    ranking = selectors.ranking(user=world.users["staff"])
    assert ranking["wishes"] == [{"name": "刘**", "value": 1}]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_claiming_at_once_exactly_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks under real concurrency (SQLite serialises all writers)")
    from linli.core.factories import UserFactory
    from linli.core.roles import Role
    from linli.testing import build_world

    world = build_world()
    wish = _open_wish(world)
    members = [UserFactory(grants=[(Role.PARTY_MEMBER, None)]) for _ in range(2)]
    for user in members:
        services.volunteer_register(user=user, consent=True, region=world.grid_a)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def claim(user):
        from django.db import connections

        try:
            stale = Wish.objects.get(pk=wish.pk)
            barrier.wait(timeout=10)
            services.wish_claim(wish=stale, actor=user)
            results.append("won")
        except ConflictError:
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["conflict", "won"]
    assert WishClaim.objects.filter(wish=wish, active=True).count() == 1
