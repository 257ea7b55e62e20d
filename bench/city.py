"""A PostgreSQL city: 1,000,000 persons and 2,000,000 events in one database (a script, not a test).

    .venv/bin/python bench/city.py build                 # drop and build ``linli_city`` (≈ 15–25 min, ≈ 3 GB)
    .venv/bin/python bench/city.py build --resume        # go on from the last finished step of an interrupted build
    .venv/bin/python bench/city.py build --reuse         # nothing to do when the city is complete (else an error)
    .venv/bin/python bench/city.py info                  # what the database holds, its size, the accounts
    .venv/bin/python bench/city.py build --persons 50000 --events 100000 --communities 20   # scaled down

The city is the two existing benchmarks' worlds in one database, built with the project's own bulk paths:

1. people and homes — ``manage.py linli_demo --persons N`` (core.bulk: COPY on PostgreSQL): the 区 → 街道 → 社区 →
   网格 → 十联户 tree, compounds, buildings, flats, households, N persons with encrypted ID numbers, pinyin and
   phone search keys, tags, organisations, places, visits, and the demo accounts of every role (admin, auditor,
   leader, street, staff, grid1/2, dept, property, member, volunteer, resident; password ``linli-demo``, no second
   factor with ``LINLI_DEMO=1``). As in ``bench/search.py``, 彩虹社区 holds the N persons;
2. ``--communities`` more communities under 彩虹社区's street, each with two grids and ten buildings and one
   dispatcher (``city_staff_000`` …, community staff) — as ``bench/events.py`` builds them;
3. ``--events`` events loaded by ``INSERT … SELECT generate_series`` in batches (the loader of ``bench/events.py``,
   secondary indexes dropped and rebuilt once, then ``VACUUM ANALYZE``): 彩虹社区 gets ``events / (communities + 1)``
   of them over its own grids and buildings, the other communities the rest; the last 60 days hold every workflow
   state, older events are almost all final;
4. the counters (``core.Tally``) of every kind recounted from the records, as ``manage.py recount_tallies`` does
   after a bulk load (the queue's state counts, the API list's count and the big screen read them).

The database's encryption and signing keys live in ``--var-dir`` (``LINLI_VAR_DIR``) — keep it with the database:
the ID numbers cannot be read (nor searched) with other keys. ``city.json`` there holds the state of the build
(for ``--resume``) and the accounts every other script uses (``bench/load.py``).

Only 127.0.0.1 is contacted and every loop is bounded.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import events as events_bench  # noqa: E402  (bench/events.py: the event loader)

DEFAULT_DB = os.environ.get("CITY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_city")
DEFAULT_VAR = "/tmp/linli-bench-city-var"
PASSWORD = "linli-demo"  # the demo accounts' password; the city's dispatchers get the same one
OPEN311_KEY = events_bench.OPEN311_KEY
GRIDS_PER_COMMUNITY = 2
BUILDINGS_PER_GRID = 10
BATCH = 250_000
STEPS = ("database", "people", "communities", "events", "indexes", "analyze", "counters")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


class State:
    """``city.json`` in the var dir: finished steps, the build's parameters, timings, accounts."""

    def __init__(self, var_dir: Path):
        self.path = var_dir / "city.json"
        self.data = json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=2))
        tmp.replace(self.path)

    def done(self, step: str) -> bool:
        return step in self.data.get("done", [])

    def finish(self, step: str, seconds: float, **extra) -> None:
        self.data.setdefault("done", []).append(step)
        self.data.setdefault("seconds", {})[step] = round(seconds, 1)
        self.data.update(extra)
        self.save()


def django_env(db_url: str, var_dir: Path) -> dict:
    env = dict(os.environ, DATABASE_URL=db_url, LINLI_VAR_DIR=str(var_dir), LINLI_DEMO="1")
    env.pop("LINLI_TESTING", None)
    env.pop("DATABASE_REPLICA_URL", None)
    return env


def step_people(db_url: str, var_dir: Path, persons: int) -> None:
    """migrate + linli_demo in a child process (its memory is returned when it ends)."""
    env = django_env(db_url, var_dir)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "linli_demo", "--persons", str(persons)], env=env, cwd=ROOT, check=True)


def main_community():
    from linli.core.models import Region

    communities = Region.objects.filter(level__code="community").order_by("pk")
    return communities.filter(name="彩虹社区").first() or communities.first()


def step_communities(n: int) -> list[str]:
    """``n`` communities under 彩虹社区's street: two square grids each, ten buildings per grid, one dispatcher."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from linli.core import services as core_services
    from linli.core.models import Grant, Region, RegionLevel, User
    from linli.core.roles import Role
    from linli.events.models import ApiKey
    from linli.housing.models import Building
    from linli.testing import square

    main = main_community()
    street = type(main).objects.get(path=main.path[: -main.steplen])
    community_level = RegionLevel.objects.get(code="community")
    grid_level = RegionLevel.objects.get(code="grid")
    hashed = make_password(PASSWORD)
    staff, buildings = [], []
    with transaction.atomic():
        for c in range(n):
            community = core_services.region_create(
                actor=None, name=f"城市基准社区{c:03d}", level=community_level, parent=street
            )
            lng0, lat0 = 106.5 + (c % 20) * 0.01, 26.5 + (c // 20) * 0.01
            for g in range(GRIDS_PER_COMMUNITY):
                grid = core_services.region_create(
                    actor=None, name=f"城市基准社区{c:03d}第{g + 1}网格", level=grid_level, parent=community,
                    boundary=square(lng0 + g * 0.0045, lat0))  # fmt: skip
                lng, lat = grid.boundary[0]
                for b in range(BUILDINGS_PER_GRID):
                    buildings.append(Building(name=f"{b + 1}栋", number=str(b + 1), grid=grid, region_path=grid.path,
                                              lat=round(lat + 0.0004 + (b // 5) * 0.0015, 6),
                                              lng=round(lng + 0.0004 + (b % 5) * 0.0007, 6)))  # fmt: skip
            staff.append((community, User(username=f"city_staff_{c:03d}", full_name=f"城市基准社区{c:03d}工作人员",
                                          password=hashed, otp_exempt=True)))  # fmt: skip
        User.objects.bulk_create([u for _, u in staff])
        Grant.objects.bulk_create([Grant(user=u, role=Role.COMMUNITY_STAFF, region=r) for r, u in staff])
        Building.objects.bulk_create(buildings, batch_size=2000)
        if not ApiKey.objects.filter(key_hash=ApiKey.hash(OPEN311_KEY)).exists():
            key = ApiKey(name="城市基准 Open311 客户端", region=main)
            key.set_key(OPEN311_KEY)
            key.save()
        User.objects.filter(username__in=[
            "admin", "auditor", "leader", "street", "staff", "grid1", "grid2", "dept", "property"
        ]).update(otp_exempt=True)  # fmt: skip
    log(f"communities: {n} added under {street.name}, {Region.objects.filter(level__code='grid').count()} grids, "
        f"{Building.objects.count():,} buildings")  # fmt: skip
    return [u.username for _, u in staff]


BUILDING_SQL = (
    "CASE WHEN (%(bcnt)s::int[])[gi] > 0 AND i %% 3 <> 0 "
    "THEN (%(bids)s::bigint[])[(%(boff)s::int[])[gi] + bi %% greatest(1, (%(bcnt)s::int[])[gi]) + 1] END"
)


def event_sql():
    """The INSERT … SELECT of bench/events.py with buildings taken from any grid's own buildings."""
    explicit = dict(events_bench.EXPLICIT, building_id=BUILDING_SQL)
    columns, values, defaults = events_bench._event_defaults(set(explicit))
    sql = events_bench.LOAD_SQL.format(
        columns=", ".join(list(explicit) + columns), values=", ".join(list(explicit.values()) + values)
    )
    params = {}
    for k, value in enumerate(defaults):
        sql = sql.replace("%s", f"%(d{k})s", 1)
        params[f"d{k}"] = value
    return sql, params


def grid_params(grids) -> dict:
    from linli.housing.models import Building

    by_grid: dict[int, list[int]] = {}
    for pk, grid_id in Building.objects.filter(grid__in=grids).order_by("pk").values_list("pk", "grid_id"):
        by_grid.setdefault(grid_id, []).append(pk)
    bids, boff, bcnt = [], [], []
    for g in grids:
        mine = by_grid.get(g.pk, [])[:200]
        boff.append(len(bids))
        bcnt.append(len(mine))
        bids += mine
    return {"gids": [g.pk for g in grids], "gpaths": [g.path for g in grids], "ng": len(grids),
            "bids": bids or [0], "boff": boff, "bcnt": bcnt, "nb": 1_000_003}  # fmt: skip


def step_events(state: State, n_events: int, n_communities: int) -> None:
    """Batches of INSERT … SELECT; the numbers ``BN…`` say how far an interrupted load got."""
    from django.db import connection

    from linli.core.models import Region
    from linli.events.models import Category

    main = main_community()
    all_grids = list(Region.objects.filter(level__code="grid").order_by("path"))
    main_grids = [g for g in all_grids if g.path.startswith(main.path)]
    other_grids = [g for g in all_grids if not g.path.startswith(main.path) and g.name.startswith("城市基准社区")]
    n_main = n_events // (n_communities + 1) if other_grids else n_events
    cats = list(Category.objects.filter(parent__isnull=False).order_by("code").values_list("pk", flat=True))
    sql, base = event_sql()
    base.update({"cats": cats, "ncat": len(cats)})
    parts = [
        (1, n_events - n_main, grid_params(other_grids)),
        (n_events - n_main + 1, n_events, grid_params(main_grids)),
    ]
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        if "indexes" not in state.data:
            cur.execute(
                """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events_event' AND indexname NOT IN
                   (SELECT conname FROM pg_constraint WHERE conrelid = 'events_event'::regclass)"""
            )
            state.data["indexes"] = cur.fetchall()
            state.save()
        for name, _ in state.data["indexes"]:
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        cur.execute("SELECT coalesce(max(substr(number, 3)::bigint), 0) FROM events_event WHERE number LIKE 'BN%%'")
        done = cur.fetchone()[0]
        if done:
            log(f"events: resuming after {done:,}")
        for lo, hi, params in parts:
            at = max(lo, done + 1)
            while at <= hi:
                top = min(hi, at + BATCH - 1)
                cur.execute(sql, {**base, **params, "lo": at, "hi": top})
                at = top + 1
                log(f"  events: {top:,} ({time.perf_counter() - t:.0f}s)")
    log(f"events: {n_events:,} loaded ({time.perf_counter() - t:.0f}s), {n_main:,} of them in {main.name}")


def step_indexes(state: State) -> None:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in state.data.get("indexes", []):
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
            cur.execute(definition)
    log(f"indexes: {len(state.data.get('indexes', []))} secondary indexes of events_event rebuilt "
        f"({time.perf_counter() - t:.0f}s)")  # fmt: skip


def step_analyze() -> None:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    log(f"analyze: VACUUM ANALYZE ({time.perf_counter() - t:.0f}s)")


def step_counters() -> dict[str, int]:
    """The counters of every kind recounted from the records (``manage.py recount_tallies``), as after a bulk load:
    the queue's state counts, the API list's count and the big screen read them."""
    from linli.core import tallies

    t = time.perf_counter()
    counted = {kind: tallies.recount(kind) for kind in tallies.kinds()}
    tallies.analyse()
    log(f"counters: {', '.join(f'{k} {n:,}' for k, n in counted.items())} recounted ({time.perf_counter() - t:.0f}s)")
    return counted


def setup_django(db_url: str, var_dir: Path) -> None:
    os.environ.update(django_env(db_url, var_dir))
    os.environ.pop("LINLI_TESTING", None)
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()


def sizes(db_url: str) -> dict:
    import psycopg

    with psycopg.connect(db_url) as conn:
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        tables = conn.execute(
            """SELECT c.relname, c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid)
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'
               ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 12"""
        ).fetchall()
    return {"bytes": total, "tables": [{"table": t, "rows": r, "table_bytes": tb, "index_bytes": ib}
                                       for t, r, tb, ib in tables]}  # fmt: skip


def info(db_url: str, var_dir: Path) -> dict:
    state = State(var_dir)
    out = {"database": db_url.rsplit("/", 1)[1], "var_dir": str(var_dir), "done": state.data.get("done", []),
           "seconds": state.data.get("seconds", {}), "params": state.data.get("params", {})}  # fmt: skip
    try:
        out.update(sizes(db_url))
    except Exception as exc:  # the database may not exist yet
        out["error"] = str(exc)
    return out


def print_info(data: dict) -> None:
    print(f"database {data['database']} (keys in {data['var_dir']})")
    print(f"  steps done: {', '.join(data['done']) or '—'}")
    for step, s in data["seconds"].items():
        print(f"    {step:<12} {s:>8.0f} s")
    if "bytes" in data:
        print(f"  size: {data['bytes'] / 2**30:.2f} GiB")
        for t in data["tables"]:
            print(f"    {t['table']:<32} {t['rows']:>12,} rows  table {t['table_bytes'] / 2**20:>8.0f} MiB  "
                  f"indexes {t['index_bytes'] / 2**20:>8.0f} MiB")  # fmt: skip
    if "error" in data:
        print(f"  {data['error']}")
    print(f"  accounts: the demo's (admin, leader, street, staff, grid1, grid2, dept, property, resident, member, "
          f"volunteer) and city_staff_000…, password {PASSWORD}")  # fmt: skip


def build(args) -> None:
    var_dir = Path(args.var_dir)
    db = args.db
    state = State(var_dir)
    params = {"persons": args.persons, "events": args.events, "communities": args.communities}
    load = os.getloadavg()
    log(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    if args.reuse:
        if all(state.done(s) for s in STEPS) and state.data.get("params") == params:
            log("city complete: reused")
            print_info(info(db, var_dir))
            return
        raise SystemExit("城市数据库不完整或参数不同：请用 build --resume 或重新 build")
    if args.resume and state.data.get("params") not in (None, params):
        raise SystemExit(f"--resume 的参数与上次不同（上次 {state.data.get('params')}）")
    if not args.resume:
        for f in var_dir.glob("*"):
            if f.is_file():
                f.unlink()  # new keys with a new database
        state = State(var_dir)
    state.data["params"] = params
    state.data.setdefault("loadavg_before", [round(x, 2) for x in load])
    state.save()
    started = time.perf_counter()
    if not state.done("database"):
        events_bench.recreate_database(db)
        state.finish("database", 0)
    if not state.done("people"):
        t = time.perf_counter()
        if args.resume:  # a half-written demo cannot go on: start the database again
            events_bench.recreate_database(db)
        step_people(db, var_dir, args.persons)
        state.finish("people", time.perf_counter() - t)
    setup_django(db, var_dir)
    if not state.done("communities"):
        t = time.perf_counter()
        from linli.core.models import Region

        if Region.objects.filter(name__startswith="城市基准社区").exists():
            raise SystemExit("城市基准社区已存在（上次中断在写社区时）：请重新 build")
        dispatchers = step_communities(args.communities)
        state.finish("communities", time.perf_counter() - t, dispatchers=dispatchers)
    if not state.done("events"):
        t = time.perf_counter()
        step_events(state, args.events, args.communities)
        state.finish("events", time.perf_counter() - t)
    if not state.done("indexes"):
        t = time.perf_counter()
        step_indexes(state)
        state.finish("indexes", time.perf_counter() - t)
    if not state.done("analyze"):
        t = time.perf_counter()
        step_analyze()
        state.finish("analyze", time.perf_counter() - t)
    if not state.done("counters"):
        t = time.perf_counter()
        step_counters()
        state.finish("counters", time.perf_counter() - t)
    state.data["build_seconds"] = round(time.perf_counter() - started, 1)
    state.save()
    log(f"build: {time.perf_counter() - started:.0f}s")
    print_info(info(db, var_dir))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "info"])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--var-dir", default=DEFAULT_VAR, help="keys of the database and city.json (keep them)")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="use the city as it is (error if incomplete)")
    parser.add_argument("--resume", action="store_true", help="go on from the last finished step")
    parser.add_argument("--json", action="store_true", help="info as JSON")
    args = parser.parse_args()
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    if args.command == "info":
        data = info(args.db, Path(args.var_dir))
        print(json.dumps(data, ensure_ascii=False, indent=2)) if args.json else print_info(data)
        return
    build(args)


if __name__ == "__main__":
    main()
