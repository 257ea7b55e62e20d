"""Benchmark of the event loop on PostgreSQL (a script, not a test).

    .venv/bin/python bench/events.py                      # 2,000,000 events, then measure, then drop the database
    .venv/bin/python bench/events.py --events 200000      # scaled down
    .venv/bin/python bench/events.py --reuse --keep-db    # measure again on the database left by --keep-db

Targets (issue): event creation through the API and through Open311 ``POST requests`` ≥ 150 requests/s each
(``gunicorn linli.wsgi -w 2`` sync workers), the dispatcher queue page of a community's staff p95 ≤ 100 ms,
classification ≤ 20 ms per text.

What it does:

1. creates the scratch database ``--db`` (dropped first), migrates, builds the test world (彩虹社区 with the
   ``staff``, ``resident``, ``leader`` … accounts) plus ``--communities`` synthetic communities under the same
   street, each with two grids (square boundaries), ten buildings per grid with a point, and one community staff
   account (the dispatcher who hears of new events);
2. loads ``--events`` events in batches of ``INSERT … SELECT generate_series`` with the secondary indexes of
   ``events_event`` dropped and rebuilt afterwards (then ``VACUUM ANALYZE``, as autovacuum would). Events are
   spread evenly over the grids (so 彩虹社区 holds about ``events / (communities + 1)``) and over the last year;
   the last 60 days hold every workflow state, older events are almost all final (结案/不予受理/合并);
3. counts the SQL queries of one create through the API and one through Open311 in-process;
4. starts ``gunicorn linli.wsgi -w 2`` on 127.0.0.1 and drives it from this process with ``--concurrency``
   client threads (a fresh connection per request, as sync workers close them): API creates (resident token;
   a third about the resident's flat, a third about a building, a third at a map point; half with a category,
   so duplicate detection runs) and Open311 creates (API key, a point inside a random grid, a service code,
   half with a phone), each after ``--warm`` seconds of the same requests (a worker in service has its
   per-process caches filled) and bounded by ``--creates`` requests and ``--seconds`` seconds, with the CPU time of
   the web workers, of PostgreSQL and of the load generator per request; then the pages;
5. times the classifier in-process, and drops the database unless ``--keep-db``.

Only 127.0.0.1 is ever contacted, every loop is bounded, and the server is stopped at the end.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-2026"
OPEN311_KEY = "bench-open311-key"
GRIDS_PER_COMMUNITY = 2
BUILDINGS_PER_GRID = 10
BATCH = 250_000


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def setup_django(db_url: str, var_dir: str):
    os.environ["DATABASE_URL"] = db_url
    os.environ["LINLI_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ["LINLI_DEMO"] = "1"
    os.environ.pop("LINLI_TESTING", None)
    import django

    django.setup()


def _admin(db_url: str):
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    return name, psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def recreate_database(db_url: str):
    name, conn = _admin(db_url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(db_url: str):
    name, conn = _admin(db_url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- building the data set ---------------------------------------------------------------------------


def build_places(n_communities: int):
    """The test world plus synthetic communities, grids, buildings and one dispatcher per community."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from linli.core import services as core_services
    from linli.core.models import Grant, Region, User
    from linli.core.roles import Role
    from linli.events.models import ApiKey
    from linli.housing.models import Building
    from linli.testing import build_world, levels, square

    call_command("migrate", verbosity=0)
    world = build_world()
    hashed = make_password(PASSWORD)
    User.objects.update(password=hashed, otp_exempt=True)
    lv = levels()
    t = time.perf_counter()
    grids = [world.grid_a, world.grid_b, world.grid_c]
    staff = []
    for c in range(n_communities):
        community = core_services.region_create(
            actor=None, name=f"基准社区{c:03d}", level=lv["community"], parent=world.street
        )
        lng0, lat0 = 106.0 + (c % 20) * 0.01, 26.0 + (c // 20) * 0.01
        for g in range(GRIDS_PER_COMMUNITY):
            grids.append(core_services.region_create(
                actor=None, name=f"基准社区{c:03d}第{g + 1}网格", level=lv["grid"], parent=community,
                boundary=square(lng0 + g * 0.0045, lat0)))  # fmt: skip
        staff.append((community, User(username=f"bench_staff_{c:03d}", full_name=f"基准社区{c:03d}工作人员",
                                      password=hashed, otp_exempt=True)))  # fmt: skip
    User.objects.bulk_create([u for _, u in staff])
    Grant.objects.bulk_create([Grant(user=u, role=Role.COMMUNITY_STAFF, region=r) for r, u in staff])
    buildings = []
    for grid in grids[3:]:
        lng, lat = grid.boundary[0]
        for b in range(BUILDINGS_PER_GRID):
            buildings.append(Building(name=f"{b + 1}栋", number=str(b + 1), grid=grid, region_path=grid.path,
                                      lat=round(lat + 0.0004 + (b // 5) * 0.0015, 6),
                                      lng=round(lng + 0.0004 + (b % 5) * 0.0007, 6)))  # fmt: skip
    Building.objects.bulk_create(buildings)
    bench_key = ApiKey(name="基准 Open311 客户端", region=world.community)
    bench_key.set_key(OPEN311_KEY)
    bench_key.save()
    print(f"places: {Region.objects.count()} regions, {len(grids)} grids, {Building.objects.count()} buildings "
          f"({time.perf_counter() - t:.1f}s)")  # fmt: skip
    return world, grids


def _event_defaults(explicit: set[str]) -> tuple[list[str], list[str], list]:
    """Columns and SQL values for every Event column the loader does not set itself (its model default)."""
    from django.db import connection

    from linli.events.models import Event

    columns, values, params = [], [], []
    for field in Event._meta.concrete_fields:
        if field.primary_key or field.column in explicit:
            continue
        columns.append(field.column)
        if field.null:
            values.append("NULL")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection=connection))
    return columns, values, params


LOAD_SQL = """
INSERT INTO events_event ({columns})
SELECT {values}
FROM (
    SELECT i, r, gi, bi, age,
        now() - age * interval '1 day' AS ts,
        CASE WHEN age < 60 THEN
            CASE WHEN r < 0.08 THEN 'pending' WHEN r < 0.14 THEN 'accepted' WHEN r < 0.24 THEN 'dispatched'
                 WHEN r < 0.36 THEN 'processing' WHEN r < 0.38 THEN 'suspended' WHEN r < 0.43 THEN 'resolved'
                 WHEN r < 0.50 THEN 'verified' WHEN r < 0.95 THEN 'closed' WHEN r < 0.98 THEN 'rejected'
                 ELSE 'merged' END
        ELSE
            CASE WHEN r < 0.94 THEN 'closed' WHEN r < 0.97 THEN 'rejected' WHEN r < 0.99 THEN 'merged'
                 ELSE 'processing' END
        END AS st
    FROM (
        SELECT i, random() AS r, random() * 365 AS age,
            1 + ((i::bigint * 2654435761) %% %(ng)s)::int AS gi,
            ((i::bigint * 40503) %% %(nb)s)::int AS bi
        FROM generate_series(%(lo)s, %(hi)s) AS i
    ) AS raw
) AS s
"""

EXPLICIT = {
    "number": "'BN' || lpad(i::text, 10, '0')",
    "channel": "(ARRAY['app','12345','phone','patrol','walk_in','12319','open311'])[1 + (i %% 7)]",
    "category_id": "(%(cats)s::bigint[])[1 + ((i * 13) %% %(ncat)s)]",
    "title": "'基准事件 ' || i",
    "description": "'楼下垃圾没人清运，第 ' || i || ' 件'",
    "region_id": "(%(gids)s::bigint[])[gi]",
    "region_path": "(%(gpaths)s::text[])[gi]",
    "building_id": "CASE WHEN bi < %(nbper)s AND gi > 3 THEN (%(bids)s::bigint[])[(gi - 4) * %(nbper)s + bi + 1] END",
    "status": "st",
    "emergency": "(i %% 97 = 0)",
    "handler_kind": "CASE WHEN st IN ('pending', 'accepted', 'rejected', 'merged') THEN '' ELSE 'grid' END",
    "created_at": "ts",
    "updated_at": "ts + interval '1 hour'",
    "accepted_at": "CASE WHEN st NOT IN ('pending', 'rejected') THEN ts + interval '1 hour' END",
    "dispatched_at": "CASE WHEN st NOT IN ('pending', 'accepted', 'rejected', 'merged') THEN ts + interval '2 hours' END",
    "resolved_at": "CASE WHEN st IN ('resolved', 'verified', 'closed') THEN ts + interval '20 hours' END",
    "verified_at": "CASE WHEN st IN ('verified', 'closed') THEN ts + interval '26 hours' END",
    "closed_at": "CASE WHEN st IN ('closed', 'rejected', 'merged') THEN ts + interval '2 days' END",
    "due_at": "CASE WHEN st NOT IN ('pending', 'rejected', 'merged') THEN ts + interval '3 days' END",
    "warn_at": "CASE WHEN st NOT IN ('pending', 'rejected', 'merged') THEN ts + interval '58 hours' END",
    "suspended_from": "CASE WHEN st = 'suspended' THEN 'processing' ELSE '' END",
    "suspended_at": "CASE WHEN st = 'suspended' THEN ts + interval '1 day' END",
}


def load_events(n_events: int, grids) -> None:
    """N events by INSERT … SELECT in batches, with the secondary indexes rebuilt once at the end."""
    from django.db import connection

    from linli.events.models import Category
    from linli.housing.models import Building

    cats = list(Category.objects.filter(parent__isnull=False).order_by("code").values_list("pk", flat=True))
    bench_grids = grids[3:]
    bids = dict(((b.grid_id, b.number), b.pk) for b in Building.objects.filter(grid__in=bench_grids))
    building_ids = [bids[(g.pk, str(k + 1))] for g in bench_grids for k in range(BUILDINGS_PER_GRID)]
    columns, values, default_params = _event_defaults(set(EXPLICIT))
    all_columns = list(EXPLICIT) + columns
    sql = LOAD_SQL.format(columns=", ".join(all_columns), values=", ".join(list(EXPLICIT.values()) + values))
    params = {"cats": cats, "ncat": len(cats), "gids": [g.pk for g in grids], "gpaths": [g.path for g in grids],
              "ng": len(grids), "bids": building_ids, "nb": BUILDINGS_PER_GRID * 2, "nbper": BUILDINGS_PER_GRID}  # fmt: skip
    # The defaults are positional (%s) and the rest named: turn the defaults into named parameters too.
    for k, value in enumerate(default_params):
        sql = sql.replace("%s", f"%(d{k})s", 1)
        params[f"d{k}"] = value
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute(
            """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events_event'
               AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'events_event'::regclass)"""
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        done = 0
        while done < n_events:
            hi = min(n_events, done + BATCH)
            cur.execute(sql, {**params, "lo": done + 1, "hi": hi})
            done = hi
            print(f"  events: {done:,} ({time.perf_counter() - t:.0f}s)", flush=True)
        t2 = time.perf_counter()
        for _, definition in indexes:
            cur.execute(definition)
        print(f"  {len(indexes)} secondary indexes rebuilt ({time.perf_counter() - t2:.0f}s)")
        cur.execute("VACUUM ANALYZE events_event")
        cur.execute("ANALYZE")
    print(f"events: {n_events:,} loaded ({time.perf_counter() - t:.1f}s)")


# --- measuring ---------------------------------------------------------------------------------------------


def queries_per_create(house_id: int, token: str, grids) -> dict[str, int]:
    """SQL statements of one create through the API and one through Open311 (in-process, test client)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    out = {}
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    for i in range(3):  # warm the process caches, as a long-running worker has them
        api.post("/api/v1/events/", {"text": f"预热{i}", "house": house_id, "category": "0201"},
                 content_type="application/json")  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        r = api.post("/api/v1/events/", {"text": "楼道灯坏了一周", "category": "0301", "house": house_id},
                     content_type="application/json")  # fmt: skip
    assert r.status_code == 201, r.content[:300]
    out["api"] = len(ctx.captured_queries)
    lng, lat = grids[5].boundary[0]
    form = {"api_key": OPEN311_KEY, "service_code": "0201", "lat": f"{lat + 0.001:.6f}", "long": f"{lng + 0.001:.6f}",
            "description": "路边垃圾没人清运", "phone": "13800138000"}  # fmt: skip
    Client().post("/open311/v2/requests.json", {**form, "description": "预热"})
    with CaptureQueriesContext(connection) as ctx:
        r = Client().post("/open311/v2/requests.json", form)
    assert r.status_code == 200, r.content[:300]
    out["open311"] = len(ctx.captured_queries)
    connection.close()
    return out


def start_gunicorn(port: int, env: dict) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "linli.wsgi", "-w", "2", "--bind", f"127.0.0.1:{port}",
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def drive(port: int, make_request, total: int, seconds: float, concurrency: int):
    """``total`` requests from ``concurrency`` threads, stopping early after ``seconds``; (codes, ms, wall)."""
    lock = threading.Lock()
    state = {"next": 0}
    deadline = time.perf_counter() + seconds
    results: list[tuple[int, float]] = []

    def worker():
        while True:
            with lock:
                i = state["next"]
                if i >= total or time.perf_counter() > deadline:
                    return
                state["next"] = i + 1
            method, path, body, headers = make_request(i)
            t = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request(method, path, body=body, headers=headers)
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
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results, time.perf_counter() - t0


TEXTS = ["楼道灯坏了一周", "楼下垃圾没人清运，味道很大", "电动车在楼道飞线充电", "小区门口井盖松动很危险",
         "楼上装修噪音太大", "路灯不亮晚上很黑", "下水道堵了污水外溢", "小区里有人占道经营"]  # fmt: skip


def api_request(token: str, house_id: int, buildings: list[int], points: list[tuple[float, float]], codes: list[str]):
    """A resident reporting: a third about their own flat, a third about a building, a third at a map point."""

    def make(i):
        body = {"text": f"{TEXTS[i % len(TEXTS)]}（第{i}次反映）"}
        where = i % 3
        if where == 0:
            body["house"] = house_id
        elif where == 1:
            body["building"] = buildings[(i * 7919) % len(buildings)]
        else:
            lng, lat = points[(i * 104729) % len(points)]
            body["lat"], body["lng"] = f"{lat:.6f}", f"{lng:.6f}"
        if i % 2:
            body["category"] = codes[i % len(codes)]
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        return "POST", "/api/v1/events/", data, headers

    return make


def open311_request(points: list[tuple[float, float]], codes: list[str]):
    def make(i):
        lng, lat = points[(i * 7919) % len(points)]
        form = {"api_key": OPEN311_KEY, "service_code": codes[(i * 31) % len(codes)], "lat": f"{lat:.6f}",
                "long": f"{lng:.6f}", "description": f"{TEXTS[(i * 3) % len(TEXTS)]}（Open311 第{i}件）",
                "first_name": "明", "last_name": "李"}  # fmt: skip
        if i % 2:
            form["phone"] = f"139{i % 100000000:08d}"
        data = urllib.parse.urlencode(form).encode()
        return "POST", "/open311/v2/requests.json", data, {"Content-Type": "application/x-www-form-urlencoded"}

    return make


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU time used so far by the web workers, by PostgreSQL's processes and by this process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"web": 0.0, "db": 0.0, "client": time.process_time()}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        ppid, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if int(entry) == server_pid or ppid == server_pid:
            out["web"] += used
        elif comm.startswith("postgres"):
            out["db"] += used
    return out


def report_creates(label: str, results, wall: float, ok_codes: tuple[int, ...], concurrency: int, cpu=None) -> dict:
    ok = [ms for code, ms in results if code in ok_codes]
    bad = len(results) - len(ok)
    rate = len(ok) / wall if wall else 0.0
    print(f"{label}: {len(ok)}/{len(results)} created in {wall:.1f}s = {rate:.0f} req/s "
          f"(p50 {percentile(ok, 50):.0f} ms, p95 {percentile(ok, 95):.0f} ms, {concurrency} clients"
          f"{f', {bad} failed' if bad else ''})")  # fmt: skip
    if cpu and results:
        per = {k: v * 1000 / len(results) for k, v in cpu.items()}
        print(f"              CPU per request: web workers {per['web']:.1f} ms, PostgreSQL {per['db']:.1f} ms "
              f"(all its processes), load generator {per['client']:.1f} ms")  # fmt: skip
    return {"rate": rate, "p50": percentile(ok, 50), "p95": percentile(ok, 95), "failed": bad}


def measured_drive(port: int, pid: int, make, total: int, seconds: float, concurrency: int):
    before = cpu_seconds(pid)
    results, wall = drive(port, make, total, seconds, concurrency)
    after = cpu_seconds(pid)
    return results, wall, {k: after[k] - before[k] for k in before}


class Session:
    """A logged-in browser session over plain http.client (cookies kept by hand)."""

    def __init__(self, port: int, username: str):
        self.port, self.cookies = port, {}
        page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
        self.request("POST", "/accounts/login/", body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                                                   "Referer": f"http://127.0.0.1:{port}/accounts/login/"})  # fmt: skip
        if "sessionid" not in self.cookies:
            raise SystemExit(f"login failed for {username}")

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            for key, value in resp.getheaders():
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            if resp.status >= 400:
                raise SystemExit(f"{path}: HTTP {resp.status}")
            return text
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)


def time_pages(session: Session, path: str, n: int) -> list[float]:
    session.get(path)  # warm
    out = []
    for _ in range(n):
        t = time.perf_counter()
        session.get(path)
        out.append((time.perf_counter() - t) * 1000)
    return out


def bench_classify(n: int):
    try:
        from linli.events.classifier import suggest
    except ImportError:
        return None
    texts = ["电动车在楼道里飞线充电", "楼下垃圾三天没人清运了味道很大", "小区门口井盖缺了一块很危险", "楼上每天晚上装修噪音",
             "独居老人两天没出门了", "电梯困人了快来", "路灯坏了晚上很黑", "油烟直排到我家窗户"]  # fmt: skip
    suggest(texts[0])  # load the model
    out = []
    for i in range(n):
        t = time.perf_counter()
        suggest(texts[i % len(texts)] + ("！" * (i % 3)))
        out.append((time.perf_counter() - t) * 1000)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument(
        "--db", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_perf_bench")
    )
    parser.add_argument("--port", type=int, default=8161)
    parser.add_argument("--creates", type=int, default=6000, help="requests per create phase (upper bound)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time bound of each create phase")
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--warm", type=float, default=4.0, help="seconds of requests before each create phase")
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="reuse the database as it is (skip building)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--no-counters",
        action="store_true",
        help="build without recounting the event counters (the queue and list counts read them)",
    )
    parser.add_argument("--skip-creates", action="store_true")
    args = parser.parse_args()
    var_dir = "/tmp/linli-bench-events-var"
    Path(var_dir).mkdir(exist_ok=True)
    if not args.reuse:
        recreate_database(args.db)
    setup_django(args.db, var_dir)
    from django.db import connection
    from knox.models import AuthToken

    from linli.core.models import Region, User
    from linli.events.models import Category, Event
    from linli.events.open311.views import PRIVATE_CODES
    from linli.housing.models import Building, House

    if args.reuse:
        grids = list(Region.objects.filter(level__code="grid", boundary__isnull=False).order_by("path"))
    else:
        t = time.perf_counter()
        _, grids = build_places(args.communities)
        load_events(args.events, grids)
        print(f"build: {time.perf_counter() - t:.0f}s")
        if not args.no_counters:
            from linli.core import tallies

            t = time.perf_counter()
            tallies.recount("event")  # as after any bulk load: the queue's state counts and the list's count read them
            tallies.analyse()
            print(f"counters: recounted ({time.perf_counter() - t:.0f}s)")
    n = Event.objects.count()
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
    print(f"\n== {n:,} events in the database ({len(grids)} grids) ==")
    qpc = queries_per_create(house.pk, token, grids)
    print(f"queries     : {qpc['api']} per create through the API, {qpc['open311']} through Open311 (in-process, "
          f"counting BEGIN/COMMIT/SAVEPOINT)")  # fmt: skip
    # The load comes from one address: lift the per-address Open311 limits for the measurement.
    env = dict(os.environ, DATABASE_URL=args.db, LINLI_VAR_DIR=var_dir, LINLI_DEMO="1",
               LINLI_OPEN311_READ_RATE="1000000/s", LINLI_OPEN311_WRITE_RATE="1000000/s")  # fmt: skip
    env.pop("LINLI_TESTING", None)
    proc = start_gunicorn(args.port, env)
    try:
        if not args.skip_creates:
            make = api_request(token, house.pk, buildings, points, codes)
            drive(args.port, make, 600, args.warm, args.concurrency)  # warm both workers' caches, as in service
            res, wall, cpu = measured_drive(args.port, proc.pid, make, args.creates, args.seconds, args.concurrency)
            report_creates("API create  ", res, wall, (201,), args.concurrency, cpu)
            make = open311_request(points, codes)
            drive(args.port, make, 600, args.warm, args.concurrency)  # warm both workers' caches, as in service
            res, wall, cpu = measured_drive(args.port, proc.pid, make, args.creates, args.seconds, args.concurrency)
            report_creates("Open311     ", res, wall, (200,), args.concurrency, cpu)
        staff = Session(args.port, "staff")
        q = time_pages(staff, "/console/events/queue/", args.pages)
        print(f"queue page  : community staff p50 {percentile(q, 50):.0f} ms, p95 {percentile(q, 95):.0f} ms "
              f"(n={len(q)})")  # fmt: skip
        q2 = time_pages(staff, "/console/events/queue/?status=closed", max(20, args.pages // 3))
        print(f"queue closed: community staff p50 {percentile(q2, 50):.0f} ms, p95 {percentile(q2, 95):.0f} ms")
        street = Session(args.port, "street")
        q4 = time_pages(street, "/console/events/queue/", max(20, args.pages // 3))
        print(f"queue street: street staff (whole street) p50 {percentile(q4, 50):.0f} ms, "
              f"p95 {percentile(q4, 95):.0f} ms")  # fmt: skip
        leader = Session(args.port, "leader")
        q3 = time_pages(leader, "/console/events/", max(20, args.pages // 3))
        print(f"all events  : district leader p50 {percentile(q3, 50):.0f} ms, p95 {percentile(q3, 95):.0f} ms")
        api = time_pages(leader, "/api/v1/events/", max(20, args.pages // 3))
        print(f"API list    : district leader p50 {percentile(api, 50):.0f} ms, p95 {percentile(api, 95):.0f} ms")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    c = bench_classify(500)
    if c is None:
        print("classify    : linli.events.classifier not installed")
    else:
        print(f"classify    : mean {statistics.mean(c):.1f} ms, p50 {percentile(c, 50):.1f} ms, "
              f"p95 {percentile(c, 95):.1f} ms per text (n={len(c)})")  # fmt: skip
    connection.close()
    if not args.keep_db:
        drop_database(args.db)
        print(f"database {args.db.rsplit('/', 1)[1]} dropped")


if __name__ == "__main__":
    main()
