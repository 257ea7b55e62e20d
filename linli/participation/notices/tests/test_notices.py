"""Notices: who they reach, what each person sees, receipts and the unread list, scheduling, emergencies."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.core import services as core_services
from linli.core.errors import DomainError
from linli.core.models import Notification, OutboundMessage
from linli.core.roles import Role
from linli.participation.notices import selectors, services
from linli.participation.notices.models import Notice, NoticeDelivery
from linli.people.models import Person
from linli.testing import PASSWORD


@pytest.fixture
def neighbour(world):
    """An account for 李四 (second grid, building 5): a resident who lives elsewhere than 张三."""
    user = core_services.user_create(actor=None, username="lisi", password=PASSWORD, full_name="李四")
    core_services.grant_add(actor=None, user=user, role=Role.RESIDENT)
    Person.objects.filter(pk=world.person_b.pk).update(user=user)
    return user


def _publish(world, **kw):
    kw.setdefault("author", world.users["staff"])
    kw.setdefault("region", world.community)
    kw.setdefault("title", "停电通知")
    kw.setdefault("body", "明日检修线路。")
    return services.publish_notice(**kw)


def test_a_notice_for_one_building_reaches_only_the_people_living_there(world, neighbour, login):
    notice = _publish(world, audience={"buildings": [world.house_a.building_id]})
    assert notice.status == Notice.Status.PUBLISHED
    assert list(NoticeDelivery.objects.filter(notice=notice).values_list("person_id", flat=True)) == [world.person_a.pk]
    assert "3" in notice.audience_label

    resident = login(world.users["resident"])
    page = resident.get(reverse("participation:my_notices"))
    assert "停电通知" in page.content.decode()
    other = login(neighbour)
    assert "停电通知" not in other.get(reverse("participation:my_notices")).content.decode()
    assert other.get(reverse("participation:my_notice_detail", args=[notice.pk])).status_code == 404


def test_opening_the_notice_is_the_read_receipt(world, login):
    notice = _publish(world)
    client = login(world.users["resident"])
    assert client.get(reverse("participation:my_notice_detail", args=[notice.pk])).status_code == 200
    delivery = NoticeDelivery.objects.get(notice=notice, person=world.person_a)
    assert delivery.read_at is not None
    receipts = selectors.receipts(user=world.users["staff"], notice=notice)
    assert (receipts.total, receipts.read) == (3 - 1, 1)  # 张三 and 李四 live in 彩虹社区; 王五 elsewhere
    assert [p["name"] for p in receipts.unread] == ["李*"]


def test_the_api_lists_only_the_residents_notices_and_marks_them_read(world, neighbour, api):
    mine = _publish(world, audience={"regions": [world.grid_a.pk]}, title="第一网格通知")
    theirs = _publish(world, audience={"regions": [world.grid_b.pk]}, title="第二网格通知")
    client = api(world.users["resident"])
    body = client.get("/api/v1/notices/").json()
    assert [n["title"] for n in body["results"]] == ["第一网格通知"]
    assert body["results"][0]["read_at"] is None
    assert client.post(f"/api/v1/notices/{mine.pk}/read").status_code == 200
    assert client.get("/api/v1/notices/").json()["results"][0]["read_at"] is not None
    assert client.post(f"/api/v1/notices/{theirs.pk}/read").status_code == 404
    assert client.get(f"/api/v1/notices/{theirs.pk}/").status_code == 404
    # Staff see both, with their read counts.
    staff = api(world.users["staff"]).get("/api/v1/notices/").json()
    assert {n["title"]: n["read_count"] for n in staff["results"]} == {"第一网格通知": 1, "第二网格通知": 0}


def test_receipts_give_staff_counts_and_a_masked_unread_list_and_residents_nothing(world, api):
    notice = _publish(world)
    body = api(world.users["staff"]).get(f"/api/v1/notices/{notice.pk}/receipts/").json()
    assert (body["total"], body["read"], body["unread"]) == (2, 0, 2)
    assert sorted(p["name"] for p in body["unread_list"]) == ["张*", "李*"]
    assert {g["grid"]: g["unread"] for g in body["grids"]} == {"第一网格": 1, "第二网格": 1}
    assert "501" in next(p["address"] for p in body["unread_list"] if p["name"] == "张*")
    assert api(world.users["resident"]).get(f"/api/v1/notices/{notice.pk}/receipts/").status_code == 404
    # Another community's staff: the notice does not exist for them.
    assert api(world.users["grid1"]).get(f"/api/v1/notices/{notice.pk}/receipts/").status_code == 200
    outsider = core_services.user_create(actor=None, username="taxi", password=PASSWORD, full_name="塔西")
    core_services.grant_add(actor=None, user=outsider, role=Role.COMMUNITY_STAFF, region=world.other_community)
    assert api(outsider).get(f"/api/v1/notices/{notice.pk}/receipts/").status_code == 404


def test_a_grid_worker_sees_the_community_notice_and_only_their_grids_unread_list(world, login):
    notice = _publish(world)
    client = login(world.users["grid1"])
    page = client.get(reverse("participation:notice_list")).content.decode()
    assert "停电通知" in page
    detail = client.get(notice.get_absolute_url()).content.decode()
    assert "张*" in detail and "李*" not in detail
    receipts = selectors.receipts(user=world.users["grid2"], notice=notice)
    assert [p["name"] for p in receipts.unread] == ["李*"]


def test_a_grid_worker_marks_a_door_knock_and_the_person_leaves_the_unread_list(world, login):
    notice = _publish(world)
    delivery = NoticeDelivery.objects.get(notice=notice, person=world.person_a)
    client = login(world.users["grid1"])
    other = NoticeDelivery.objects.get(notice=notice, person=world.person_b)
    url = reverse("participation:notice_inform", args=[notice.pk, other.pk])
    assert client.post(url).status_code == 404  # 李四 lives in the second grid
    client.post(reverse("participation:notice_inform", args=[notice.pk, delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.informed_by == world.users["grid1"] and delivery.informed_at is not None
    receipts = selectors.receipts(user=world.users["staff"], notice=notice)
    assert (receipts.informed, receipts.unread_total) == (1, 1)
    with pytest.raises(DomainError, match="已有人登记"):
        services.delivery_inform(actor=world.users["staff"], delivery=delivery)


def test_a_scheduled_notice_reaches_nobody_until_its_time_then_everyone(
    world, login, django_capture_on_commit_callbacks
):
    later = timezone.now() + dt.timedelta(hours=2)
    notice = _publish(world, publish_at=later)
    assert notice.status == Notice.Status.SCHEDULED and not NoticeDelivery.objects.filter(notice=notice).exists()
    client = login(world.users["resident"])
    assert client.get(reverse("participation:my_notice_detail", args=[notice.pk])).status_code == 404
    assert services.publish_due() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.publish_due(later + dt.timedelta(minutes=1)) == 1
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED and notice.recipients == 2
    assert client.get(reverse("participation:my_notice_detail", args=[notice.pk])).status_code == 200
    assert Notification.objects.filter(recipient=world.users["resident"], kind="notice").count() == 1


def test_an_emergency_goes_through_every_channel_and_stays_on_top(world, login, django_capture_on_commit_callbacks):
    _publish(world, title="普通通知", pinned=True)
    with django_capture_on_commit_callbacks(execute=True):
        urgent = _publish(world, title="燃气泄漏紧急疏散", kind="emergency", audience={"regions": [world.grid_a.pk]})
    assert urgent.pinned
    assert Notification.objects.filter(recipient=world.users["resident"], title__contains="燃气泄漏").exists()
    channels = set(OutboundMessage.objects.filter(template="notice_emergency").values_list("channel", flat=True))
    assert channels == {"sms", "wechat"}
    sms = OutboundMessage.objects.get(template="notice_emergency", channel="sms")
    assert sms.to_masked == "138****5678"  # 张三's number, masked in the log
    titles = [n.title for n in selectors.my_notices(user=world.users["resident"])]
    assert titles[0] == "燃气泄漏紧急疏散"
    with pytest.raises(DomainError, match="紧急通知始终置顶"):
        services.notice_pin(actor=world.users["staff"], notice=urgent, pinned=False)


def test_a_withdrawn_or_expired_notice_leaves_the_residents_list(world, login):
    gone = _publish(world, title="已撤回的通知")
    old = _publish(world, title="过期的通知", expires_at=timezone.now() + dt.timedelta(hours=1))
    Notice.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client = login(world.users["staff"])
    client.post(reverse("participation:notice_act", args=[gone.pk, "withdraw"]))
    gone.refresh_from_db()
    assert gone.status == Notice.Status.WITHDRAWN
    resident = login(world.users["resident"])
    page = resident.get(reverse("participation:my_notices")).content.decode()
    assert "已撤回的通知" not in page and "过期的通知" not in page
    assert resident.get(reverse("participation:my_notice_detail", args=[gone.pk])).status_code == 404


def test_a_notice_to_party_members_reaches_only_party_members(world):
    Person.objects.filter(pk=world.person_b.pk).update(political_status=Person.Political.CPC)
    notice = _publish(world, audience={"party_members": True})
    assert list(NoticeDelivery.objects.filter(notice=notice).values_list("person_id", flat=True)) == [world.person_b.pk]
    assert notice.audience_label == "彩虹社区全体中的党员"


def test_a_notice_to_grid_workers_reaches_their_accounts(world):
    notice = _publish(world, audience={"roles": ["grid_worker"]})
    users = set(NoticeDelivery.objects.filter(notice=notice).values_list("user__username", flat=True))
    assert users == {"grid1", "grid2"}


def test_targets_outside_the_region_or_bad_input_are_refused_in_chinese(world):
    with pytest.raises(DomainError, match="不在“彩虹社区”范围内"):
        _publish(world, audience={"regions": [world.grid_c.pk]})
    with pytest.raises(DomainError, match="标题：请填写标题"):
        _publish(world, title=" ")
    with pytest.raises(DomainError, match="有效期至：应晚于发布时间"):
        _publish(world, expires_at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(DomainError, match="没有在“塔西社区”登记的权限"):
        _publish(world, region=world.other_community)
    with pytest.raises(DomainError, match="类型不支持"):
        _publish(world, files=[("run.exe", b"MZ")])
    assert not Notice.objects.exists()


def test_attachments_are_served_to_recipients_only(world, neighbour, login):
    notice = _publish(world, audience={"regions": [world.grid_a.pk]}, files=[("办事指南.pdf", b"%PDF-1.4 test")])
    f = notice.attachments.get()
    url = reverse("participation:notice_file", args=[notice.pk, f.pk])
    response = login(world.users["resident"]).get(url)
    assert response.status_code == 200 and response.content == b"%PDF-1.4 test"
    assert login(neighbour).get(url).status_code == 404


def test_staff_publish_through_the_console_form(world, login):
    client = login(world.users["staff"])
    assert client.get(reverse("participation:notice_add")).status_code == 200
    response = client.post(
        reverse("participation:notice_add"),
        {"title": "楼道清理", "kind": "normal", "body": "请清理楼道杂物。", "region": world.community.pk,
         "buildings": [world.house_b.building_id]},
    )  # fmt: skip
    notice = Notice.objects.get(title="楼道清理")
    assert response.status_code == 302 and notice.recipients == 1
    page = client.get(notice.get_absolute_url()).content.decode()
    assert "未读名单" in page and "李*" in page
    bad = client.post(reverse("participation:notice_add"), {"title": "", "kind": "normal", "body": "x",
                                                             "region": world.community.pk})  # fmt: skip
    assert bad.status_code == 200 and "标题" in bad.content.decode()
    assert login(world.users["resident"]).get(reverse("participation:notice_add")).status_code in (302, 404)


def test_the_personal_data_copy_holds_my_reads(world):
    notice = _publish(world)
    services.notice_read(user=world.users["resident"], notice=notice)
    rows = selectors.personal_data_reads(world.person_a)
    assert rows[0]["通知"] == "停电通知" and rows[0]["阅读时间"] != "未读"


def test_statistics_count_published_notices_and_the_read_rate(world):
    notice = _publish(world)
    _publish(world, publish_at=timezone.now() + dt.timedelta(days=1))
    services.notice_read(user=world.users["resident"], notice=notice)
    assert selectors.notice_count(world.users["staff"]) == 1
    assert selectors.read_rate(world.users["staff"]) == 50.0
    assert selectors.notice_count(world.users["resident"]) == 1


def test_a_notice_to_grid_workers_points_them_to_the_console(world, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = _publish(world, audience={"roles": ["grid_worker"]}, title="网格员例会")
    message = Notification.objects.get(recipient=world.users["grid1"], kind="notice")
    assert message.url == notice.get_absolute_url()
    client = login(world.users["grid1"])
    assert client.get(message.url).status_code == 200
    assert NoticeDelivery.objects.get(notice=notice, user=world.users["grid1"]).read_at is not None
    assert NoticeDelivery.objects.get(notice=notice, user=world.users["grid2"]).read_at is None


def test_receipts_of_notices_expired_two_years_ago_are_purged_except_held_persons(world):
    from linli.core.modules import retention_kind

    old = _publish(world, expires_at=timezone.now() + dt.timedelta(hours=1))
    Notice.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(days=800))
    recent = _publish(world, title="新通知")
    cutoff = timezone.now() - dt.timedelta(days=730)
    purged = retention_kind("notice_delivery").purge(cutoff, [world.person_b.pk])
    assert purged == 1
    assert list(NoticeDelivery.objects.filter(notice=old).values_list("person_id", flat=True)) == [world.person_b.pk]
    assert NoticeDelivery.objects.filter(notice=recent).count() == 2


def test_the_receipts_page_keeps_its_query_count_as_recipients_grow(world, login):
    from linli.housing.factories import HouseFactory
    from linli.people.factories import PersonFactory
    from linli.testing import assert_queries_constant

    notice = _publish(world)

    def more(n):
        for _ in range(n):
            person = PersonFactory(house=HouseFactory(building=world.house_a.building))
            NoticeDelivery.objects.create(notice=notice, person=person, grid=world.grid_a,
                                          region_path=person.region_path)  # fmt: skip

    assert_queries_constant(login(world.users["staff"]), notice.get_absolute_url(), more)


def test_staff_narrow_the_unread_list_to_one_grid(world, login):
    notice = _publish(world)
    client = login(world.users["staff"])
    page = client.get(f"{notice.get_absolute_url()}?grid={world.grid_b.pk}").content.decode()
    list_part = page[page.index('id="unread"') :]
    assert "李*" in list_part and "张*" not in list_part


def test_the_resident_home_leads_to_notices_learning_matters_and_votes(world, login):
    page = login(world.users["resident"]).get("/m/").content.decode()
    for name, label in (("my_notices", "通知公告"), ("my_learning", "学习园地"), ("my_matters", "议事协商"),
                        ("ownervote_mine", "业主表决")):  # fmt: skip
        assert f'href="{reverse(f"participation:{name}")}"' in page and label in page


AUDIENCES = [
    {},
    {"party_members": True},
    {"volunteers": True},
    {"roles": ["grid_worker"]},
    {"roles": ["grid_worker", "resident"]},
    {"buildings": "house_a"},
    {"regions": "grid_b"},
    {"regions": "grid_a", "party_members": True},
    {"tags": ["elderly"]},
]


@pytest.mark.parametrize("audience", AUDIENCES, ids=lambda a: "+".join(a) or "everyone")
def test_receipts_written_in_one_statement_are_exactly_the_resolved_recipients(world, audience):
    """The receipts are one INSERT … SELECT; they reach the same persons, accounts and grids as ``resolve``."""
    from linli.housing.factories import HouseFactory
    from linli.participation.notices import audience as aud
    from linli.people.factories import PersonFactory, TagAssignmentFactory, TagFactory
    from linli.people.models import Tag

    for building in (world.house_a.building, world.house_b.building):
        for _ in range(3):
            PersonFactory(house=HouseFactory(building=building))
    Person.objects.filter(pk=world.person_b.pk).update(political_status=Person.Political.CPC)
    tag = Tag.objects.filter(code="elderly").first() or TagFactory(code="elderly", name="老年人")
    TagAssignmentFactory(tag=tag, person=world.person_a)
    audience = dict(audience)
    if audience.get("buildings") == "house_a":
        audience["buildings"] = [world.house_a.building_id]
    if audience.get("regions") in ("grid_a", "grid_b"):
        audience["regions"] = [getattr(world, audience["regions"]).pk]
    notice = _publish(world, audience=audience)
    written = set(NoticeDelivery.objects.filter(notice=notice).values_list("person_id", "user_id", "grid_id",
                                                                         "region_path"))  # fmt: skip
    expected = {(r.person_id, r.user_id, r.grid_id, r.region_path) for r in aud.resolve(world.community, audience)}
    assert written == expected
    assert notice.recipients == len(expected)
    assert all(grid is not None for _, _, grid, _ in written)  # everyone in the test world lives in a grid


def test_publishing_to_more_people_takes_no_more_statements(world):
    """A notice to a million people must not be a million objects: the statements do not grow with them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.housing.factories import HouseFactory
    from linli.people.factories import PersonFactory

    def statements():
        with CaptureQueriesContext(connection) as ctx:
            _publish(world)
        # how many statements, and roughly how much SQL: a VALUES row per person would grow the text
        return len(ctx.captured_queries), sum(len(q["sql"]) for q in ctx.captured_queries) // 500

    statements()  # the first one fills per-process caches (content types)
    before = statements()
    for _ in range(30):
        PersonFactory(house=HouseFactory(building=world.house_a.building))
    assert statements() == before
    assert (
        NoticeDelivery.objects.filter(notice=Notice.objects.latest("pk")).count() == 2 + 30
    )  # 张三, 李四 and the new neighbours
