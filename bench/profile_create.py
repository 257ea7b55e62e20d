"""Where the CPU time of one event create goes: API and Open311, in-process, under cProfile (a script, not a test).

    .venv/bin/python bench/profile_create.py                      # build a 20,000-event database, profile, keep it
    .venv/bin/python bench/profile_create.py --reuse              # profile again on the database left before
    .venv/bin/python bench/profile_create.py --reuse --runs 3 --json out.json

It builds the database as ``bench/events.py`` does (its builder functions, at a small scale), then calls the
WSGI application in this process the way a gunicorn sync worker does (one ``environ`` per request, the
response consumed and closed, so ``request_finished`` runs): ``--warm`` creates first (a worker in service
has its per-process caches filled), then ``--creates`` API creates (a resident's token, the payload mix of
``bench/events.py``) and as many Open311 creates, each timed by process CPU time without the profiler, then the
same again under cProfile for the breakdown. ``--runs`` repeats the measurement and reports the median.

Printed per channel: CPU ms per create (``time.process_time``, this process only: PostgreSQL's own CPU is not
in it; the CPU of its PostgreSQL backend is read from /proc beside it), SQL statements per create (an execute wrapper: BEGIN/COMMIT are not statements of a cursor, savepoints
are), the phases (cumulative time of the functions that do them, as a share of the profiled request and scaled
to the unprofiled CPU ms) and the top functions by own time. Only 127.0.0.1 is contacted.
"""

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import events as ev  # noqa: E402  (bench/events.py: the builder and the request mix)

OPEN = ("events/services/intake.py", "event_open")
API_CREATE = ("events/api/views.py", "create")
# Phases: (label, [(path suffix, function name), ...]). A phase's time is the sum of the cumulative time of
# its functions; the functions of one phase never call each other (no double counting).
PHASES = {
    "api": [
        ("request outside the view (WSGI, middleware, URL resolution)", "REST"),
        ("  of which URL resolution", [("django/core/handlers/base.py", "resolve_request")]),
        ("auth, permissions, throttles (DRF initial)", [("rest_framework/views.py", "initial")]),
        ("parsing + serializer validation", [("rest_framework/serializers.py", "is_valid")]),
        ("place (house/building lookup, resolve_place)",
         [("housing/selectors.py", "place_for_report"), ("events/services/common.py", "resolve_place")]),
        ("classification", [("events/classifier.py", "suggest")]),
        ("duplicate search", [("events/services/intake.py", "find_duplicate")]),
        ("number of the day", [("events/services/common.py", "next_number")]),
        ("insert + photos + first step",
         [("django/db/models/base.py", "save", OPEN), ("core/compiled.py", "insert_one", OPEN),
          ("events/services/common.py", "_insert_photos"),
          ("events/services/workflow.py", "_record")]),
        ("audit row", [("core/audit.py", "log_change")]),
        ("notifications (inbox rows, on-commit)",
         [("events/services/notices.py", "_notify_new"), ("django/db/backends/base/base.py",
                                                          "run_and_clear_commit_hooks")]),
        ("response rendering",
         [("events/selectors.py", "as_created"), ("rest_framework/serializers.py", "data", API_CREATE),
          ("rest_framework/response.py", "rendered_content")]),
    ],
    "open311": [
        ("request outside the view (WSGI, middleware, URL resolution)", "OPEN311"),
        ("  of which URL resolution", [("django/core/handlers/base.py", "resolve_request")]),
        ("form parsing + api key", [("django/core/handlers/wsgi.py", "_get_post"),
                                    ("events/models.py", "lookup")]),
        ("throttles", [("events/open311/throttles.py", "bad_key_wait"), ("events/open311/throttles.py", "allow"),
                       ("events/open311/throttles.py", "check")]),
        ("place (resolve_place)", [("events/services/common.py", "resolve_place")]),
        ("classification", [("events/classifier.py", "suggest")]),
        ("duplicate search", [("events/services/intake.py", "find_duplicate")]),
        ("number of the day", [("events/services/common.py", "next_number")]),
        ("insert + photos + first step",
         [("django/db/models/base.py", "save", OPEN), ("core/compiled.py", "insert_one", OPEN),
          ("events/services/common.py", "_insert_photos"),
          ("events/services/workflow.py", "_record")]),
        ("audit row", [("core/audit.py", "log_change")]),
        ("notifications (inbox rows, on-commit)",
         [("events/services/notices.py", "_notify_new"), ("django/db/backends/base/base.py",
                                                          "run_and_clear_commit_hooks")]),
        ("phone encryption", [("core/crypto.py", "encrypt"), ("core/crypto.py", "blind_index")]),
        ("response rendering", [("events/open311/views.py", "render")]),
    ],
}  # fmt: skip
VIEW = {"api": ("rest_framework/views.py", "dispatch"), "open311": ("events/open311/views.py", "requests_view")}
TOTAL = ("django/core/handlers/wsgi.py", "__call__")


class Statements:
    """An execute wrapper that counts the SQL statements sent through Django's cursors."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def wsgi_call(app, method: str, path: str, body: bytes, headers: dict) -> int:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8141", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }  # fmt: skip
    for key, value in headers.items():
        if key.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + key.upper().replace("-", "_")] = value
    status = []
    result = app(environ, lambda s, h, exc_info=None: status.append(s))
    try:
        for _ in result:
            pass
    finally:
        if hasattr(result, "close"):
            result.close()  # request_finished: connections are returned as in a worker
    return int(status[0].split()[0])


def backend_cpu() -> tuple[int, float]:
    """(pid, CPU seconds so far) of this process's PostgreSQL backend (Linux /proc; the server is on this machine)."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_batch(app, make, start: int, n: int, ok: int, profiler=None):
    """``n`` requests; (CPU seconds, statements, CPU seconds of the PostgreSQL backend or None when the connection
    was not the same one throughout)."""
    from django.db import connection

    counter = Statements()
    with connection.execute_wrapper(counter):
        pid0, db0 = backend_cpu()
        t = time.process_time()
        if profiler:
            profiler.enable()
        for i in range(start, start + n):
            code = wsgi_call(app, *make(i))
            if code != ok:
                raise SystemExit(f"request {i}: HTTP {code}")
        if profiler:
            profiler.disable()
        cpu = time.process_time() - t
        pid1, db1 = backend_cpu()
    return cpu, counter.n, (db1 - db0 if pid0 == pid1 else None)


def _match(stats, suffix: str, name: str):
    return [(k, v) for k, v in stats.items() if k[0].endswith(suffix) and k[2] == name]


def cumulative(stats, suffix: str, name: str, caller: tuple[str, str] | None = None) -> float:
    """Cumulative time of a function; with ``caller`` (path suffix, name), only of its calls from there."""
    if caller is None:
        return sum(v[3] for _, v in _match(stats, suffix, name))
    return sum(
        ct
        for _, v in _match(stats, suffix, name)
        for k, (_, _, _, ct) in v[4].items()
        if k[0].endswith(caller[0]) and k[2] == caller[1]
    )


def breakdown(profiler, channel: str, n: int, cpu_ms: float) -> dict:
    """Phases (profiled ms per create and share of the request) and the top functions by own time."""
    stats = pstats.Stats(profiler).stats
    total = cumulative(stats, *TOTAL)
    view = cumulative(stats, *VIEW[channel])
    phases = []
    for label, funcs in PHASES[channel]:
        seconds = total - view if isinstance(funcs, str) else sum(cumulative(stats, *f) for f in funcs)
        phases.append({"phase": label, "profiled_ms": seconds * 1000 / n, "share": seconds / total if total else 0,
                       "est_ms": cpu_ms * seconds / total if total else 0})  # fmt: skip
    known = sum(p["share"] for p in phases if not p["phase"].startswith("  "))  # sub-phases are inside others
    phases.append({"phase": "rest of the view (unlisted)", "profiled_ms": total * (1 - known) * 1000 / n,
                   "share": 1 - known, "est_ms": cpu_ms * (1 - known)})  # fmt: skip
    top = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:25]
    top_rows = [{"function": f"{Path(k[0]).name}:{k[1]}({k[2]})", "path": k[0], "calls_per_create": v[1] / n,
                 "own_ms": v[2] * 1000 / n, "cum_ms": v[3] * 1000 / n} for k, v in top]  # fmt: skip
    return {"profiled_ms": total * 1000 / n, "phases": phases, "top": top_rows}


def prepare(args):
    """Build the database (or reuse it) and return the request makers."""
    if not args.reuse:
        ev.recreate_database(args.db)
    ev.setup_django(args.db, args.var)
    from django.core.management import call_command
    from knox.models import AuthToken

    from linli.core.models import Region, User
    from linli.events.models import Category, Event
    from linli.events.open311.views import PRIVATE_CODES
    from linli.housing.models import Building, House

    if args.reuse:
        call_command("migrate", verbosity=0)  # the branch may have added a migration since the build
        grids = list(Region.objects.filter(level__code="grid", boundary__isnull=False).order_by("path"))
    else:
        _, grids = ev.build_places(args.communities)
        ev.load_events(args.events, grids)
    resident = User.objects.get(username="resident")
    _, token = AuthToken.objects.create(user=resident, expiry=dt.timedelta(hours=8))
    house = House.objects.filter(residencies__person__user=resident).first()
    codes = [c for c in Category.objects.filter(parent__isnull=False, active=True).values_list("code", flat=True)
             if c not in PRIVATE_CODES]  # fmt: skip
    points = []
    for g in grids:
        (lng, lat), size = g.boundary[0], g.boundary[1][0] - g.boundary[0][0]
        points += [(lng + size * f, lat + size * h) for f, h in ((0.3, 0.3), (0.6, 0.5), (0.8, 0.2))]
    random.Random(7).shuffle(points)
    buildings = list(Building.objects.order_by("pk").values_list("pk", flat=True))
    info = {"events": Event.objects.count(), "grids": len(grids)}

    api = ev.api_request(token, house.pk, buildings, points, codes)
    open311 = ev.open311_request(points, codes)
    return info, {"api": (api, 201), "open311": (open311, 200)}, (house.pk, token, grids)


def commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()  # fmt: skip
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument(
        "--db", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_perf_profile")
    )
    parser.add_argument("--var", default="/tmp/linli-perf-profile-var")
    parser.add_argument("--reuse", action="store_true", help="reuse the database as it is (skip building)")
    parser.add_argument("--creates", type=int, default=300, help="creates per channel and run")
    parser.add_argument("--warm", type=int, default=30, help="creates per channel before measuring")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--dump", metavar="PREFIX", help="write the profiles to PREFIX-api.prof, PREFIX-open311.prof")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON (- for stdout)")
    args = parser.parse_args()
    Path(args.var).mkdir(exist_ok=True)
    # Lift the per-address Open311 limits: every request comes from 127.0.0.1.
    os.environ["LINLI_OPEN311_READ_RATE"] = os.environ["LINLI_OPEN311_WRITE_RATE"] = "1000000/s"
    load = os.getloadavg()
    info, makers, (house_pk, token, grids) = prepare(args)
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    settings.ALLOWED_HOSTS = ["*"]
    app = get_wsgi_application()
    qpc = ev.queries_per_create(house_pk, token, grids)  # the figure bench/events.py prints (with BEGIN/COMMIT)
    print(f"== {info['events']:,} events, {info['grids']} grids; commit {commit()}; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ==")  # fmt: skip
    result = {"commit": commit(), "load_average": load, "events": info["events"], "creates": args.creates,
              "runs": args.runs, "queries_with_transaction": qpc, "channels": {}}  # fmt: skip
    offset = 1_000_000 + int(time.time()) % 1_000_000 * 1000  # distinct texts across invocations
    for channel, (make, ok) in makers.items():
        run_batch(app, make, offset, args.warm, ok)
        offset += args.warm
        runs = []
        for _ in range(args.runs):
            cpu, statements, db_cpu = run_batch(app, make, offset, args.creates, ok)
            offset += args.creates
            profiler = cProfile.Profile(time.process_time)  # CPU time: waiting on PostgreSQL is not ours
            run_batch(app, make, offset, args.creates, ok, profiler)
            offset += args.creates
            if args.dump:
                profiler.dump_stats(f"{args.dump}-{channel}.prof")
            cpu_ms = cpu * 1000 / args.creates
            runs.append({"cpu_ms": cpu_ms, "statements": statements / args.creates,
                         "db_cpu_ms": None if db_cpu is None else db_cpu * 1000 / args.creates,
                         **breakdown(profiler, channel, args.creates, cpu_ms)})  # fmt: skip
        runs.sort(key=lambda r: r["cpu_ms"])
        median = runs[len(runs) // 2]
        result["channels"][channel] = {"cpu_ms_runs": [r["cpu_ms"] for r in runs], **median}
        each = ", ".join(f"{r['cpu_ms']:.2f}" for r in runs)
        db = sorted(r["db_cpu_ms"] for r in runs if r["db_cpu_ms"] is not None)
        result["channels"][channel]["db_cpu_ms"] = db[len(db) // 2] if db else None
        print(f"\n{channel.upper()} create: CPU {median['cpu_ms']:.2f} ms per create (median of {len(runs)}: "
              f"{each}), {median['statements']:.1f} SQL statements "
              f"({qpc[channel]} with BEGIN/COMMIT); profiled {median['profiled_ms']:.2f} ms")  # fmt: skip
        if db:
            print(f"  PostgreSQL backend CPU {db[len(db) // 2]:.2f} ms per create (median of "
                  f"{', '.join(f'{d:.2f}' for d in db)})")  # fmt: skip
        print(f"  {'phase':<62} {'share':>6} {'≈ CPU ms':>9}")
        for p in median["phases"]:
            print(f"  {p['phase']:<62} {p['share'] * 100:5.1f}% {p['est_ms']:9.2f}")
        print(f"  top {args.top} by own time (profiled ms per create: own, cumulative; calls per create)")
        for row in median["top"][: args.top]:
            print(f"    {row['own_ms']:6.3f} {row['cum_ms']:7.3f} {row['calls_per_create']:7.1f}  {row['function']}")
    from django.db import connection

    connection.close()
    if args.json:
        text = json.dumps(result, ensure_ascii=False, indent=1)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text)
    print("\nmedian CPU ms per create: " + ", ".join(
        f"{c} {r['cpu_ms']:.2f} ms / {r['statements']:.1f} statements" for c, r in result["channels"].items()))  # fmt: skip


if __name__ == "__main__":
    main()
