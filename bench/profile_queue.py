"""Where the CPU time and the SQL statements of one dispatcher queue page go, in-process, under cProfile (a script,
not a test).

    .venv/bin/python bench/profile_queue.py                       # build a 200,000-event database, profile, keep it
    .venv/bin/python bench/profile_queue.py --reuse               # profile again on the database left before
    .venv/bin/python bench/profile_queue.py --reuse --runs 3 --sql
    .venv/bin/python bench/profile_queue.py --reuse --page phone staff '/console/search/?q=1234'   # any page

It builds the database as ``bench/events.py`` does (its builder functions), logs in the community staff account
(``staff``, 彩虹社区) and the street staff account (``street``, the whole street), and renders
``/console/events/queue/`` through the WSGI application in this process the way a gunicorn sync worker does
(``bench/profile_create.py``'s ``wsgi_call``): ``--warm`` renders first (a worker in service has its per-process
caches filled), then ``--pages`` renders timed by process CPU time without the profiler, then as many under
cProfile for the top functions. ``--sql`` prints each statement of one render. Only 127.0.0.1 is contacted.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import events as ev  # noqa: E402  (bench/events.py: the builder)
import profile_create as pc  # noqa: E402  (the in-process WSGI call and the statement counter)

PAGES = {
    "community": ("staff", "/console/events/queue/"),
    "street": ("street", "/console/events/queue/"),
}


class Recorder(pc.Statements):
    """Counts the statements, and keeps their text when asked."""

    def __init__(self, keep: bool = False):
        super().__init__()
        self.keep, self.sqls = keep, []

    def __call__(self, execute, sql, params, many, context):
        if self.keep:
            self.sqls.append(sql)
        return super().__call__(execute, sql, params, many, context)


def batch(app, path: str, cookie: str, n: int, profiler=None, keep: bool = False):
    from django.db import connection

    counter = Recorder(keep)
    with connection.execute_wrapper(counter):
        t, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(n):
            code = pc.wsgi_call(app, "GET", path, b"", {"Cookie": cookie})
            if code != 200:
                raise SystemExit(f"{path}: HTTP {code}")
        if profiler:
            profiler.disable()
        cpu = time.process_time() - t
    counter.wall = time.perf_counter() - wall  # CPU + the time spent waiting for PostgreSQL
    return cpu, counter


def session_cookie(username: str) -> str:
    from django.conf import settings
    from django.test import Client

    from linli.core.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument(
        "--db", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_perf_queue")
    )
    parser.add_argument("--var", default="/tmp/linli-perf-queue-var")
    parser.add_argument("--reuse", action="store_true", help="reuse the database as it is (skip building)")
    parser.add_argument("--pages", type=int, default=100, help="renders per account and run")
    parser.add_argument("--warm", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sql", action="store_true", help="print the statements of one render")
    parser.add_argument("--dump", metavar="PREFIX", help="write the profiles to PREFIX-<account>.prof")
    parser.add_argument(
        "--page", nargs=3, action="append", metavar=("LABEL", "USER", "PATH"),
        help="profile this page instead of the two queues (repeatable), e.g. --page phone staff '/console/search/?q=1234'",
    )  # fmt: skip
    args = parser.parse_args()
    pages = {label: (user, path) for label, user, path in args.page} if args.page else PAGES
    Path(args.var).mkdir(exist_ok=True)
    load = os.getloadavg()
    if not args.reuse:
        ev.recreate_database(args.db)
    ev.setup_django(args.db, args.var)
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    from linli.events.models import Event

    if args.reuse:
        call_command("migrate", verbosity=0)
    else:
        _, grids = ev.build_places(args.communities)
        ev.load_events(args.events, grids)
    settings.ALLOWED_HOSTS = ["*"]
    app = get_wsgi_application()
    print(f"== {Event.objects.count():,} events; commit {pc.commit()}; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ==")  # fmt: skip
    for label, (username, path) in pages.items():
        cookie = session_cookie(username)
        batch(app, path, cookie, args.warm)
        runs = []
        for _ in range(args.runs):
            cpu, counter = batch(app, path, cookie, args.pages)
            runs.append((cpu * 1000 / args.pages, counter.n / args.pages, counter.wall * 1000 / args.pages))
        runs.sort()
        cpu_ms, statements, _ = runs[len(runs) // 2]
        wall_ms = sorted(r[2] for r in runs)[len(runs) // 2]
        each = ", ".join(f"{r[0]:.2f}" for r in runs)
        print(f"\n{label} ({username} {path}): CPU {cpu_ms:.2f} ms per render (median of {len(runs)}: {each}), "
              f"wall {wall_ms:.2f} ms, {statements:.1f} SQL statements")  # fmt: skip
        if args.sql:
            _, counter = batch(app, path, cookie, 1, keep=True)
            for sql in counter.sqls:
                print("   ", sql[:300])
        profiler = cProfile.Profile(time.process_time)
        batch(app, path, cookie, args.pages, profiler)
        if args.dump:
            profiler.dump_stats(f"{args.dump}-{label}.prof")
        stats = pstats.Stats(profiler).stats
        top = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[: args.top]
        print(f"  {'own ms':>8} {'cum ms':>8} {'calls':>8}  function (per render)")
        for k, v in top:
            print(f"  {v[2] * 1000 / args.pages:8.3f} {v[3] * 1000 / args.pages:8.3f} {v[1] / args.pages:8.1f}  "
                  f"{Path(k[0]).name}:{k[1]}({k[2]})")  # fmt: skip


if __name__ == "__main__":
    main()
