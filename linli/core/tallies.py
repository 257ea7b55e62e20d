"""Incremental counters (``core.Tally``) that a record's own app keeps right, folded in batches.

An app registers how to describe one record as *facts*: ``(region_path, day or None, key)`` triples, the figures
the record counts in (an event: its status, the day it was reported and its category, the day it was closed and
whether on time…). When it writes a record the app calls ``touch(kind, pk)`` in the write's own transaction: that
only queues the record (``core.TallyPending``, one short INSERT that commits or rolls back with the write).
``fold()`` applies the queue in batches: each queued record's facts are computed again, compared with what it
contributed last time (``core.TallyMark``) and only the difference is added, to the record's region and every
region above it, for a whole batch in a few statements. A district's figure is then a handful of rows, never a
scan.

Why a queue and not the counters in the request: an event counts in ~8 keys at ~5 levels, so writing them took ~6
statements and ~40 row updates per create, on rows every create of the district shares (its district and street
counters), and made creates measurably slower (docs/performance.md, "第三轮"). Folded, 100 creates touch those
hot rows once.

Figures are never stale to the reader: every read here (``sums``, ``totals``, ``by_day``, ``per_region``) folds
what is queued first (one indexed probe when nothing is); the job queue folds every minute besides, so the queue
stays short when no screen is open. Folds are serialised (an advisory lock on PostgreSQL; SQLite has one writer)
and each queued row is taken exactly once (``DELETE … RETURNING``).

``recount(kind)`` (``manage.py recount_tallies``) rebuilds every counter of a kind from the records themselves;
the tests prove that a day of traffic leaves the counters equal to such a recount.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Sum

log = logging.getLogger(__name__)

STATE_DAY = dt.date(2000, 1, 1)  # the "day" of counts of a current state (not of something that happened on a day)

Fact = tuple[str, str | None, str]  # (region path, ISO day or None, key)

# kind → facts(ids or None) yielding (pk, [facts]) for those records (None: every record of the kind)
_sources: dict[str, Callable[[list[int] | None], Iterable[tuple[int, list[Fact]]]]] = {}
_labels: dict[str, Callable[[], dict[str, str]]] = {}


def register(
    kind: str,
    facts: Callable[[list[int] | None], Iterable[tuple[int, list[Fact]]]],
    labels: Callable[[], dict[str, str]] | None = None,
) -> None:
    """``facts(ids)`` describes records; ``labels()`` → {key: Chinese name} for every key a screen may show
    (also those at 0: every state of the kind)."""
    _sources[kind] = facts
    if labels is not None:
        _labels[kind] = labels


def labels(kind: str) -> dict[str, str]:
    return _labels[kind]() if kind in _labels else {}


def kinds() -> list[str]:
    return sorted(_sources)


def _steplen() -> int:
    from linli.core.models import Region

    return Region.steplen


def _expand(facts: Iterable[Fact]) -> Counter:
    """Each fact counted once at its region and once at every region above it."""
    step = _steplen()
    out: Counter = Counter()
    for path, day, key in facts:
        if not path:
            continue
        for end in range(step, len(path) + 1, step):
            out[(path[:end], day or STATE_DAY.isoformat(), key)] += 1
    return out


def _add(deltas: Counter) -> None:
    """Add every delta with INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n (PostgreSQL and SQLite ≥ 3.24
    both speak it), in one sorted order so that two writers never deadlock.

    On PostgreSQL the rows travel as four arrays (``unnest``): four parameters a statement however many rows, so
    the driver does not bind thousands of placeholders one by one (a city's recount spent most of its time there).
    SQLite gets a VALUES list, a thousand rows a statement (4,000 parameters: under its limit)."""
    from django.db import connection

    from linli.core.models import Tally

    rows = [(path, key, day, delta) for (path, day, key), delta in sorted(deltas.items()) if delta]
    table, q = connection.ops.quote_name(Tally._meta.db_table), connection.ops.quote_name
    upsert = (
        f"ON CONFLICT ({q('region_path')}, {q('key')}, {q('day')}) "
        f"DO UPDATE SET {q('n')} = {table}.{q('n')} + excluded.{q('n')}"
    )
    columns = f"{q('region_path')}, {q('key')}, {q('day')}, {q('n')}"
    postgres = connection.vendor == "postgresql"
    size = 20_000 if postgres else 1000
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        with connection.cursor() as cursor:
            if postgres:
                paths, keys, days, ns = (list(c) for c in zip(*chunk, strict=True))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT * FROM "
                    f"unnest(%s::varchar[], %s::varchar[], %s::date[], %s::bigint[]) {upsert}",
                    [paths, keys, days, ns],
                )
            else:
                values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {values} {upsert}", [v for row in chunk for v in row]
                )


def touch(kind: str, pk: int) -> None:
    """Queue record ``pk``: its counters are brought up to date at the next ``fold()``.

    Call it inside the write's transaction (the queued row then commits or rolls back with the write; one
    statement, no second commit) or after it; queuing the same record twice is harmless."""
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(_queue_sql(connection), [kind, pk])


def on_commit_touch(kind: str, pk: int) -> None:
    transaction.on_commit(lambda: touch(kind, pk))


_sql: dict[str, str] = {}


def _queue_sql(connection) -> str:
    sql = _sql.get(connection.vendor)
    if sql is None:
        from linli.core.models import TallyPending

        q = connection.ops.quote_name
        sql = _sql[connection.vendor] = (
            f"INSERT INTO {q(TallyPending._meta.db_table)} ({q('kind')}, {q('object_id')}) VALUES (%s, %s)"
        )
    return sql


FOLD_LOCK = 0x4C494E4C  # "LINL": the advisory lock that serialises folds and recounts on PostgreSQL


def _serialise(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])


def _take(connection, limit: int, kind: str | None = None) -> list[tuple[str, int]]:
    """Remove up to ``limit`` queued rows (of ``kind``, or all) and return them: each row is taken by one fold."""
    from linli.core.models import TallyPending

    table, q = connection.ops.quote_name(TallyPending._meta.db_table), connection.ops.quote_name
    where, params = (f"WHERE {q('kind')} = %s ", [kind]) if kind else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {q('id')} IN (SELECT {q('id')} FROM {table} {where}"
            f"ORDER BY {q('id')} LIMIT %s) RETURNING {q('kind')}, {q('object_id')}",
            [*params, limit],
        )
        return cursor.fetchall()


def pending() -> int:
    """How many records are queued (the console's 运维 page and the tests)."""
    from django.db import DEFAULT_DB_ALIAS

    from linli.core.models import TallyPending

    return TallyPending.objects.using(DEFAULT_DB_ALIAS).count()


def fold(limit: int = 2000) -> int:
    """Apply every queued record to the counters, ``limit`` records per transaction; returns how many were
    queued. Cheap when nothing is queued (one indexed probe). Never fails a reader: a fold that fails is logged,
    its rows stay queued (the transaction rolls back) and the next fold tries again."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from linli.core import replica
    from linli.core.models import TallyPending

    if not TallyPending.objects.using(DEFAULT_DB_ALIAS).exists():
        return 0
    connection = connections[DEFAULT_DB_ALIAS]
    done = 0
    try:
        with replica.system_writes():
            while True:
                with transaction.atomic(using=DEFAULT_DB_ALIAS):
                    _serialise(connection)
                    rows = _take(connection, limit)
                    by_kind: dict[str, set[int]] = {}
                    for kind, pk in rows:
                        by_kind.setdefault(kind, set()).add(pk)
                    for kind, ids in by_kind.items():
                        if kind in _sources:
                            _apply(kind, sorted(ids))
                done += len(rows)
                if len(rows) < limit:
                    return done
    except Exception:
        log.exception("counters not folded; they stay queued for the next fold")
        return done


def _apply(kind: str, ids: list[int]) -> None:
    """Bring the counters up to date with records ``ids`` of ``kind``, in a few statements for all of them."""
    from django.db import DEFAULT_DB_ALIAS

    from linli.core.models import TallyMark

    found = {pk: [tuple(f) for f in facts] for pk, facts in _sources[kind](ids)}
    marks = TallyMark.objects.using(DEFAULT_DB_ALIAS).filter(kind=kind, object_id__in=ids)
    marks = {m.object_id: m for m in marks}
    deltas: Counter = Counter()
    created, changed, gone = [], [], []
    for pk in ids:
        new, mark = found.get(pk, []), marks.get(pk)
        old = [tuple(f) for f in mark.facts] if mark else []
        if Counter(old) == Counter(new):
            continue
        deltas.update(_expand(new))
        deltas.subtract(_expand(old))
        if mark is None:
            created.append(TallyMark(kind=kind, object_id=pk, facts=new))
        elif new:
            mark.facts = new
            changed.append(mark)
        else:
            gone.append(mark.pk)
    _add(deltas)
    TallyMark.objects.using(DEFAULT_DB_ALIAS).bulk_create(created, batch_size=1000)
    TallyMark.objects.using(DEFAULT_DB_ALIAS).bulk_update(changed, ["facts"], batch_size=500)
    TallyMark.objects.using(DEFAULT_DB_ALIAS).filter(pk__in=gone).delete()


@transaction.atomic
def recount(kind: str, batch: int = 5000, flush: int = 1_000_000) -> int:
    """Throw away the counters of ``kind`` and count every record again; returns how many records were counted.
    What is queued for the kind is dropped first: the recount reads every record as it is now.

    Memory stays bounded whatever the number of records: the marks are written every ``batch`` records and the
    counters are added to the table (``_add``: an upsert) whenever ``flush`` distinct counters are held — a city's
    2,000,000 events never sit in one dictionary."""
    from django.db import connection

    from linli.core.models import Tally, TallyMark, TallyPending

    _serialise(connection)
    TallyPending.objects.filter(kind=kind).delete()
    Tally.objects.filter(key__startswith=f"{kind}.").delete()
    TallyMark.objects.filter(kind=kind).delete()
    totals: Counter = Counter()
    marks: list = []
    seen = 0
    for pk, facts in _sources[kind](None):
        facts = [tuple(f) for f in facts]
        seen += 1
        if facts:
            totals.update(_expand(facts))
            marks.append(TallyMark(kind=kind, object_id=pk, facts=facts))
        if len(marks) >= batch:
            TallyMark.objects.bulk_create(marks)
            marks = []
            if len(totals) >= flush:
                _add(totals)
                totals = Counter()
    TallyMark.objects.bulk_create(marks, batch_size=batch)
    _add(totals)
    return seen


def analyse() -> None:
    """After a recount on PostgreSQL: refresh the planner's statistics of the counters (a table rewritten at once
    would otherwise be read with the plan of an empty one until autovacuum comes by)."""
    from django.db import connection

    from linli.core.models import Tally, TallyMark

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Tally._meta.db_table}, {TallyMark._meta.db_table}")


def sums(path: str, keys: list[str], *, since: dt.date, until: dt.date) -> Counter:
    """{key: n} of exactly ``keys`` at region ``path`` summed over the days in [since, until]."""
    from linli.core.models import Tally

    fold()
    rows = Tally.objects.filter(region_path=path, key__in=keys, day__gte=since, day__lte=until)
    return Counter(dict(rows.values("key").annotate(n=Sum("n")).values_list("key", "n")))


def windows(paths: list[str], wanted: dict[str, tuple[list[str], dt.date, dt.date]]) -> dict[str, Counter]:
    """Several sums in one statement: ``wanted`` is {name: (keys, since, until)}; returns {name: {key: n}} summed
    over the regions ``paths`` (disjoint subtrees) and each window's days. A screen's whole summary — this month's
    keys, today's, the current states — is one index range read, not a query per figure."""
    from django.db.models import Q

    from linli.core.models import Tally

    fold()
    out: dict[str, Counter] = {name: Counter() for name in wanted}
    if not paths or not wanted:
        return out
    windows = {name: Q(key__in=keys, day__gte=since, day__lte=until) for name, (keys, since, until) in wanted.items()}
    either = Q()
    for q in windows.values():
        either |= q
    rows = (
        Tally.objects.filter(either, region_path__in=paths)
        .values("key")
        .annotate(**{f"w_{i}": Sum("n", filter=q) for i, q in enumerate(windows.values())})
    )
    names = list(windows)
    for row in rows:
        for i, name in enumerate(names):
            if row[f"w_{i}"]:
                out[name][row["key"]] += row[f"w_{i}"]
    return out


def totals(path: str, key_prefix: str, *, since: dt.date | None = None, until: dt.date | None = None) -> Counter:
    """{key: n} of the counters at region ``path`` whose key starts with ``key_prefix``, summed over days in
    [since, until] (both None: the current-state counters only)."""
    from linli.core.models import Tally

    fold()
    rows = Tally.objects.filter(region_path=path, key__startswith=key_prefix)
    if since is None and until is None:
        rows = rows.filter(day=STATE_DAY)
    else:
        rows = rows.filter(day__gte=since or STATE_DAY + dt.timedelta(days=1))
        if until is not None:
            rows = rows.filter(day__lte=until)
    out: Counter = Counter()
    for key, n in rows.values("key").annotate(n=Sum("n")).values_list("key", "n"):
        out[key] = n
    return out


def totals_over(paths: list[str], key_prefix: str, *, since: dt.date, until: dt.date) -> Counter:
    """{key: n} summed over the regions ``paths`` (disjoint subtrees: none under another) and the days in
    [since, until], of the keys starting with ``key_prefix``."""
    from linli.core.models import Tally

    fold()
    if not paths:
        return Counter()
    rows = Tally.objects.filter(region_path__in=paths, key__startswith=key_prefix, day__gte=since, day__lte=until)
    return Counter(dict(rows.values("key").annotate(n=Sum("n")).values_list("key", "n")))


def by_day(path: str, keys: list[str], since: dt.date, until: dt.date) -> dict[str, dict[str, int]]:
    """{key: {ISO day: n}} at region ``path`` for each day in [since, until] that has a count."""
    from linli.core.models import Tally

    fold()
    out: dict[str, dict[str, int]] = {k: {} for k in keys}
    rows = Tally.objects.filter(region_path=path, key__in=keys, day__gte=since, day__lte=until)
    for key, day, n in rows.values_list("key", "day", "n"):
        out[key][day.isoformat()] = n
    return out


def per_region(paths: list[str], key: str, since: dt.date, until: dt.date) -> dict[str, int]:
    """{region path: n} of one key summed over [since, until], for many regions in one query (a map's areas)."""
    from linli.core.models import Tally

    fold()
    rows = Tally.objects.filter(region_path__in=paths, key=key, day__gte=since, day__lte=until)
    return dict(rows.values("region_path").annotate(n=Sum("n")).values_list("region_path", "n"))
