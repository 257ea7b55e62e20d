"""The floor: what this machine serves today for a one-query Django JSON view (a script, not a test).

    .venv/bin/python bench/floor.py                          # 1,000,000 rows, 6 clients, 20 s, then drop the database
    .venv/bin/python bench/floor.py --rows 10000 --seconds 3 # scaled down
    .venv/bin/python bench/floor.py --json                   # one JSON object on stdout (progress on stderr)
    .venv/bin/python bench/floor.py --keep-db                # leave the table for ``--reuse`` next time
    .venv/bin/python bench/floor.py --prepare                # only build the table (and keep it)

Machines of this kind differ by a factor of two from one day to the next, so a rate alone says little; every other
benchmark is meant to be read as a ratio to this one, measured in the same window (``bench/compare.py`` does so).

What it does:

1. creates the scratch database ``--db`` (dropped first) with one table ``bench_floor`` of ``--rows`` rows
   (``INSERT … SELECT generate_series``, primary key, ``VACUUM ANALYZE``) — no project table, no migration;
2. checks in-process that a request of the view runs exactly one SQL query;
3. starts ``gunicorn -w 2`` sync workers on 127.0.0.1 as ``bench/events.py`` starts the app, with the project's
   settings (database, connection reuse, installed apps) except the URLs — one view — and the middleware — Django's
   default stack, fixed here so that the floor does not move with the code under test;
4. drives it from this process with ``--concurrency`` client threads (a fresh connection per request, as in
   ``bench/events.py``), after ``--warm`` seconds of the same requests, for ``--seconds`` seconds: each request asks
   for a page of 20 rows from a random key (``WHERE id >= %s ORDER BY id LIMIT 20``, an index range scan);
5. prints the rate, p50/p95 latency, the CPU milliseconds per request of the gunicorn workers (utime + stime from
   /proc), of the PostgreSQL backends serving this database and of all PostgreSQL processes, of the load generator,
   and the load average before it started; drops the database unless ``--keep-db``.

Only 127.0.0.1 is contacted, every loop is bounded, and the server is stopped at the end. ``--root`` serves another
checkout's settings (``bench/compare.py`` uses it, so that a ref without this file gets the same floor).
"""

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGE = 20
STATE = {"json": False}  # the driver prints progress to stderr with --json
SQL = "SELECT id, name, amount, created_at FROM bench_floor WHERE id >= %s ORDER BY id LIMIT %s"


def floor_view(request):
    """One query, a JSON answer: the least a Django view over PostgreSQL does."""
    from django.db import connection
    from django.http import JsonResponse

    try:
        start = int(request.GET.get("from", "1"))
    except ValueError:
        start = 1
    with connection.cursor() as cur:
        cur.execute(SQL, [start, PAGE])
        rows = [{"id": i, "name": n, "amount": a, "created_at": c} for i, n, a, c in cur.fetchall()]
    return JsonResponse({"from": start, "rows": rows})


if __name__ != "__main__":  # imported by the server (and by Django in this process) as settings and URLconf
    from django.urls import path

    from linli.settings import *  # noqa: F403

    ROOT_URLCONF = __name__
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    DEBUG = False
    MIDDLEWARE = [  # Django's startproject stack
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    urlpatterns = [path("floor/", floor_view)]
    _wsgi = None

    def application(environ, start_response):
        """The WSGI entry point; Django is set up on the first request (this module is also its settings)."""
        global _wsgi
        if _wsgi is None:
            from django.core.wsgi import get_wsgi_application

            _wsgi = get_wsgi_application()
        return _wsgi(environ, start_response)


# --- the driver (``python bench/floor.py``) ------------------------------------------------------------


def log(*args):
    print(*args, file=sys.stderr if STATE["json"] else sys.stdout, flush=True)


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def admin(db_url: str):
    import psycopg

    return db_url.rsplit("/", 1)[1], psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def drop_database(db_url: str):
    name, conn = admin(db_url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_table(db_url: str, rows: int) -> float:
    import psycopg

    name, conn = admin(db_url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    t = time.perf_counter()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_floor (id bigint PRIMARY KEY, name text NOT NULL, amount integer NOT NULL, "
            "created_at timestamptz NOT NULL)"
        )
        conn.execute(
            """INSERT INTO bench_floor (id, name, amount, created_at)
               SELECT i, '住户 ' || i, (i::bigint * 7919) %% 100000, now() - (i %% 365) * interval '1 day'
               FROM generate_series(1, %s) AS i""",
            [rows],
        )
        conn.execute("VACUUM ANALYZE bench_floor")
    return time.perf_counter() - t


def table_rows(db_url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(db_url) as conn:
            return conn.execute("SELECT coalesce(max(id), 0) FROM bench_floor").fetchone()[0]
    except psycopg.Error:
        return 0


def queries_per_request(env: dict) -> int:
    """SQL statements of one request of the view, in-process (Django's test client)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get("/floor/?from=1")
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/floor/?from=5")
    assert r.status_code == 200 and r.json()["rows"], r.content[:300]
    connection.close()
    return len(ctx.captured_queries)


def start_gunicorn(port: int, env: dict, root: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "floor:application", "-w", "2", "--bind", f"127.0.0.1:{port}",
           "--log-level", "warning", "--pythonpath", str(HERE)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=root, env=env, start_new_session=True)
    for _ in range(150):
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited at start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/floor/?from=1")
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def drive(port: int, rows: int, seconds: float, concurrency: int, seed: int):
    """Requests from ``concurrency`` threads for ``seconds``; ([(code, ms)], wall seconds)."""
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    results: list[tuple[int, float]] = []
    top = max(1, rows - PAGE + 1)

    def worker(k):
        rnd = random.Random(seed * 1000 + k)
        while True:
            if time.perf_counter() > deadline:
                return
            t = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", f"/floor/?from={rnd.randint(1, top)}")
                resp = conn.getresponse()
                resp.read()
                code = resp.status
            except OSError:
                code = 0
            finally:
                conn.close()
            with lock:
                results.append((code, (time.perf_counter() - t) * 1000))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results, time.perf_counter() - t0


def proc_cpu(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, utime + stime, cutime + cstime) in seconds of a process, from /proc; None when it is gone.
    The last is the CPU of its children that have ended and been waited for: a gunicorn master's ended workers,
    the PostgreSQL postmaster's ended backends (a connection closed after CONN_MAX_AGE)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def backend_pids(db_url: str) -> set[int]:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchall()
    return {r[0] for r in rows}


def cpu_snapshot(server_pid: int, db_url: str) -> dict:
    """CPU seconds so far: web (gunicorn master and workers, ended workers included), PostgreSQL (all its processes,
    ended backends included / per live backend of this database), this process."""
    out = {"web": 0.0, "db_all": 0.0, "client": time.process_time(), "backends": {}}
    backends = backend_pids(db_url)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        got = proc_cpu(int(entry))
        if got is None:
            continue
        ppid, used, ended_children = got
        if int(entry) == server_pid:
            out["web"] += used + ended_children
            continue
        if ppid == server_pid:
            out["web"] += used
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm.startswith("postgres"):
            out["db_all"] += used + ended_children
            if int(entry) in backends:
                out["backends"][int(entry)] = used
    return out


def cpu_delta(before: dict, after: dict) -> dict:
    # Per backend of this database: one that appeared during the run counts in full; one that ended during it is
    # lost (a worker's connection lives CONN_MAX_AGE = 60 s, so a run longer than that loses some: read "db_all",
    # where the postmaster's ended children are counted).
    db = sum(used - before["backends"].get(pid, 0.0) for pid, used in after["backends"].items())
    return {"web": after["web"] - before["web"], "db_all": after["db_all"] - before["db_all"], "db": db,
            "client": after["client"] - before["client"]}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the table")
    parser.add_argument(
        "--db",
        default=os.environ.get("FLOOR_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_bench_floor"),
    )
    parser.add_argument("--port", type=int, default=8170)
    parser.add_argument("--concurrency", type=int, default=6, help="client threads (as bench/events.py)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the measurement")
    parser.add_argument("--warm", type=float, default=3.0, help="seconds of requests before measuring")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--root", default=str(HERE.parent), help="checkout whose settings are served")
    parser.add_argument("--reuse", action="store_true", help="use the table as it is when it has --rows rows")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--prepare", action="store_true", help="only build the table (kept), do not measure")
    parser.add_argument("--json", action="store_true", help="print one JSON object (progress to stderr)")
    args = parser.parse_args()
    STATE["json"] = args.json
    load = os.getloadavg()
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    var_dir = Path("/tmp/linli-bench-floor-var")
    var_dir.mkdir(exist_ok=True)
    log(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    try:
        if args.reuse and table_rows(args.db) == args.rows:
            log(f"table: {args.rows:,} rows reused")
            build_s = 0.0
        else:
            build_s = build_table(args.db, args.rows)
            log(f"table: {args.rows:,} rows built in {build_s:.1f}s")
        if args.prepare:
            return
        env = dict(os.environ, DATABASE_URL=args.db, LINLI_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="floor",
                   PYTHONPATH=os.pathsep.join([str(root), str(HERE)]))  # fmt: skip
        env.pop("LINLI_TESTING", None)
        queries = queries_per_request(env)
        log(f"queries: {queries} per request (in-process)")
        proc = start_gunicorn(args.port, env, root)
        try:
            drive(args.port, args.rows, args.warm, args.concurrency, args.seed + 1)
            before = cpu_snapshot(proc.pid, args.db)
            results, wall = drive(args.port, args.rows, args.seconds, args.concurrency, args.seed)
            cpu = cpu_delta(before, cpu_snapshot(proc.pid, args.db))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
    finally:
        if not (args.keep_db or args.prepare):
            drop_database(args.db)
    ok = [ms for code, ms in results if code == 200]
    n = len(results) or 1
    out = {
        "rows": args.rows, "concurrency": args.concurrency, "seconds": round(wall, 2),
        "requests": len(results), "failed": len(results) - len(ok), "queries_per_request": queries,
        "rate": round(len(ok) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(ok, 50), 2), "p95_ms": round(percentile(ok, 95), 2),
        "web_cpu_ms": round(cpu["web"] * 1000 / n, 3), "db_cpu_ms": round(cpu["db"] * 1000 / n, 3),
        "db_all_cpu_ms": round(cpu["db_all"] * 1000 / n, 3), "client_cpu_ms": round(cpu["client"] * 1000 / n, 3),
        "loadavg": [round(x, 2) for x in load], "cpus": os.cpu_count(), "build_s": round(build_s, 1),
    }  # fmt: skip
    if args.json:
        print(json.dumps(out))
        return
    failed = f", {out['failed']} failed" if out["failed"] else ""
    print(f"floor       : {len(ok)}/{len(results)} in {wall:.1f}s = {out['rate']:.0f} req/s "
          f"(p50 {out['p50_ms']:.1f} ms, p95 {out['p95_ms']:.1f} ms, {args.concurrency} clients"
          f"{failed})")  # fmt: skip
    print(f"              CPU per request: web workers {out['web_cpu_ms']:.2f} ms, PostgreSQL backends "
          f"{out['db_cpu_ms']:.2f} ms ({out['db_all_cpu_ms']:.2f} ms all its processes), load generator "
          f"{out['client_cpu_ms']:.2f} ms")  # fmt: skip
    if not args.keep_db:
        print(f"database {args.db.rsplit('/', 1)[1]} dropped")


if __name__ == "__main__":
    main()
