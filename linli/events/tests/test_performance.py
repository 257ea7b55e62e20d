"""The event loop's costs stay bounded: queries per report (API, Open311), the queue's counts, the per-process
caches (and that every change to their tables is seen), numbering under concurrency, duplicate detection
reading only neighbours. Timings live in bench/events.py; these tests pin the query counts and behaviour."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core import cache as core_cache
from linli.core import tallies
from linli.events import caches, selectors, services
from linli.events.demo import DEMO_OPEN311_KEY, ensure_demo_key
from linli.events.models import Category, DispatchRule, Event, EventStatus, Notification

# A report writes: the day's counter, the event, its first timeline step, the audit row, the dispatchers'
# inbox rows and the big screen's queue row (+ the savepoint of the service's atomic block inside the test
# transaction). After it commits, nothing more: the counters are folded later, in batches (core.tallies).
WRITES = 6 + 2


def _api_report(client, world, **extra):
    body = {"text": "楼道灯坏了一周没人修", "house": world.house_a.pk, **extra}
    response = client.post("/api/v1/events/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_reporting_through_the_api_reads_only_token_grants_house_and_neighbours(
    world, api, django_capture_on_commit_callbacks
):
    client = api(world.users["resident"])
    _api_report(client, world, category="0301")  # a running worker has its caches filled
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True) as after:
        body = _api_report(client, world, category="0301")
    assert after, "the live message is sent after the commit"
    # token, grants, the house (in scope), the duplicate search: 4 reads, then the writes; no read-back.
    assert len(ctx.captured_queries) == 4 + WRITES, [q["sql"][:80] for q in ctx.captured_queries]
    assert body["number"].startswith("SJ") and body["region_name"] == world.grid_a.name
    assert [step["action"] for step in body["timeline"]] == ["report"]
    assert body["reporter"] and body["photos"] == [] and body["tasks"] == []


def test_reporting_through_open311_reads_only_the_key_the_building_and_neighbours(
    world, client, django_capture_on_commit_callbacks
):
    ensure_demo_key(world.community)
    lng, lat = world.grid_a.boundary[0]
    form = {"api_key": DEMO_OPEN311_KEY, "service_code": "0201", "lat": f"{lat + 0.001:.6f}",
            "long": f"{lng + 0.001:.6f}", "description": "路边垃圾没人清运", "phone": "13800138000"}  # fmt: skip
    assert client.post("/open311/v2/requests.json", form).status_code == 200
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/open311/v2/requests.json", {**form, "description": "路口垃圾桶满了"})
    assert response.status_code == 200, response.content
    # API key, the nearest building in the grid, the duplicate search, then the writes.
    assert len(ctx.captured_queries) == 3 + WRITES, [q["sql"][:80] for q in ctx.captured_queries]
    event = Event.objects.get(number=response.json()[0]["service_request_id"])
    assert event.region == world.grid_a and event.contact_phone_masked


def test_a_new_report_is_in_the_dispatchers_inbox_with_the_event(world, open_event):
    """The inbox rows are written in the event's own transaction: no after-commit step needed to see them."""
    event = open_event()
    assert Notification.objects.filter(recipient=world.users["staff"], event=event, kind="new").exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_report_leaves_no_inbox_row_and_no_number():
    from django.db import transaction

    from linli.events.taxonomy import ensure_seeded
    from linli.testing import build_world

    ensure_seeded()
    world = build_world()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.event_open(channel="app", category_code="0201", text="垃圾没人清运", reporter=world.users["resident"],
                                actor=world.users["resident"], house=world.house_a)  # fmt: skip
            raise RuntimeError("boom")
    assert not Event.objects.exists() and not Notification.objects.exists()
    e = services.event_open(channel="app", category_code="0201", text="垃圾没人清运", reporter=world.users["resident"],
                            actor=world.users["resident"], house=world.house_a)  # fmt: skip
    assert e.number.endswith("-0001")  # the counter increment rolled back with the report


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_get_distinct_consecutive_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers (SQLite serialises all writers)")
    from django.db import connections

    from linli.events.taxonomy import ensure_seeded
    from linli.testing import build_world

    ensure_seeded()
    world = build_world()
    barrier = threading.Barrier(4)
    numbers: list[str] = []
    errors: list[Exception] = []

    def report(i):
        try:
            barrier.wait(timeout=10)
            for k in range(5):
                e = services.event_open(channel="phone", category_code="0201", text=f"第{i}-{k}件：垃圾没人清运",
                                        reporter_name="张三", actor=world.users["staff"], house=world.house_a)  # fmt: skip
                numbers.append(e.number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=report, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 21))


def test_duplicate_search_is_one_query_however_many_neighbours(world, open_event):
    for i in range(12):
        open_event(text=f"3栋楼下第{i}处垃圾堆放点很久没人清运了")  # same category, same building
    with CaptureQueriesContext(connection) as ctx:
        found = services.find_duplicate(Event(category_id=services._category("0201").pk, building=world.house_a.building,
                                              description="3栋楼下垃圾堆放点很久没人清运了"))  # fmt: skip
    assert len(ctx.captured_queries) == 1
    assert found is not None and found.number.startswith("SJ")


def test_queue_counts_every_state_from_the_counters_and_the_overdue_from_the_events(world, open_event):
    for i in range(3):
        open_event(text=f"第{i}件")
    services.event_accept(event=open_event(text="已受理的"), actor=world.users["staff"])
    tallies.fold()  # what the writes queued (the job folds every minute; a read folds what is left first)
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.queue_counts(user=world.users["staff"])
    # the overdue count (capped, from the events), the fold's probe, one read of the state counters
    assert len(ctx.captured_queries) == 3
    assert sum('"core_tally"' in q["sql"] for q in ctx.captured_queries) == 1
    assert counts[EventStatus.PENDING] == 3 and counts[EventStatus.ACCEPTED] == 1 and counts["overdue"] == 0
    assert counts[EventStatus.CLOSED] == 0


def test_a_dispatchers_state_counts_are_exact_past_the_cap(world, open_event, monkeypatch):
    """Counted from the events each state stopped at the cap ("10000+" on a street); the counters are exact."""
    from linli.core.views import generic

    for i in range(4):
        open_event(text=f"第{i}件")
    monkeypatch.setattr(generic, "COUNT_CAP", 2)
    counts = selectors.queue_counts(user=world.users["staff"])
    assert counts[EventStatus.PENDING] == 4
    assert counts["overdue"] == 0


def test_the_counters_and_the_events_give_a_dispatcher_the_same_counts(world, open_event, monkeypatch):
    """A reach that is not regions (what was sent to an organisation) is counted from the events: both ways agree."""
    for i in range(3):
        open_event(text=f"第{i}件")
    event = open_event(text="要受理再派遣的")
    services.event_accept(event=event, actor=world.users["staff"])
    from_counters = selectors.queue_counts(user=world.users["street"])
    monkeypatch.setattr(selectors, "tally_paths", lambda user, action: None)
    assert selectors.queue_counts(user=world.users["street"]) == from_counters
    assert from_counters[EventStatus.PENDING] == 3 and from_counters[EventStatus.ACCEPTED] == 1


def test_someone_who_may_not_dispatch_counts_nothing(world, open_event):
    open_event(text="社区里的事件")
    counts = selectors.queue_counts(user=world.users["dept"])
    assert set(counts.values()) == {0}


def test_counts_stop_at_the_cap(world, open_event):
    for i in range(4):
        open_event(text=f"第{i}件")
    scoped = Event.objects.filter(region_path__startswith=world.community.path)
    counts = selectors.capped_counts({"pending": scoped.filter(status="pending"), "none": scoped.none()}, 2)
    assert counts == {"pending": 3, "none": 0}  # at most cap + 1 rows are counted


def test_queue_page_queries_are_few_and_do_not_grow(world, open_event, login, django_assert_max_num_queries):
    c = login(world.users["staff"])
    for i in range(3):
        open_event(text=f"第{i}件")
    c.get(reverse("events:event_queue"))
    # session, user, OTP device, grants; paginator count, page ids, page rows; the overdue count, the counters'
    # fold probe and their read; bulk-dispatch choices (grid workers, organisations); regions of the filter form.
    with django_assert_max_num_queries(13):
        assert c.get(reverse("events:event_queue")).status_code == 200
    for i in range(30):
        open_event(text=f"第{i}件：路灯不亮")
    tallies.fold()  # the creates' counters, folded by the job (a page folds what is left first: test_counters.py)
    with django_assert_max_num_queries(13):
        page = c.get(reverse("events:event_queue")).content.decode()
    assert page.count('data-testid="event-row"') == 33


def test_the_group_filter_uses_the_cached_taxonomy(world, open_event, login):
    open_event(text="垃圾没人清运", category_code="0201")
    open_event(text="路灯不亮", category_code="0301")
    group = Category.objects.get(code="02")
    page = login(world.users["staff"]).get(reverse("events:event_list") + f"?group={group.pk}").content.decode()
    assert "垃圾没人清运" in page and "路灯不亮" not in page


# --- the per-process caches see every change ---------------------------------------------------------------


def test_a_deactivated_category_is_refused_at_once(world, open_event):
    open_event(category_code="0201")  # the taxonomy is cached now
    category = Category.objects.get(code="0201")
    category.active = False
    category.save()
    from linli.core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        open_event(category_code="0201")
    assert "停用" in exc.value.message


def test_a_new_dispatch_rule_applies_to_the_next_dispatch(world, open_event):
    assert services.routing.suggest_handler(open_event()).user == world.users["grid1"]  # rules cached now
    dept = world.users["dept"].active_grants()[0].organisation
    DispatchRule.objects.create(category=services._category("0201"), region=world.community,
                                handler_kind="department", organisation=dept)  # fmt: skip
    assert services.routing.suggest_handler(open_event()).organisation == dept


def test_a_new_grid_receives_reports_at_once(world, open_event):
    from linli.core.factories import RegionFactory
    from linli.testing import square

    caches.REGIONS.get()
    grid = RegionFactory(name="新网格", parent=world.community, boundary=square(105.950, 26.244))
    assert open_event(house=None, lat="26.246", lng="105.952").region == grid


def test_a_new_dispatcher_hears_of_the_next_report(world, open_event):
    from linli.core import services as core_services
    from linli.core.roles import Role

    open_event()  # dispatchers cached now
    other = core_services.user_create(actor=None, username="staff2", password="x" * 14)
    core_services.grant_add(actor=None, user=other, role=Role.COMMUNITY_STAFF, region=world.community)
    event = open_event(text="新来的工作人员也要收到")
    assert Notification.objects.filter(recipient=other, event=event).exists()


def test_other_processes_drop_their_copy_when_the_shared_generation_moves(world, monkeypatch):
    """Another worker's change bumps the generation in the shared cache; this process rebuilds on next use."""
    from django.core.cache import cache

    monkeypatch.setattr(core_cache, "CHECK_SECONDS", 0.0)
    first = caches.TAXONOMY.get()
    assert caches.TAXONOMY.get() is first  # kept while nothing changes
    Category.objects.filter(code="0201").update(name="改名后的小类")  # as another process would, no signal here
    assert caches.category("0201").name != "改名后的小类"
    cache.set(caches.TAXONOMY.key, (cache.get(caches.TAXONOMY.key) or 0) + 1, None)  # its commit hook did this
    assert caches.category("0201").name == "改名后的小类"


@pytest.mark.django_db(transaction=True)
def test_a_report_failing_after_its_number_leaves_a_gap_and_nothing_else(monkeypatch):
    """Outside a caller's transaction the number is taken in a statement of its own (no lock while writing)."""
    from linli.events.taxonomy import ensure_seeded
    from linli.testing import build_world

    ensure_seeded()
    world = build_world()
    kwargs = dict(channel="app", category_code="0201", text="垃圾没人清运", reporter=world.users["resident"],
                  actor=world.users["resident"], house=world.house_a)  # fmt: skip
    first = services.event_open(**kwargs)
    notified = Notification.objects.count()

    def broken(*args, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.audit, "log_change", broken)
    with pytest.raises(RuntimeError):
        services.event_open(**kwargs)
    monkeypatch.undo()
    assert Event.objects.count() == 1 and Notification.objects.count() == notified  # nothing half-saved
    third = services.event_open(**kwargs)
    assert int(third.number[-4:]) == int(first.number[-4:]) + 2  # the failed report's number is not reused


def test_filter_form_selects_show_the_chosen_values(world, open_event, login):
    open_event()
    group = Category.objects.get(code="02")
    url = reverse("events:event_list") + f"?group={group.pk}&grid={world.grid_a.pk}&overdue=true&channel=app"
    page = login(world.users["staff"]).get(url).content.decode()
    assert f'<option value="{group.pk}" selected>{group.name}</option>' in page
    assert f'<option value="{world.grid_a.pk}" selected>{world.grid_a.name}</option>' in page
    assert '<option value="true" selected>是</option>' in page and '<option value="app" selected>' in page
    assert '<option value="">全部</option>' in page


def test_an_events_insert_is_parsed_once_per_process_on_postgresql(world, open_event):
    if connection.vendor != "postgresql":
        pytest.skip("psycopg's statement cache: PostgreSQL only")
    from psycopg import _queries

    open_event()
    parse = _queries._query2pg_client_nocache
    calls = []
    _queries._query2pg_client_nocache = lambda *a: calls.append(a[0][:40]) or parse(*a)
    try:
        open_event()  # 61 columns: over psycopg's default of 50 cached parameters, parsed anew every time
    finally:
        _queries._query2pg_client_nocache = parse
    assert not [c for c in calls if b"events_event" in c], calls


def test_the_create_form_shared_by_requests_of_a_thread_keeps_nothing_of_the_last_one(world, api):
    client = api(world.users["resident"])
    bad = client.post("/api/v1/events/", {"text": "", "house": "abc", "lat": "x"}, format="json")
    assert bad.status_code == 400 and {"text", "house"} <= set(bad.json())
    body = _api_report(client, world, category="0301")  # the fields the bad request used are reused, clean
    assert body["description"] == "楼道灯坏了一周没人修"
    again = client.post("/api/v1/events/", {"house": world.house_a.pk}, format="json")
    assert again.status_code == 400 and "house" not in again.json() and "text" in again.json()
