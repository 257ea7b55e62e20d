"""Incremental counters (``core.Tally``) that a record's own app keeps right after each write commits.

An app registers how to describe one record as *facts*: ``(region_path, day or None, key)`` triples, the figures
the record counts in (an event: its status, the day it was reported and its category, the day it was closed and
whether on time…). After a write commits the app calls ``touch(kind, pk)``: the record's facts are computed again,
compared with what it contributed last time (``core.TallyMark``) and only the difference is added, to the
record's region and every region above it. A district's figure is then a handful of rows, never a scan.

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
    """Add every delta in one statement: INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n (PostgreSQL and
    SQLite ≥ 3.24 both speak it), so a new event costs one round trip, not one per region and key."""
    from django.db import connection

    from linli.core.models import Tally

    rows = [(path, key, day, delta) for (path, day, key), delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    table, q = connection.ops.quote_name(Tally._meta.db_table), connection.ops.quote_name
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({q('region_path')}, {q('key')}, {q('day')}, {q('n')}) VALUES {values} "
            f"ON CONFLICT ({q('region_path')}, {q('key')}, {q('day')}) DO UPDATE SET {q('n')} = {table}.{q('n')} + excluded.{q('n')}",
            [v for row in rows for v in row],
        )


def touch(kind: str, pk: int) -> None:
    """Bring the counters up to date with record ``pk`` as it is now (call after the write commits).

    Never fails the caller's request: the write is committed already; a counter that could not be updated is
    logged and set right by the next ``recount_tallies``."""
    try:
        _touch(kind, pk)
    except Exception:
        log.exception("tally of %s %s not updated; run manage.py recount_tallies", kind, pk)


def _touch(kind: str, pk: int) -> None:
    from linli.core.models import TallyMark

    found = dict(_sources[kind]([pk]))
    new = [tuple(f) for f in found.get(pk, [])]
    with transaction.atomic():
        mark = TallyMark.objects.select_for_update().filter(kind=kind, object_id=pk).first()
        old = [tuple(f) for f in mark.facts] if mark else []
        if Counter(old) == Counter(new):
            return
        deltas = _expand(new)
        deltas.subtract(_expand(old))
        _add(deltas)
        if mark is None:
            TallyMark.objects.create(kind=kind, object_id=pk, facts=new)
        elif new:
            mark.facts = new
            mark.save(update_fields=["facts"])
        else:
            mark.delete()


def on_commit_touch(kind: str, pk: int) -> None:
    transaction.on_commit(lambda: touch(kind, pk))


@transaction.atomic
def recount(kind: str, batch: int = 5000) -> int:
    """Throw away the counters of ``kind`` and count every record again; returns how many records were counted."""
    from linli.core.models import Tally, TallyMark

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
    TallyMark.objects.bulk_create(marks)
    rows = [Tally(region_path=p, day=d, key=k, n=n) for (p, d, k), n in totals.items() if n]
    Tally.objects.bulk_create(rows, batch_size=batch)
    return seen


def sums(path: str, keys: list[str], *, since: dt.date, until: dt.date) -> Counter:
    """{key: n} of exactly ``keys`` at region ``path`` summed over the days in [since, until]."""
    from linli.core.models import Tally

    rows = Tally.objects.filter(region_path=path, key__in=keys, day__gte=since, day__lte=until)
    return Counter(dict(rows.values("key").annotate(n=Sum("n")).values_list("key", "n")))


def totals(path: str, key_prefix: str, *, since: dt.date | None = None, until: dt.date | None = None) -> Counter:
    """{key: n} of the counters at region ``path`` whose key starts with ``key_prefix``, summed over days in
    [since, until] (both None: the current-state counters only)."""
    from linli.core.models import Tally

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


def by_day(path: str, keys: list[str], since: dt.date, until: dt.date) -> dict[str, dict[str, int]]:
    """{key: {ISO day: n}} at region ``path`` for each day in [since, until] that has a count."""
    from linli.core.models import Tally

    out: dict[str, dict[str, int]] = {k: {} for k in keys}
    rows = Tally.objects.filter(region_path=path, key__in=keys, day__gte=since, day__lte=until)
    for key, day, n in rows.values_list("key", "day", "n"):
        out[key][day.isoformat()] = n
    return out


def per_region(paths: list[str], key: str, since: dt.date, until: dt.date) -> dict[str, int]:
    """{region path: n} of one key summed over [since, until], for many regions in one query (a map's areas)."""
    from linli.core.models import Tally

    rows = Tally.objects.filter(region_path__in=paths, key=key, day__gte=since, day__lte=until)
    return dict(rows.values("region_path").annotate(n=Sum("n")).values_list("region_path", "n"))
