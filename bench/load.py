"""Mixed traffic and the full-scale read paths on the city (a script, not a test).

    .venv/bin/python bench/city.py build                  # once: the city (1,000,000 persons, 2,000,000 events)
    .venv/bin/python bench/load.py                        # 3 runs: floor, locust 60 s, read paths; medians
    .venv/bin/python bench/load.py --runs 1 --seconds 20  # a quick look

Each run, in this order, on this machine and in the same window:

1. the load average (1/5/15 min) before the run;
2. the floor — ``bench/floor.py`` (one-query JSON view over 1,000,000 rows, ``gunicorn -w 2``, 6 clients), its table
   kept in ``linli_city_floor`` between runs;
3. ``gunicorn linli.wsgi -w 2`` (sync workers) on the city database, then locust headless for ``--seconds``
   (``bench/locustfile.py``: residents reporting, grid workers on tasks, dispatchers on the queue and the search,
   leaders on statistics) with ``--users`` simulated users: rate, p50/p95 and errors per request kind, and the CPU
   milliseconds per request of the two web workers and of the city database's PostgreSQL backends;
4. the read paths at full scale, one client after the locust run (the server is quiet): the dispatcher queue of
   彩虹社区's staff and of another community's, the queue of the whole street (新安街道, all 2,000,000 events), the
   district leader's ``GET /api/v1/events/``, and the person search of 彩虹社区's staff (1,000,000 persons) by name,
   pinyin initials, ID number, phone (last four digits) and address. Each p95 is also given scaled to a day when
   the floor serves 2,000 req/s (``p95 × floor rate / 2000``), the scale of the issue's goals.

Then the median of the runs for every figure, printed and written to ``--out`` (JSON). Only 127.0.0.1 is contacted,
every loop is bounded, and every server started here is stopped.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import city  # noqa: E402
import events as events_bench  # noqa: E402

FLOOR_TARGET = 2000.0  # req/s: the goals are for a day when the floor serves about this
GOALS = {"dispatcher queue (彩虹社区 staff)": 40, "whole street queue": 80, "district API list": 60}
SEARCH_GOAL = 30


def log(msg: str) -> None:
    print(msg, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- the accounts file the locustfile reads -------------------------------------------------------------------


def write_accounts(path: Path, samples: int, seed: int) -> dict:
    from knox.models import AuthToken

    from linli.core import crypto
    from linli.core.models import Grant, Region, User
    from linli.core.roles import Role
    from linli.events.models import Category, Event
    from linli.events.open311.views import PRIVATE_CODES
    from linli.housing.models import Building, House
    from linli.people.models import Person

    rng = random.Random(seed)
    residents = []  # each self-service account with its own flat (a report "about my flat" names it)
    for username in ("resident", "member", "volunteer"):
        user = User.objects.get(username=username)
        house = House.objects.filter(residencies__person__user=user).first()
        for _ in range(2):
            token = AuthToken.objects.create(user=user, expiry=dt.timedelta(hours=8))[1]
            residents.append({"token": token, "house": house.pk if house else None})
    main = city.main_community()
    buildings = list(Building.objects.filter(region_path__startswith=main.path).values_list("pk", flat=True)[:2000])
    points = []
    for boundary in Region.objects.filter(path__startswith=main.path, level__code="grid").values_list(
        "boundary", flat=True
    )[:300]:
        if boundary:
            xs, ys = [p[0] for p in boundary], [p[1] for p in boundary]
            points.append((sum(xs) / len(xs), sum(ys) / len(ys)))
    codes = [c for c in Category.objects.filter(parent__isnull=False, active=True).values_list("code", flat=True)
             if c not in PRIVATE_CODES]  # fmt: skip
    dispatchers = ["staff", *sorted(Grant.objects.filter(user__username__startswith="city_staff_",
                                                         role=Role.COMMUNITY_STAFF).values_list("user__username",
                                                                                                flat=True))[:20]]  # fmt: skip
    grid_events = {}  # the events of each grid worker's own grid
    for username in ("grid1", "grid2"):
        grid_events[username] = [pk for g in User.objects.get(username=username).active_grants()
                                 for pk in Event.objects.filter(region_path__startswith=g.region.path)
                                 .order_by("-pk").values_list("pk", flat=True)[:100]] or [1]  # fmt: skip
    # Person search: samples as bench/search.py takes them (random persons and flats of 彩虹社区).
    max_pk = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    persons = []
    while len(persons) < samples:
        p = Person.objects.filter(pk__gte=rng.randint(1, max_pk)).order_by("pk").first()
        if p is not None:
            persons.append(p)
    max_house = House.objects.order_by("-pk").values_list("pk", flat=True).first()
    houses = []
    while len(houses) < samples:
        h = House.objects.filter(pk__gte=rng.randint(1, max_house)).select_related("building", "unit").first()
        if h is not None and h.unit_id:
            houses.append(h)
    search = {
        "name": [p.name for p in persons],
        "pinyin initials": [p.name_initials for p in persons if p.name_initials],
        "ID number": [crypto.decrypt(p.id_number_enc) for p in persons],
        "phone last 4": [p.phone_last4 for p in persons if p.phone_last4],
        "address": [f"{h.building.number}-{h.unit.number}-{h.number}" for h in houses],
    }
    data = {"password": city.PASSWORD, "residents": residents, "buildings": buildings, "points": points,
            "codes": codes, "dispatchers": dispatchers, "grid_workers": ["grid1", "grid2"],
            "leaders": ["leader", "street"], "grid_events": grid_events, "search": search}  # fmt: skip
    path.write_text(json.dumps(data, ensure_ascii=False))
    os.chmod(path, 0o600)
    return data


# --- one run -----------------------------------------------------------------------------------------------


def run_floor(args) -> dict:
    cmd = [sys.executable, str(HERE / "floor.py"), "--json", "--db", args.floor_db, "--port", str(args.port + 1),
           "--reuse", "--keep-db", "--seconds", str(args.floor_seconds), "--rows", str(args.floor_rows)]  # fmt: skip
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def server_env(args) -> dict:
    env = city.django_env(args.db, Path(args.var_dir))
    env.update(LINLI_OPEN311_READ_RATE="1000000/s", LINLI_OPEN311_WRITE_RATE="1000000/s",
               LINLI_EXACT_SEARCH_LIMIT="1000000")  # fmt: skip
    return env


def run_locust(args, accounts_path: Path, server_pid: int, tag: str) -> dict:
    import floor as floor_bench  # bench/floor.py: imported once Django is set up (it reads the settings)

    prefix = Path(args.var_dir) / f"locust-{tag}"
    env = dict(os.environ, LINLI_CITY_LOAD_JSON=str(accounts_path))
    cmd = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(args.users),
           "-r", str(args.users), "-t", f"{int(args.seconds)}s", "--host", f"http://127.0.0.1:{args.port}",
           "--csv", str(prefix), "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]  # fmt: skip
    before = floor_bench.cpu_snapshot(server_pid, args.db)
    locust = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)  # fmt: skip
    try:
        _, err = locust.communicate(timeout=args.seconds + 120)
    except subprocess.TimeoutExpired:
        os.killpg(locust.pid, signal.SIGTERM)
        _, err = locust.communicate(timeout=30)
    after = floor_bench.cpu_snapshot(server_pid, args.db)
    locust_cpu = None  # the load generator's CPU is its own process (not this one): read from the CSV's wall rate
    kinds, total = {}, None
    if not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit(f"locust failed:\n{err[-3000:]}")
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            item = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                    "rate": float(row["Requests/s"]), "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0)}  # fmt: skip
            if row["Name"] == "Aggregated":
                total = item
            else:
                kinds[row["Name"]] = item
    errors = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", newline="") as f:
            errors = [{"name": r["Name"], "error": r["Error"][:200], "count": int(r["Occurrences"])}
                      for r in csv.DictReader(f)]  # fmt: skip
    cpu = floor_bench.cpu_delta(before, after)
    n = max(1, total["requests"])
    return {"kinds": kinds, "total": total, "errors": errors, "locust_stderr": err[-2000:] if locust.returncode else "",
            "web_cpu_ms": cpu["web"] * 1000 / n, "db_cpu_ms": cpu["db"] * 1000 / n,
            "db_all_cpu_ms": cpu["db_all"] * 1000 / n, "client": locust_cpu}  # fmt: skip


def time_paths(args, accounts: dict) -> dict:
    events_bench.PASSWORD = accounts["password"]
    n = args.pages
    out = {}
    staff = events_bench.Session(args.port, "staff")
    out["dispatcher queue (彩虹社区 staff)"] = events_bench.time_pages(staff, "/console/events/queue/", n)
    other = events_bench.Session(args.port, accounts["dispatchers"][-1])
    out["dispatcher queue (another community)"] = events_bench.time_pages(other, "/console/events/queue/", n)
    street = events_bench.Session(args.port, "street")
    out["whole street queue"] = events_bench.time_pages(street, "/console/events/queue/", n)
    leader = events_bench.Session(args.port, "leader")
    out["district API list"] = events_bench.time_pages(leader, "/api/v1/events/", n)
    for kind, queries in accounts["search"].items():
        times = []
        for q in queries[: args.searches]:
            from urllib.parse import quote

            t = time.perf_counter()
            staff.get(f"/console/search/?q={quote(q)}")
            times.append((time.perf_counter() - t) * 1000)
        out[f"person search: {kind}"] = times
    return {k: {"n": len(v), "p50": events_bench.percentile(v, 50), "p95": events_bench.percentile(v, 95)}
            for k, v in out.items()}  # fmt: skip


def one_run(args, k: int, accounts_path: Path, accounts: dict) -> dict:
    load = loadavg()
    log(f"\n== run {k + 1}/{args.runs} — load average before: {load[0]} {load[1]} {load[2]} ({os.cpu_count()} CPUs)")
    fl = run_floor(args)
    log(f"floor        : {fl['rate']:.0f} req/s (p50 {fl['p50_ms']:.1f} ms, p95 {fl['p95_ms']:.1f} ms), CPU per "
        f"request web {fl['web_cpu_ms']:.2f} ms, PostgreSQL {fl['db_cpu_ms']:.2f} ms")  # fmt: skip
    proc = events_bench.start_gunicorn(args.port, server_env(args))
    try:
        # warm both workers (per-process caches), as a server in service has them
        events_bench.drive(args.port, lambda i: ("GET", "/accounts/login/", None, {}), 40, 5, 4)
        lo = run_locust(args, accounts_path, proc.pid, f"run{k + 1}")
        paths = time_paths(args, accounts) if args.pages else {}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    report_run(lo, paths, fl)
    return {"loadavg": load, "floor": fl, "locust": lo, "paths": paths}


def ratio(rate: float, fl: dict) -> str:
    return f"{100 * rate / fl['rate']:.1f} % of the floor" if fl.get("rate") else ""


def report_run(lo: dict, paths: dict, fl: dict) -> None:
    t = lo["total"]
    log(f"locust total : {t['rate']:.1f} req/s ({ratio(t['rate'], fl)}), p50 {t['p50']:.0f} ms, p95 {t['p95']:.0f} "
        f"ms, {t['requests']} requests, {t['failures']} failed")  # fmt: skip
    log(f"               CPU per request: web workers {lo['web_cpu_ms']:.1f} ms, PostgreSQL {lo['db_all_cpu_ms']:.1f} ms "
        f"(all its processes, ended backends included; {lo['db_cpu_ms']:.1f} ms in the city's live backends)")  # fmt: skip
    for name, k in sorted(lo["kinds"].items()):
        log(f"  {name:<30} {k['rate']:>7.1f} req/s  p50 {k['p50']:>5.0f} ms  p95 {k['p95']:>5.0f} ms  "
            f"{k['requests']:>6} req  {k['failures']} failed")  # fmt: skip
    for e in lo["errors"]:
        log(f"  error: {e['name']}: {e['error']} ×{e['count']}")
    scale = fl["rate"] / FLOOR_TARGET if fl.get("rate") else 1.0
    for name, p in paths.items():
        log(f"  {name:<38} p50 {p['p50']:>6.1f} ms  p95 {p['p95']:>6.1f} ms  (at a 2,000 req/s floor: "
            f"p95 {p['p95'] * scale:.1f} ms, n={p['n']})")  # fmt: skip


def median_of(runs: list[dict]) -> dict:
    med = statistics.median
    out = {"runs": len(runs), "loadavg": [r["loadavg"] for r in runs],
           "floor_rate": med(r["floor"]["rate"] for r in runs),
           "locust_rate": med(r["locust"]["total"]["rate"] for r in runs),
           "locust_p50": med(r["locust"]["total"]["p50"] for r in runs),
           "locust_p95": med(r["locust"]["total"]["p95"] for r in runs),
           "failures": [r["locust"]["total"]["failures"] for r in runs],
           "web_cpu_ms": med(r["locust"]["web_cpu_ms"] for r in runs),
           "db_all_cpu_ms": med(r["locust"]["db_all_cpu_ms"] for r in runs),  # ended backends included (floor.py)
           "floor_ratio": med(r["locust"]["total"]["rate"] / r["floor"]["rate"] for r in runs),
           "kinds": {}, "paths": {}}  # fmt: skip
    for name in runs[0]["locust"]["kinds"]:
        have = [r["locust"]["kinds"][name] for r in runs if name in r["locust"]["kinds"]]
        out["kinds"][name] = {k: med(h[k] for h in have) for k in ("rate", "p50", "p95")}
        out["kinds"][name]["failures"] = sum(h["failures"] for h in have)
    for name in runs[0]["paths"]:
        p95 = [r["paths"][name]["p95"] for r in runs]
        scaled = [r["paths"][name]["p95"] * r["floor"]["rate"] / FLOOR_TARGET for r in runs]
        out["paths"][name] = {"p50": med(r["paths"][name]["p50"] for r in runs), "p95": med(p95),
                              "p95_at_2000": med(scaled)}  # fmt: skip
    return out


def report_median(m: dict) -> None:
    log(f"\n== median of {m['runs']} runs (load averages before: {m['loadavg']}) ==")
    log(f"floor        : {m['floor_rate']:.0f} req/s")
    log(f"locust total : {m['locust_rate']:.1f} req/s = {100 * m['floor_ratio']:.1f} % of the floor, p50 "
        f"{m['locust_p50']:.0f} ms, p95 {m['locust_p95']:.0f} ms, failures per run {m['failures']}")  # fmt: skip
    log(
        f"CPU/request  : web workers {m['web_cpu_ms']:.1f} ms, PostgreSQL {m['db_all_cpu_ms']:.1f} ms (all its processes)"
    )
    log(f"\n{'request kind':<32} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'failed':>7}")
    for name, k in sorted(m["kinds"].items()):
        log(f"{name:<32} {k['rate']:>7.1f} {k['p50']:>7.0f} {k['p95']:>7.0f} {k['failures']:>7}")
    if m["paths"]:
        log(f"\n{'read path (one client)':<40} {'p50 ms':>7} {'p95 ms':>7} {'p95 @2000':>10} {'goal':>6}")
        for name, p in m["paths"].items():
            goal = GOALS.get(name) or (SEARCH_GOAL if name.startswith("person search") else None)
            log(f"{name:<40} {p['p50']:>7.1f} {p['p95']:>7.1f} {p['p95_at_2000']:>10.1f} {goal or '':>6}")


def sql_profile(accounts: dict) -> None:
    """Each request kind once, in-process (test client): SQL statements, their time, and the slowest one."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from linli.core.models import User

    settings.ALLOWED_HOSTS = ["*"]
    q = accounts["search"]["name"][0]
    kinds = [
        ("dispatcher: queue", "staff", "/console/events/queue/"),
        ("dispatcher: person search", "staff", f"/console/search/?q={q}"),
        ("grid worker: tasks", "grid1", "/console/events/tasks/"),
        ("grid worker: workbench", "grid1", "/console/m/"),
        ("grid worker: event", "grid1", f"/console/events/{accounts['grid_events']['grid1'][0]}/"),
        ("grid worker: persons", "grid1", "/console/people/persons/"),
        ("leader: statistics", "leader", "/console/events/stats/"),
        ("leader: console home", "leader", "/console/"),
        ("leader: API event list", "leader", "/api/v1/events/"),
        ("resident: my events", "resident", "/api/v1/events/"),
    ]
    log(f"\n{'request kind (in-process, warm)':<32} {'ms':>7} {'SQL':>4} {'SQL ms':>7}  slowest statement")
    for name, username, path in kinds:
        client = Client()
        client.force_login(User.objects.get(username=username), backend="linli.core.auth.UsernameOrPhoneBackend")
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            r = client.get(path)
            ms = (time.perf_counter() - t) * 1000
        times = [(float(x["time"]) * 1000, x["sql"]) for x in ctx.captured_queries]
        worst = max(times, default=(0.0, ""))
        log(f"{name:<32} {ms:>7.0f} {len(times):>4} {sum(t for t, _ in times):>7.0f}  {worst[0]:.0f} ms: "
            f"{worst[1][:160]} (HTTP {r.status_code})")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=city.DEFAULT_DB)
    parser.add_argument("--var-dir", default=city.DEFAULT_VAR)
    parser.add_argument("--floor-db", default="postgres://postgres@127.0.0.1:5432/linli_city_floor")
    parser.add_argument("--port", type=int, default=8197, help="the app; the floor uses the next port")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=12, help="locust users")
    parser.add_argument("--seconds", type=float, default=60, help="length of each locust run")
    parser.add_argument("--floor-seconds", type=float, default=15)
    parser.add_argument("--floor-rows", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=60, help="timed requests per read path (0: skip them)")
    parser.add_argument("--searches", type=int, default=40, help="timed searches per kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=None, help="write every figure as JSON here")
    parser.add_argument("--sql", action="store_true", help="only: each request kind once in-process, its SQL")
    args = parser.parse_args()
    var_dir = Path(args.var_dir)
    state = city.State(var_dir)
    if "analyze" not in state.data.get("done", []):
        raise SystemExit(f"城市数据库未建好：先运行 bench/city.py build（{var_dir}/city.json）")
    city.setup_django(args.db, var_dir)
    from django.db import connection

    accounts_path = var_dir / "load.json"
    accounts = write_accounts(accounts_path, args.searches, args.seed)
    if args.sql:
        sql_profile(accounts)
        return
    connection.close()
    log(f"city: {args.db.rsplit('/', 1)[1]}, {state.data.get('params')}; {args.users} locust users, "
        f"{args.seconds:.0f} s per run")  # fmt: skip
    runs = [one_run(args, k, accounts_path, accounts) for k in range(args.runs)]
    m = median_of(runs)
    report_median(m)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"median": m, "runs": runs}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
