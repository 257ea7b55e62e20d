"""Benchmark of the big screen's summary (a script, not a test): server time of ``GET /api/v1/screen/summary``.

    .venv/bin/python bench/screen.py                                   # SQLite scratch file, 300 grids, a year
    .venv/bin/python bench/screen.py --db postgres://postgres@127.0.0.1:5432/linli_screen_bench --grids 600

Targets (issue 14): the whole district's summary ≤ 300 ms p95 and a community's ≤ 50 ms with 2,000,000 events.

The summary never scans events: it adds up ``core.Tally`` rows (one per region, key and day, kept by the events
services after each commit). Their number does not grow with the events but with regions × days × keys, so this
script builds the tree (the test world plus ``--communities`` synthetic communities of ``--grids-per`` grids) and
writes the counters that ``--events`` events spread over the last ``--days`` days would leave, through the same
expansion to every ancestor region as ``tallies.touch`` (``tallies._expand``), including the analytics' keys
(hour, weekday, building × category, place), which the summary must skip without reading. Then it times
``selectors.summary`` for the district and for one community, ``--runs`` times each, with the people/house
statistics cached (their minute-long cache) and once cold. The database is a scratch one: dropped first.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite:////tmp/linli_screen_bench.sqlite3")
    parser.add_argument("--communities", type=int, default=100)
    parser.add_argument("--grids-per", type=int, default=3)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("LINLI_VAR_DIR", "/tmp/linli-screen-bench-var")
    Path(os.environ["LINLI_VAR_DIR"]).mkdir(exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "linli.settings"
    if args.db.startswith("sqlite:///"):
        Path(args.db.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        base, name = args.db.rsplit("/", 1)
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from linli.core import services as core_services
    from linli.core import tallies
    from linli.core.models import Tally
    from linli.dashboard import selectors
    from linli.testing import build_world, levels

    world = build_world()
    lv = levels()
    grids = [world.grid_a, world.grid_b, world.grid_c]
    for c in range(args.communities):
        community = core_services.region_create(actor=None, name=f"测试社区{c}", level=lv["community"],
                                                parent=world.street)  # fmt: skip
        for g in range(args.grids_per):
            grids.append(core_services.region_create(actor=None, name=f"测试社区{c}第{g}网格", level=lv["grid"],
                                                     parent=community))  # fmt: skip
    print(f"{len(grids)} grids; writing the counters of {args.events:,} events over {args.days} days …", flush=True)
    rng = random.Random(14)
    today = dt.date.today()
    statuses = ["pending", "accepted", "dispatched", "processing", "resolved", "verified", "closed", "rejected"]
    cats = [f"{i:02d}" for i in range(1, 11)]
    per_grid_day = max(1, args.events // (len(grids) * args.days))
    started = time.perf_counter()
    totals: Counter = Counter()
    for grid in grids:
        facts = []
        for d in range(args.days):
            day = (today - dt.timedelta(days=d)).isoformat()
            for _ in range(per_grid_day):
                cat = rng.choice(cats)
                facts += [(grid.path, None, f"event.status:{rng.choice(statuses)}"), (grid.path, day, "event.new"),
                          (grid.path, day, f"event.cat:{cat}"), (grid.path, day, f"event.hour:{rng.randrange(24):02d}"),
                          (grid.path, day, f"event.wd:{rng.randrange(1, 8)}"),
                          (grid.path, day, f"event.bldg:{rng.randrange(1, 400)}:{cat}"),
                          (grid.path, day, f"event.place:h{rng.randrange(1, 100000)}"),
                          (grid.path, day, "event.closed"), (grid.path, day, "event.closed_on_time"),
                          (grid.path, day, "event.rated"), (grid.path, day, "event.satisfied")]  # fmt: skip
        totals.update(tallies._expand(facts))
    rows = [Tally(region_path=p, day=d, key=k, n=n) for (p, d, k), n in totals.items()]
    Tally.objects.bulk_create(rows, batch_size=20000)
    print(f"{len(rows):,} counter rows in {time.perf_counter() - started:.0f} s", flush=True)
    if not args.db.startswith("sqlite"):
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE core_tally")

    class Viewer:  # the district leader: what selectors.summary is called with by the API view
        pass

    leader = world.users["leader"]
    for name, region in (("district", world.district), ("community", world.community)):
        cache.clear()
        t = time.perf_counter()
        selectors.summary(leader, region)
        cold = (time.perf_counter() - t) * 1000
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            body = selectors.summary(leader, region)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{name:<10} summary: cold {cold:.1f} ms; warm p50 {statistics.median(times):.1f} ms, "
              f"p95 {p95(times):.1f} ms over {args.runs} runs (month {body['events']['month']:,} events)")  # fmt: skip


if __name__ == "__main__":
    main()
