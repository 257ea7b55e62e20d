"""Console and resident pages: queue (counts, bulk dispatch, constant queries), detail and actions, intake,
patrol, statistics, inbox, and the resident's report → rate path."""

import re

from django.urls import reverse

from linli.core import tallies
from linli.events import services
from linli.events.models import Event, Notification

from .conftest import png


def _many(world, open_event, n=10):
    out = []
    for i in range(n):
        e = open_event(text=f"第{i}件：楼下垃圾")
        if i % 3 == 1:
            services.event_accept(event=e, actor=world.users["staff"])
        if i % 3 == 2:
            services.event_dispatch(event=e, actor=world.users["staff"])
        out.append(e)
    return out


def test_queue_shows_counts_per_state_and_overdue(world, open_event, login):
    _many(world, open_event, 6)
    page = login(world.users["staff"]).get(reverse("events:event_queue")).content.decode()
    assert "待受理" in page and "受理派遣" in page and 'data-testid="state-tabs"' in page


def test_queue_query_count_does_not_grow_with_rows(world, open_event, login, django_assert_max_num_queries):
    c = login(world.users["staff"])
    _many(world, open_event, 3)
    tallies.fold()  # the creates' counters (the job folds every minute; a page folds what is left: test_counters)
    # 13 with warm caches (see test_performance); the first request also fills the taxonomy and region caches.
    with django_assert_max_num_queries(16) as ctx:
        c.get(reverse("events:event_queue"))
    few = len(ctx.captured_queries)
    _many(world, open_event, 15)
    tallies.fold()
    with django_assert_max_num_queries(few):
        c.get(reverse("events:event_queue") + "?status=pending&status=accepted&status=dispatched")


def test_my_tasks_query_count_is_bounded(world, open_event, login, django_assert_max_num_queries):
    _many(world, open_event, 12)
    c = login(world.users["grid1"])
    with django_assert_max_num_queries(11):
        page = c.get(reverse("events:my_tasks"))
    assert page.status_code == 200


def test_bulk_dispatch_by_rule(world, open_event, login):
    events = [open_event(text=f"第{i}件") for i in range(3)]
    c = login(world.users["staff"])
    c.post(reverse("events:event_bulk_dispatch"), {"ids": [e.pk for e in events], "handler": ""})
    assert set(Event.objects.values_list("status", flat=True)) == {"dispatched"}
    assert set(Event.objects.values_list("handler_user__username", flat=True)) == {"grid1"}


def test_bulk_dispatch_ignores_events_out_of_scope(world, open_event, login):
    e = open_event(house=world.house_c, reporter=None, actor=None, text="塔西小区垃圾")
    login(world.users["staff"]).post(reverse("events:event_bulk_dispatch"), {"ids": [e.pk]})
    assert Event.objects.get(pk=e.pk).status == "pending"


def test_detail_shows_timeline_actions_and_map(world, open_event, login):
    e = open_event(photos=[png()])
    page = login(world.users["staff"]).get(e.get_absolute_url()).content.decode()
    assert 'data-testid="timeline"' in page and "act-accept" in page and "event-map-data" in page
    assert "上报" in page


def test_accept_and_dispatch_through_the_forms(world, open_event, login):
    e = open_event()
    c = login(world.users["staff"])
    c.post(reverse("events:event_act", args=[e.pk, "accept"]), {"category": "0201", "version": 1})
    c.post(reverse("events:event_act", args=[e.pk, "dispatch"]), {"handler": "", "version": 2})
    e.refresh_from_db()
    assert e.status == "dispatched" and e.handler_user == world.users["grid1"]


def test_illegal_action_shows_a_chinese_message(world, open_event, login):
    e = open_event()
    c = login(world.users["grid1"])
    response = c.post(reverse("events:event_act", args=[e.pk, "sign"]), follow=True)
    assert "不能签收" in response.content.decode()


def test_stale_form_is_refused(world, open_event, login):
    e = open_event()
    services.event_accept(event=e, actor=world.users["staff"])
    response = login(world.users["staff"]).post(reverse("events:event_act", args=[e.pk, "reject"]),
                                               {"version": 1, "note": "重复"}, follow=True)  # fmt: skip
    assert "已被他人处理" in response.content.decode()
    assert Event.objects.get(pk=e.pk).status == "accepted"


def test_one_click_category_correction(world, open_event, login):
    from linli.events.models import ClassificationFeedback

    e = open_event(category_code="0203")
    login(world.users["staff"]).post(reverse("events:event_act", args=[e.pk, "categorise"]),
                                     {"category": "0201", "suggested": "0203"})  # fmt: skip
    assert Event.objects.get(pk=e.pk).category.code == "0201"
    assert ClassificationFeedback.objects.filter(chosen_code="0201", suggested_code="0203").exists()


def test_phone_intake_registers_and_accepts(world, login):
    c = login(world.users["staff"])
    response = c.post(reverse("events:event_intake"), {
        "channel": "12345", "reporter_name": "李女士", "contact_phone": "13812345678", "text": "5栋门口井盖松动",
        "category": "0302", "building": world.house_b.building_id, "external_id": "GZ-9", "accept_now": "on",
    })  # fmt: skip
    e = Event.objects.get()
    assert response.status_code == 302 and e.status == "accepted" and e.contact_phone_masked == "138****5678"


def test_phone_intake_shows_errors(world, login):
    response = login(world.users["staff"]).post(reverse("events:event_intake"), {"channel": "phone", "text": "x",
                                                "contact_phone": "123"})  # fmt: skip
    assert "不是有效的手机号码" in response.content.decode() and not Event.objects.exists()


def test_patrol_form_self_resolve(world, login):
    c = login(world.users["grid1"])
    c.post(reverse("events:patrol"), {"category": "0204", "text": "单元门口小广告", "building": world.house_a.building_id,
                                      "self_resolve": "on", "result": "已清除"})  # fmt: skip
    assert Event.objects.get().status == "closed"


def test_stats_page_and_export(world, open_event, login):
    _many(world, open_event, 4)
    c = login(world.users["staff"])
    page = c.get(reverse("events:stats") + "?by=region").content.decode()
    assert "第一网格" in page and "stats-data" in page
    assert c.get(reverse("events:stats") + "?by=channel&export=xlsx").status_code == 200


def test_inbox_lists_and_marks_read(world, open_event, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        open_event()
    c = login(world.users["staff"])
    assert "新事件待受理" in c.get(reverse("events:inbox")).content.decode()
    c.post(reverse("events:inbox_read_all"))
    assert not Notification.objects.filter(recipient=world.users["staff"], read_at__isnull=True).exists()


def test_resident_reports_from_home_with_a_photo_then_rates(world, login):
    u = world.users
    c = login(u["resident"])
    assert c.get(reverse("events:report")).status_code == 200
    response = c.post(reverse("events:report"), {"text": "楼道灯坏了一周", "place": "home",
                                                 "house": str(world.house_a.pk), "photos": [png()]})  # fmt: skip
    e = Event.objects.get()
    assert response.status_code == 302 and e.house == world.house_a and e.photos.count() == 1
    services.event_accept(event=e, actor=u["staff"], category_code="0803")
    services.event_dispatch(event=e, actor=u["staff"], handler_user=u["grid1"])
    services.event_sign(event=e, actor=u["grid1"])
    services.event_resolve(event=e, actor=u["grid1"], result="已更换灯泡")
    services.event_verify(event=e, actor=u["staff"])
    page = c.get(reverse("events:my_event_detail", args=[e.pk])).content.decode()
    assert 'data-testid="rate-form"' in page and "已更换灯泡" in page
    c.post(reverse("events:rate", args=[e.pk]), {"rating": "satisfied"})
    assert Event.objects.get(pk=e.pk).status == "closed"


def test_resident_report_by_map_point(world, login):
    c = login(world.users["resident"])
    c.post(
        reverse("events:report"),
        {"text": "路边井盖破损", "place": "point", "lat": "26.245600", "lng": "105.935600", "point_confirmed": "true"},
    )
    e = Event.objects.get()
    assert e.region == world.grid_b and e.lat is not None


def test_resident_report_without_place_is_explained(world, login):
    response = login(world.users["resident"]).post(reverse("events:report"), {"text": "路边井盖破损", "place": "point"})
    assert "请在地图上点选位置" in response.content.decode()


def test_the_bulk_dispatch_offers_each_grid_worker_by_name_and_grid(world, open_event, login):
    _many(world, open_event, 2)
    grid1 = world.users["grid1"]
    nameless = world.users["grid2"]
    nameless.full_name = ""
    nameless.save(update_fields=["full_name"])
    page = login(world.users["staff"]).get(reverse("events:event_queue")).content.decode()
    assert f'value="user:{grid1.pk}">网格员 · {grid1.full_name}（{world.grid_a.name}）<' in page
    grid2_region = nameless.active_grants()[0].region.name
    assert f'value="user:{nameless.pk}">网格员 · {nameless.username}（{grid2_region}）<' in page  # no name: login
    assert "塔西第一网格" not in page  # another community's grid worker is not offered


def _total(page: str) -> int:
    return int(re.search(r"共 (\d+) 条", page).group(1))


def test_the_queues_total_comes_from_the_counters_and_equals_its_rows(world, open_event, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.events.models import EventStatus as S

    events = _many(world, open_event, 9)
    services.event_accept(event=open_event(house=world.house_b), actor=world.users["staff"])
    tallies.fold()
    c = login(world.users["staff"])
    mine = Event.objects.filter(region_path__startswith=world.community.path)
    cases = {
        "": mine.filter(status__in=[S.PENDING, S.ACCEPTED, S.RESOLVED, S.VERIFIED]),
        "?status=pending": mine.filter(status=S.PENDING),
        "?status=pending&status=dispatched": mine.filter(status__in=[S.PENDING, S.DISPATCHED]),
        f"?grid={world.grid_b.pk}": mine.filter(
            region_path__startswith=world.grid_b.path, status__in=[S.PENDING, S.ACCEPTED, S.RESOLVED, S.VERIFIED]
        ),  # fmt: skip
        f"?q=&status=accepted&grid={world.grid_a.pk}&overdue=unknown": mine.filter(
            region_path__startswith=world.grid_a.path, status=S.ACCEPTED
        ),
    }
    for query, expected in cases.items():
        with CaptureQueriesContext(connection) as ctx:
            page = c.get(reverse("events:event_queue") + query).content.decode()
        assert _total(page) == expected.count() > 0, query
        counted = [q["sql"] for q in ctx.captured_queries if 'AS "col1" FROM "events_event"' in q["sql"]]
        assert counted == [], f"{query}: the rows were counted: {counted}"
    # Another filter: the rows are counted (capped), and the total is still right — "unknown" as a search text too.
    page = c.get(reverse("events:event_queue") + f"?q={events[0].number}").content.decode()
    assert _total(page) == 1
    page = c.get(reverse("events:event_queue") + "?q=unknown").content.decode()
    totals = [int(n) for n in re.findall(r"共 (\d+) 条", page)]
    assert 'data-testid="event-row"' not in page and totals in ([], [0]), totals  # not the 8 open events
