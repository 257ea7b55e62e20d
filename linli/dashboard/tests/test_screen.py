"""The big screen tells the truth: its numbers equal what the database (and the events API) say, it keeps its
counters right through a day of traffic, it shows nobody's personal data, and it opens only for the roles it is for."""

import asyncio
import datetime as dt
import json
import threading
import time

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from linli.core import tallies
from linli.core.models import Tally
from linli.core.roles import Role
from linli.events import services
from linli.events.models import Event
from linli.people.models import Person

SUMMARY = "/api/v1/screen/summary"


def _grant(world, username, role, region):
    from linli.core import services as core_services

    user = core_services.user_create(actor=None, username=username, password="x-Pass-2026!", full_name=username)
    core_services.grant_add(actor=None, user=user, role=role, region=region)
    world.users[username] = user
    return user


def _open(world, house, text="楼道里有人给电动车充电，电线从窗户拉出来", category="0201", actor="staff"):
    return services.event_open(channel="phone", category_code=category, text=text, house=house,
                               actor=world.users[actor])  # fmt: skip


def _traffic(world):
    """A day at the office: reports in three grids, the whole loop for some, rejection, re-categorising, a flag."""
    u = world.users
    events = [_open(world, h) for h in (world.house_a, world.house_a, world.house_b, world.house_c, world.house_c)]
    a1, a2, b1, c1, c2 = events
    services.event_accept(event=a1, actor=u["staff"])
    services.event_dispatch(event=a1, actor=u["staff"])
    services.event_sign(event=a1, actor=u["grid1"])
    services.event_resolve(event=a1, actor=u["grid1"], result="已联系物业清理完毕")
    services.event_verify(event=a1, actor=u["staff"])
    services.event_close(event=a1, actor=u["staff"], note="现场核实已处理")
    services.event_reject(event=a2, actor=u["staff"], reason="重复上报，已在处理中")
    services.event_accept(event=b1, actor=u["staff"])
    services.event_set_category(event=b1, actor=u["staff"], category_code="0101")
    services.event_flag(event=b1, actor=u["leader"], note="群众反映强烈，挂牌督办")
    return events


@pytest.fixture
def day(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _traffic(world)
    return world


def _db_by_status(path=""):
    rows = Event.objects.filter(region_path__startswith=path).values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def _tally_rows():
    return sorted(Tally.objects.exclude(n=0).values_list("region_path", "day", "key", "n"))


@pytest.mark.django_db
def test_counters_after_a_day_of_traffic_equal_a_full_recount(day):
    assert tallies.pending() > 0  # the services queued their records; nothing was counted in their requests
    assert tallies.fold() >= 5
    assert tallies.pending() == 0
    kept = _tally_rows()
    assert kept, "the services kept no counters"
    call_command("recount_tallies", "event", verbosity=0)
    assert _tally_rows() == kept
    # and they are right: the district's current states are the database's
    district = day.district.path
    state = tallies.totals(district, "event.status:")
    assert {k.split(":")[1]: n for k, n in state.items() if n} == _db_by_status(district)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["leader", "admin", "command"])
def test_summary_equals_the_database_for_several_regions_and_roles(day, api, username):
    world = day
    if username == "command":
        _grant(world, "command", Role.COMMAND_CENTRE, world.district)
    user = world.users[username]
    for region in (world.district, world.community, world.grid_a, world.grid_c):
        body = api(user).get(SUMMARY, {"region": region.pk}).json()
        assert body["region"] == region.pk
        events = Event.objects.filter(region_path__startswith=region.path)
        assert body["persons"] == Person.objects.filter(region_path__startswith=region.path).count()
        assert body["houses"] == sum(1 for h in (world.house_a, world.house_b, world.house_c)
                                     if h.region_path.startswith(region.path))  # fmt: skip
        today = timezone.localdate()
        assert body["events"]["today"] == sum(1 for e in events if timezone.localdate(e.created_at) == today)
        month_start = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time()))
        assert body["events"]["month"] == events.filter(created_at__gte=month_start).count()
        got = {s: n for s, n in body["events"]["by_status"].items() if n}
        assert got == _db_by_status(region.path)
        # by_status[s] is what the events API reports for the same user in the same region
        if username != "command" or region != world.district:
            for status, n in body["events"]["by_status"].items():
                listed = api(user).get("/api/v1/events/", {"status": status, "grid": region.pk})
                if listed.status_code == 200 and region.depth >= 3:
                    assert listed.json()["count"] == n, (region.name, status)


@pytest.mark.django_db
def test_a_summary_reads_its_counters_in_one_statement(day):
    """A community's summary must cost as little as a grid's: every counter it shows is one read of core_tally, and
    the people and house figures one cache read (warm)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.dashboard import selectors

    world = day
    for region in (world.district, world.community, world.grid_a):
        selectors.summary(world.users["leader"], region)  # fills the minute-long cache of the people figures
        with CaptureQueriesContext(connection) as ctx:
            selectors.summary(world.users["leader"], region)
        tally_reads = [q["sql"] for q in ctx.captured_queries if '"core_tally"' in q["sql"]]
        assert len(tally_reads) == 1, tally_reads
        # the top categories (labels), the queue probe of a fold, the counters
        assert len(ctx.captured_queries) <= 3, [q["sql"][:150] for q in ctx.captured_queries]


@pytest.mark.django_db
def test_a_minute_old_people_figure_is_shown_while_the_job_counts_it_again(day, monkeypatch):
    """Nobody waits for a count of a million persons: an old figure is served and counted again in the background."""
    from linli.dashboard import selectors, tasks
    from linli.people.factories import PersonFactory

    world, leader = day, day.users["leader"]
    first = selectors.summary(leader, world.community)["persons"]
    assert first == Person.objects.filter(region_path__startswith=world.community.path).count()
    PersonFactory(house=world.house_a)
    assert selectors.summary(leader, world.community)["persons"] == first  # fresh for a minute: from the cache
    asked = []
    monkeypatch.setattr(tasks, "count_stat", lambda key, path: asked.append((key, path)))
    later = time.time() + selectors.STAT_TTL + 1
    monkeypatch.setattr(selectors.time, "time", lambda: later)
    assert selectors.summary(leader, world.community)["persons"] == first  # old, shown at once …
    assert ("people.population", world.community.path) in asked  # … while the job is asked to count it again
    asked.clear()
    selectors.summary(leader, world.community)
    assert asked == []  # asked once a minute, not by every screen
    selectors._count("people.population", world.community.path)  # what the job does
    assert selectors.summary(leader, world.community)["persons"] == first + 1


@pytest.mark.django_db
def test_rates_and_categories(day, api):
    world = day
    body = api(world.users["leader"]).get(SUMMARY, {"region": world.district.pk}).json()["events"]
    assert body["on_time_rate"] == 1.0  # the one closed event was closed within its deadline
    assert body["satisfaction_rate"] == 0.0  # nobody rated yet
    assert body["by_category"] == {"02": 4, "01": 1}  # b1 was moved from 0201 to 0101
    assert body["by_status"]["closed"] == 1 and body["by_status"]["rejected"] == 1
    panels = api(world.users["leader"]).get("/api/v1/screen/panels", {"region": world.district.pk}).json()
    assert panels["flagged"] == 1 and panels["labels"]["status"]["pending"] == "待受理"


@pytest.mark.django_db
def test_flagged_panel_lists_the_items_in_the_viewers_regions_without_the_reporter(day, api):
    world = day
    flagged = Event.objects.get(flagged=True)
    Event.objects.filter(pk=flagged.pk).update(due_at=timezone.now() - dt.timedelta(days=2, hours=3))
    panels = api(world.users["leader"]).get("/api/v1/screen/panels", {"region": world.district.pk}).json()
    (item,) = panels["flagged_items"]
    assert item["number"] == flagged.number and item["category"] == flagged.category.name
    assert item["overdue_days"] == 3 and item["due"]  # 2 days 3 hours past the deadline: the 3rd day overdue
    assert world.grid_b.name in item["place"] and item["handler"]
    assert item["url"] == f"/console/events/{flagged.pk}/"  # the leader may open it: drill-down
    text = json.dumps(panels, ensure_ascii=False)
    reporter = flagged.reporter_user
    for secret in filter(None, [flagged.reporter_name, flagged.contact_phone_masked, reporter and reporter.full_name]):
        assert secret not in text
    assert str(world.house_b) not in item["place"]  # the building at most, never the house
    # the kiosk sees the item but may not open it
    kiosk = _grant(world, "kiosk", Role.SCREEN_KIOSK, world.district)
    (seen,) = api(kiosk).get("/api/v1/screen/panels").json()["flagged_items"]
    assert seen["number"] == flagged.number and seen["url"] == ""
    # a leader of another grid sees neither the count nor the item
    other = _grant(world, "leader_c", Role.LEADER, world.grid_c)
    assert not flagged.region_path.startswith(world.grid_c.path)
    body = api(other).get("/api/v1/screen/panels").json()
    assert body["flagged"] == 0 and body["flagged_items"] == []
    # and once it is closed it leaves the panel
    Event.objects.filter(pk=flagged.pk).update(status="closed")
    assert api(world.users["leader"]).get("/api/v1/screen/panels").json()["flagged_items"] == []


@pytest.mark.django_db
def test_summary_names_nobody(day, api):
    world = day
    text = json.dumps(api(world.users["leader"]).get(SUMMARY).json(), ensure_ascii=False)
    for person in Person.objects.all():
        assert person.name not in text
    for secret in ("13812345678", "13987654321", "13700001111", "张三", "李四", "王五"):
        assert secret not in text


@pytest.mark.django_db
def test_a_leader_cannot_open_a_region_outside_their_grant(day, api, login):
    world = day
    street_leader = _grant(world, "streetleader", Role.LEADER, world.street)
    assert api(street_leader).get(SUMMARY, {"region": world.grid_c.pk}).status_code == 404
    assert api(street_leader).get(SUMMARY, {"region": world.grid_a.pk}).status_code == 200
    assert login(street_leader).get(f"/screen/?region={world.grid_c.pk}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["grid1", "resident", "dept", "staff"])
def test_grid_worker_and_resident_are_refused(world, api, login, username):
    user = world.users[username]
    assert api(user).get(SUMMARY).status_code in (403, 404)
    c = login(user)
    for url in ("/screen/", "/screen/stream", "/screen/map.json"):
        assert c.get(url).status_code in (403, 404), url


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client, api):
    assert client.get("/screen/").status_code == 302
    assert api().get(SUMMARY).status_code in (401, 403)


@pytest.mark.django_db
def test_the_kiosk_sees_the_screen_and_nothing_else(day, api, login):
    world = day
    kiosk = _grant(world, "kiosk", Role.SCREEN_KIOSK, world.district)
    c = login(kiosk)
    page = c.get("/screen/")
    assert page.status_code == 200 and "西秀区" in page.content.decode()
    assert api(kiosk).get(SUMMARY).json()["events"]["by_status"]["closed"] == 1
    assert api(kiosk).get("/api/v1/events/").status_code in (403, 404)
    assert api(kiosk).get("/api/v1/persons/").status_code in (403, 404)
    assert c.get("/console/events/").status_code in (302, 403, 404)


@pytest.mark.django_db
def test_the_page_is_chinese_and_tells_where_the_stream_is(day, login, settings):
    settings.LINLI_STREAM_URL = "http://127.0.0.1:9999"
    c = login(day.users["leader"])
    page = c.get("/screen/").content.decode()
    assert "指挥大屏" in page and "实时动态" in page and "近 30 天趋势" in page
    moved = c.get(f"/screen/stream?region={day.community.pk}")
    assert moved.status_code == 302 and moved["Location"].startswith("http://127.0.0.1:9999/screen/stream?")
    assert "connect-src" in c.get("/screen/")["Content-Security-Policy"]
    assert "127.0.0.1:9999" in c.get("/screen/")["Content-Security-Policy"]


def _read_stream(port, ticket, number, seconds=5.0):
    """Connect to the stream process like a browser and wait for ``number`` to arrive."""

    async def go():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /screen/stream?t={ticket} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        got = b""
        try:
            while number.encode() not in got:
                got += await asyncio.wait_for(reader.read(4096), timeout=seconds)
        finally:
            writer.close()
        return got.decode()

    return go


@pytest.mark.django_db(transaction=True)
def test_the_stream_delivers_a_new_events_message_without_the_reporter(world):
    from linli.dashboard import stream
    from linli.events.taxonomy import ensure_seeded

    ensure_seeded()  # a transactional test may run after another one emptied the tables
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box = {}

    async def serve():
        server, hub, port = await stream.start("127.0.0.1", 0, udp=False, redis=False)
        box["port"], box["hub"], box["server"] = port, hub, server
        ready.set()

    async def shutdown():
        box["server"].close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def run():
        loop.create_task(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(5)
    try:
        community_ticket = stream.make_ticket([world.community.path])
        other_ticket = stream.make_ticket([world.other_community.path])
        read = asyncio.run_coroutine_threadsafe(_read_stream(box["port"], community_ticket, "SJ")(), loop)
        import time

        deadline = time.time() + 3
        while not box["hub"].clients and time.time() < deadline:
            time.sleep(0.02)
        event = services.event_open(channel="app", category_code="0201", text="楼道里有人给电动车充电",
                                    house=world.house_a, reporter=world.users["resident"],
                                    actor=world.users["resident"])  # fmt: skip
        text = read.result(timeout=5)
        assert "text/event-stream" in text
        data = json.loads(next(line[6:] for line in text.splitlines() if line.startswith("data: ")))
        assert data["number"] == event.number and data["category"] and "彩虹" in data["place"] + "第一网格"
        assert "resident" not in text and "reporter" not in text and "region_path" not in data
        # a screen of another community is not sent it (it arrives in no region of theirs)
        other = asyncio.run_coroutine_threadsafe(_read_stream(box["port"], other_ticket, event.number, 1.0)(), loop)
        with pytest.raises(TimeoutError):
            other.result(timeout=3)
        # a forged ticket is refused
        bad = asyncio.run_coroutine_threadsafe(_read_stream(box["port"], "forged", "403", 2.0)(), loop)
        assert "403" in bad.result(timeout=3)
    finally:
        box["hub"].unsubscribe()
        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(2)
        loop.close()


@pytest.mark.django_db
def test_recount_command_speaks_chinese(day, capsys):
    call_command("recount_tallies")
    assert "已重算" in capsys.readouterr().out


def test_the_month_helpers():
    assert tallies.STATE_DAY < dt.date(2026, 1, 1)


@pytest.mark.django_db
def test_hot_spots_find_the_building_reported_again_and_again(world, login, django_capture_on_commit_callbacks):
    from linli.core.models import AuditLog

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _open(world, world.house_a, text="彩虹花园3栋楼道有电动车入户充电")
        _open(world, world.house_b, category="0101", text="5栋门口路灯坏了好几天")
    c = login(world.users["leader"])
    page = c.get("/console/screen/analytics/?category=02")
    html = page.content.decode()
    assert page.status_code == 200 and "热点分析" in html
    buildings = page.context["hot"]["buildings"]
    assert buildings[0]["n"] == 3 and "彩虹花园" in buildings[0]["name"]
    assert all("5" not in b["name"] or b["n"] == 0 for b in buildings)  # 0101 is not in 02
    assert page.context["repeat"][0]["n"] == 3  # the same house, three times
    assert sum(page.context["chart"]["hours"]) == 3 and sum(page.context["chart"]["weekdays"]) == 3  # 02 only
    assert page.context["hot"]["grids"][0]["url"].startswith("/console/events/")
    export = c.get("/console/screen/analytics/?export=xlsx")
    assert export.status_code == 200 and export["Content-Disposition"].endswith(".xlsx")
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, field="热点分析").exists()
    # a grid worker sees only their grid, and another grid's analytics is a 404
    grid1 = login(world.users["grid1"])
    assert grid1.get(f"/console/screen/analytics/?region={world.grid_c.pk}").status_code == 404
    assert login(world.users["resident"]).get("/console/screen/analytics/").status_code in (302, 403, 404)


@pytest.mark.django_db
def test_time_patterns_follow_the_category_filter(world, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            _open(world, world.house_a, text="楼道有电动车入户充电")  # 02
        _open(world, world.house_b, category="0101", text="5栋门口路灯坏了好几天")
    now = timezone.localtime()
    c = login(world.users["leader"])

    def chart(query):
        return c.get(f"/console/screen/analytics/{query}").context["chart"]

    for query, n in (("", 3), ("?category=02", 2), ("?category=01", 1), ("?category=03", 0)):
        got = chart(query)
        assert got["hours"][now.hour] == n and sum(got["hours"]) == n, query
        assert got["weekdays"][now.isoweekday() - 1] == n and sum(got["weekdays"]) == n, query
    export = c.get("/console/screen/analytics/?category=01&export=xlsx")
    assert export.status_code == 200


@pytest.mark.django_db
def test_the_kiosk_account_lands_on_the_big_screen(world, client):
    kiosk = _grant(world, "kiosk", Role.SCREEN_KIOSK, world.district)
    client.force_login(kiosk, backend="linli.core.auth.UsernameOrPhoneBackend")
    assert client.get("/")["Location"] == "/screen/"


def test_a_message_published_on_redis_by_another_machine_reaches_the_screen(settings):
    """Several web processes feed one screen through Redis pub/sub (skipped where no Redis answers)."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
        client.ping()
    except redis.exceptions.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    import time

    from linli.core import live
    from linli.dashboard import stream

    settings.REDIS_URL = url
    settings.HUEY_NAME = "linli-screen-test"
    with stream.Background(redis=True) as bg:
        ticket = stream.make_ticket(["0001"])
        read = asyncio.run_coroutine_threadsafe(_read_stream(bg.port, ticket, "REDIS0001")(), bg.loop)
        deadline = time.time() + 5
        while not (bg.hub.clients and client.pubsub_numsub(live.channel())[0][1]) and time.time() < deadline:
            time.sleep(0.05)
        # as another machine would: straight onto the channel, not through this process's subscribers
        client.publish(live.channel(), live.encode("events.new", {"number": "REDIS0001", "category": "测试",
                                                                  "place": "测试网格", "region_path": "00010002"}))  # fmt: skip
        assert "REDIS0001" in read.result(timeout=5)


@pytest.mark.django_db
def test_a_region_move_repaths_the_copies_and_recounts_the_screens_figures(
    day, api, django_capture_on_commit_callbacks
):
    from linli.core import services as core_services
    from linli.core.errors import DomainError
    from linli.core.models import Region

    world = day
    leader = world.users["leader"]

    def figures(region):
        body = api(leader).get(SUMMARY, {"region": region.pk}).json()
        return body["events"]["month"], {s: n for s, n in body["events"]["by_status"].items() if n}

    moved = Event.objects.filter(region_path__startswith=world.grid_b.path).count()
    assert moved and figures(world.other_community)[0] == 2  # c1, c2
    old_path = world.grid_b.path
    with django_capture_on_commit_callbacks(execute=True):
        grid_b = core_services.region_move(actor=None, region=world.grid_b, parent=world.other_community)
    assert grid_b.path.startswith(world.other_community.path) and grid_b.path != old_path
    assert Event.objects.filter(region_path__startswith=grid_b.path).count() == moved  # the copies followed
    assert not Event.objects.filter(region_path__startswith=old_path).exists()
    for region in (world.community, world.other_community, grid_b, world.district):
        region.refresh_from_db()
        events = Event.objects.filter(region_path__startswith=region.path)
        assert figures(region) == (events.count(), _db_by_status(region.path)), region.name
    assert figures(world.other_community)[0] == 2 + moved
    known = set(Region.objects.values_list("path", flat=True))
    assert {p for p, *_ in _tally_rows()} <= known  # nothing left counted on a path that no longer exists
    # a move that would break the tree is refused in Chinese, and nothing changes
    with pytest.raises(DomainError, match="上级区域"):
        core_services.region_move(actor=None, region=world.community, parent=world.grid_a)
    with pytest.raises(DomainError, match="上级区域"):
        core_services.region_move(actor=None, region=world.street, parent=world.community)
    world.community.refresh_from_db()
    assert world.community.path.startswith(world.street.path)


@pytest.mark.django_db
def test_the_live_message_places_a_dot_at_the_building_never_at_a_doorstep(world):
    from linli.events.screen import message

    event = _open(world, world.house_b)
    msg = message(event)
    b = world.house_b.building
    assert (msg["lat"], msg["lng"]) == (float(b.lat), float(b.lng)) and msg["alarm"] is False
    assert str(world.house_b.number) not in msg["place"].replace(str(b), "")
    # a point without a building is given to about 100 m; a device's alarm is marked for a red dot
    Event.objects.filter(pk=event.pk).update(building=None, house=None, lat="26.245678", lng="105.935432",
                                             channel="device")  # fmt: skip
    event.refresh_from_db()
    msg = message(event)
    assert (msg["lat"], msg["lng"]) == (26.246, 105.935) and msg["alarm"] is True
    assert "reporter" not in json.dumps(msg) and "staff" not in json.dumps(msg, ensure_ascii=False)


@pytest.mark.django_db
def test_the_screen_takes_the_platforms_tile_layer_when_one_is_configured(day, login, settings):
    c = login(day.users["leader"])
    page = c.get("/screen/").content.decode()
    assert '"kind": "none"' in page and "linli/map.js" in page  # the default: own geometry only (ECharts)
    settings.MAP_TILES, settings.MAP_TILE_URL = "custom", "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    page = c.get("/screen/").content.decode()
    assert "https://tiles.example.gov.cn/{z}/{x}/{y}.png" in page and '"kind": "custom"' in page
