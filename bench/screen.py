"""Benchmark of the big screen's summary (a script, not a test): server time of ``GET /api/v1/screen/summary``.

    .venv/bin/python bench/screen.py                                   # SQLite scratch file, 300 grids, a year
    .venv/bin/python bench/screen.py --db postgres://postgres@127.0.0.1:5432/linli_screen_bench --grids 600

Targets (issue 14): the whole district's summary ≤ 300 ms p95 and a community's ≤ 50 ms with 2,000,000 events,
and the live stream delivers 95 % of messages within 2 s to 200 open screens.

The full scale, on real rows (``--city``): the PostgreSQL city of ``bench/city.py`` (1,000,000 persons and
2,000,000 events, built — or resumed — with ``--persons`` / ``--events`` and kept between runs; ``--db`` and
``--var-dir`` as there), its counters recounted from the events (timed: what a bulk load costs), the summary of the
district and of 彩虹社区 timed as the district leader, then the stream measured:

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/screen.py --city --persons 1000000 --events 2000000 --via redis --web 4

The stream alone, as deployed: the stream process (``python -m linli.dashboard.stream``) started as its own
process, fed by ``--web`` separate publisher processes through Redis pub/sub (``--via redis``, needs REDIS_URL) or
local UDP datagrams (``--via udp``, ``make run``'s way) — each publisher is a Django process calling
``core.live.publish`` exactly as a gunicorn worker does after an event commits — and ``--screens`` open
server-sent-events connections reading it:

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/screen.py --stream-only --via redis --web 4 --screens 200 --messages 50

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
sys.path.insert(0, str(ROOT / "bench"))


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
    parser.add_argument("--screens", type=int, default=200, help="open screens for the stream measurement")
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--stream-only", action="store_true", help="measure only the live stream (no database)")
    parser.add_argument("--via", choices=["inprocess", "udp", "redis"], default="inprocess",
                        help="how messages reach the stream: in this process, or a separate stream process fed by "
                             "--web publisher processes through UDP or Redis pub/sub (REDIS_URL)")  # fmt: skip
    parser.add_argument("--web", type=int, default=2, help="publisher (web) processes for --via udp/redis")
    parser.add_argument("--persons", type=int, default=0, help="with --city: the persons of the city (1,000,000)")
    parser.add_argument("--publisher", nargs=3, metavar=("INDEX", "OF", "MESSAGES"), help=argparse.SUPPRESS)
    parser.add_argument("--city", action="store_true", help="use (build or resume) bench/city.py's database")
    parser.add_argument("--var-dir", default="", help="with --city: the city's keys (bench/city.py --var-dir)")
    parser.add_argument("--no-recount", action="store_true",
                        help="with --city: keep the counters of an earlier run when there are any")  # fmt: skip
    args = parser.parse_args()
    if args.city:
        city_bench(args)
        return
    if args.publisher:
        publisher(*(int(x) for x in args.publisher))
        return
    if args.stream_only:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
        import django

        django.setup()
        stream_bench(args.screens, args.messages, args.via, args.web)
        return

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
                          (grid.path, day, f"event.cat:{cat}"), (grid.path, day, f"event.hour:{rng.randrange(24):02d}:{cat}"),
                          (grid.path, day, f"event.wd:{rng.randrange(1, 8)}:{cat}"),
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

    stream_bench(args.screens, args.messages, args.via, args.web)


def city_bench(args) -> None:
    """The summary on real rows: bench/city.py's database (built or resumed here), counters recounted once."""
    import city  # bench/city.py

    db = args.db if args.db.startswith("postgres") else city.DEFAULT_DB
    var_dir = Path(args.var_dir or city.DEFAULT_VAR)
    build = [sys.executable, str(ROOT / "bench" / "city.py"), "build", "--resume", "--db", db, "--var-dir", str(var_dir),
             "--persons", str(args.persons or 1_000_000), "--events", str(args.events)]  # fmt: skip
    subprocess.run(build, check=True, cwd=ROOT)
    os.environ.update(city.django_env(db, var_dir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "linli.settings"
    import django

    django.setup()
    from django.core.cache import cache

    from linli.core import tallies
    from linli.core.models import Region, Tally, User
    from linli.dashboard import selectors

    if args.no_recount and Tally.objects.exists():
        print("counters kept from an earlier run (--no-recount)", flush=True)
    else:
        import resource

        started = time.perf_counter()
        counted = {kind: tallies.recount(kind) for kind in tallies.kinds()}
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"recount {counted} in {time.perf_counter() - started:.0f} s, peak resident memory {rss:,.0f} MB",
              flush=True)  # fmt: skip
    tallies.analyse()
    leader = User.objects.get(username="leader")
    district = Region.objects.filter(depth=1).order_by("pk").first()
    community = city.main_community()
    for name, region in (("district", district), ("community", community)):
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
              f"p95 {p95(times):.1f} ms over {args.runs} runs (persons {body['persons']:,}, "
              f"month {body['events']['month']:,} events)")  # fmt: skip
    stream_bench(args.screens, args.messages, args.via, args.web)


INTERVAL = 0.05  # one message every 50 ms, whichever publisher sends it


def publisher(index: int, of: int, messages: int) -> None:
    """One "web process": waits for the go line on stdin, then publishes its share of the messages through
    ``core.live`` (UDP or Redis, as the environment says), every ``of`` × 50 ms, offset by its index."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from linli.core import live

    live.publish("bench.warmup", {"region_path": "zzzz"})  # open the Redis connection before the clock starts
    sys.stdin.readline()
    start = float(sys.stdin.readline() or time.time())
    for i in range(index, messages, of):
        delay = start + i * INTERVAL - time.time()
        if delay > 0:
            time.sleep(delay)
        live.publish("events.new", {"number": f"BENCH{i:05d}", "category": "测试", "place": "测试社区",
                                    "region_path": "00010001", "sent": time.time()})  # fmt: skip


def stream_bench(screens: int, messages: int, via: str = "inprocess", web: int = 2) -> None:
    """``screens`` open connections to the stream, ``messages`` events published one every 50 ms; the delay from
    publish to arrival at every screen. ``via`` inprocess: the stream in a thread of this process, published here;
    udp / redis: the stream as its own process (``python -m linli.dashboard.stream``) and ``web`` publisher
    processes, as in a deployment."""
    import asyncio
    import json
    import threading

    from django.conf import settings

    from linli.core import live
    from linli.dashboard.stream import Background, make_ticket

    if via == "redis" and not settings.REDIS_URL:
        sys.exit("--via redis needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379/0)")
    delays: list[float] = []
    ticket = make_ticket(["0001"])

    async def screen(port, ready):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /screen/stream?t={ticket} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        await reader.readuntil(b"retry: 2000\n\n")
        ready()
        seen = 0
        while seen < messages:
            line = await asyncio.wait_for(reader.readline(), timeout=30)
            if line.startswith(b"data: "):
                data = json.loads(line[6:])
                delays.append(time.time() - data["sent"])
                seen += 1
        writer.close()

    def run_screens(port):
        loop = asyncio.new_event_loop()
        opened = threading.Semaphore(0)

        async def clients():
            await asyncio.gather(*(screen(port, opened.release) for _ in range(screens)), return_exceptions=True)

        runner = threading.Thread(target=lambda: loop.run_until_complete(clients()), daemon=True)
        runner.start()
        for _ in range(screens):
            opened.acquire(timeout=30)
        return runner, loop

    if via == "inprocess":
        with Background() as server:
            runner, loop = run_screens(server.port)
            for i in range(messages):
                live.publish("events.new", {"number": f"BENCH{i:05d}", "category": "测试", "place": "测试社区",
                                            "region_path": "00010001", "sent": time.time()})  # fmt: skip
                time.sleep(INTERVAL)
            runner.join(60)
            loop.close()
    else:
        import socket

        with socket.socket() as probe:  # a free port for the stream process
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = dict(os.environ, LINLI_HUEY_NAME=f"bench-screen-{os.getpid()}")  # a channel of our own on Redis
        env.pop("LINLI_LIVE_UDP", None)
        stream_env = dict(env) if via == "redis" else {k: v for k, v in env.items() if k != "REDIS_URL"}
        stream = subprocess.Popen([sys.executable, "-m", "linli.dashboard.stream", "--port", str(port)], env=stream_env,
                                  cwd=ROOT, stderr=subprocess.DEVNULL)  # fmt: skip
        pub_env = dict(env, LINLI_LIVE_UDP=f"127.0.0.1:{port}") if via == "udp" else dict(env)
        if via == "udp":
            pub_env.pop("REDIS_URL", None)
        pubs = [subprocess.Popen([sys.executable, __file__, "--publisher", str(i), str(web), str(messages)],
                                 env=pub_env, cwd=ROOT, stdin=subprocess.PIPE, text=True) for i in range(web)]  # fmt: skip
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            runner, loop = run_screens(port)
            time.sleep(1.0)  # the publishers have set Django up and connected
            start = time.time() + 0.5
            for pub in pubs:
                pub.stdin.write(f"go\n{start}\n")
                pub.stdin.flush()
            for pub in pubs:
                pub.wait(timeout=messages * INTERVAL + 60)
            runner.join(30)
            loop.close()
        finally:
            for pub in pubs:
                if pub.poll() is None:
                    pub.kill()
            stream.terminate()
            stream.wait(10)
    print(f"via {via}" + (f" ({web} publisher processes → the stream process)" if via != "inprocess" else ""))
    within = sum(1 for d in delays if d <= 2.0) / max(1, screens * messages)
    print(f"stream: {screens} screens × {messages} messages: {len(delays):,} delivered, "
          f"p50 {statistics.median(delays) * 1000:.1f} ms, p95 {p95(delays) * 1000:.1f} ms, "
          f"{within:.1%} within 2 s")  # fmt: skip


if __name__ == "__main__":
    main()
