"""The big screen's counters (core.tallies): queued with each write, folded in batches, never stale to a reader."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from linli.core import tallies
from linli.core.models import Tally, TallyMark, TallyPending
from linli.core.tasks import fold_tallies
from linli.events import services
from linli.events.models import Event


def _open(world, house=None, text="楼道里有人给电动车充电"):
    return services.event_open(channel="phone", category_code="0201", text=text, house=house or world.house_a,
                               actor=world.users["staff"])  # fmt: skip


def _kept():
    return sorted(Tally.objects.exclude(n=0).values_list("region_path", "day", "key", "n"))


def _recounted():
    tallies.recount("event")
    return _kept()


def _status_counts(path):
    return {k.split(":")[1]: n for k, n in tallies.totals(path, "event.status:").items() if n}


@pytest.mark.django_db
def test_a_report_is_queued_not_counted_and_a_reader_sees_it_at_once(world):
    event = _open(world)
    assert list(TallyPending.objects.values_list("kind", "object_id")) == [("event", event.pk)]
    assert not Tally.objects.exists()  # nothing was counted inside the report's request
    # a screen reading right after the report sees it: reads fold the queue first
    assert _status_counts(world.district.path) == {"pending": 1}
    assert not TallyPending.objects.exists()


@pytest.mark.django_db
def test_a_rolled_back_report_leaves_nothing_queued(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        _open(world)
        raise RuntimeError("the caller's transaction fails after the report")
    assert not TallyPending.objects.exists() and not Event.objects.exists()


@pytest.mark.django_db
def test_a_record_queued_many_times_counts_once_and_folding_again_changes_nothing(world):
    u = world.users
    event = _open(world)
    services.event_accept(event=event, actor=u["staff"])
    services.event_dispatch(event=event, actor=u["staff"])
    services.event_sign(event=event, actor=u["grid1"])
    assert TallyPending.objects.filter(object_id=event.pk).count() == 4
    assert tallies.fold() == 4
    assert _status_counts(world.district.path) == {"processing": 1}
    kept = _kept()
    assert tallies.fold() == 0 and _kept() == kept
    tallies.touch("event", event.pk)  # queued again without a change: nothing moves
    assert tallies.fold() == 1 and _kept() == kept
    assert kept == _recounted()


@pytest.mark.django_db
def test_a_fold_larger_than_one_batch_equals_a_recount(world):
    events = [_open(world, house, text=f"第{i}次反映楼道堆物") for i, house in
              enumerate([world.house_a, world.house_b, world.house_c] * 4)]  # fmt: skip
    services.event_reject(event=events[0], actor=world.users["staff"], reason="重复上报")
    assert tallies.fold(limit=5) == 13  # three transactions of at most five records
    assert TallyMark.objects.count() == 12
    assert _kept() == _recounted()


@pytest.mark.django_db
def test_a_recount_in_small_flushes_equals_one_in_a_single_pass(world):
    """A city's recount adds its counters to the table every so often (bounded memory): the sums must not change."""
    for i, house in enumerate([world.house_a, world.house_b, world.house_c] * 3):
        _open(world, house, text=f"第{i}次反映楼道堆物")
    whole = _recounted()
    assert tallies.recount("event", batch=1, flush=1) == 9  # a flush after every record: upserts onto its rows
    assert _kept() == whole
    assert TallyMark.objects.filter(kind="event").count() == 9


@pytest.mark.django_db
def test_the_minute_job_folds_the_queue(world):
    _open(world)
    assert fold_tallies.call_local() == 1
    assert not TallyPending.objects.exists() and Tally.objects.exists()


@pytest.mark.django_db
def test_a_recount_drops_what_was_queued(world):
    _open(world)
    _open(world, world.house_c)
    assert tallies.recount("event") == 2
    assert not TallyPending.objects.exists()
    assert _status_counts(world.district.path) == {"pending": 2}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reports_and_folds_at_once_leave_the_counters_equal_to_a_recount():
    """Reporters and screens at the same time, on PostgreSQL: each queued row is folded exactly once."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers (SQLite serialises all writers)")
    from django.db import connections

    from linli.events.taxonomy import ensure_seeded
    from linli.testing import build_world

    ensure_seeded()
    world = build_world()
    errors: list[BaseException] = []
    folded = Counter()

    def reporter(i):
        try:
            for j in range(6):
                _open(world, [world.house_a, world.house_b, world.house_c][j % 3], text=f"第{i}-{j}次反映")
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    def screen():
        try:
            for _ in range(12):
                folded["rows"] += tallies.fold(limit=3)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reporter, args=(i,)) for i in range(3)]
    threads += [threading.Thread(target=screen) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    folded["rows"] += tallies.fold()
    assert folded["rows"] == 18 and not TallyPending.objects.exists()
    kept = _kept()
    assert _recounted() == kept
    assert _status_counts(world.district.path) == {"pending": 18}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's b-tree under a collation")
def test_a_kinds_figures_are_one_index_range_not_every_key_and_day_of_the_region(world):
    """``key LIKE 'event.status:%'`` is a range of the unique index only under the "C" collation; under the
    database's default one it read every key and day of the region (0.5 s for a district of 2,000,000 events)."""
    from django.db.models import Sum

    rows = Tally.objects.filter(region_path__in=[world.community.path], key__startswith="event.status:",
                                day__gte=tallies.STATE_DAY, day__lte=tallies.STATE_DAY)  # fmt: skip
    sql, params = rows.values("key").annotate(n=Sum("n")).values_list("key", "n").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test database is too small for the planner to care
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    conds = [line for line in plan.splitlines() if "Index Cond" in line]
    assert conds and "key" in conds[0] and "event.status:" in conds[0], plan
