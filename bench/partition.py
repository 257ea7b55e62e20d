"""Events partitioned by month or not, measured on the full city (a script, not a test).

    .venv/bin/python bench/city.py build         # once: 2,000,000 events in linli_city
    .venv/bin/python bench/partition.py          # copies, measures, drops the copies
    .venv/bin/python bench/partition.py --keep   # leave schema bench_part for a look with psql

What it does, inside the city database (the project's own table ``events_event`` is only read):

1. the SQL of three pages as Django runs it — the dispatcher queue of 彩虹社区's staff, the queue of the whole street
   (新安街道) and the district leader's ``GET /api/v1/events/`` — captured in-process (test client, every query
   that reads ``events_event``);
2. two copies of ``events_event`` in schema ``bench_part``: ``plain`` (one table, primary key ``id``) and
   ``monthly`` (``PARTITION BY RANGE (created_at)``, one partition per month, primary key ``(id, created_at)``),
   each with the secondary indexes of ``events_event``; an index that is UNIQUE without ``created_at`` cannot exist
   on the partitioned copy and is reported;
3. each captured page replayed on both copies (``events_event`` renamed in its SQL) ``--repeat`` times: p50/p95 of
   the page's events queries together, plus the plan's partitions touched;
4. the foreign keys that point into ``events_event`` (each would need ``created_at`` too, or to go);
5. the monthly purge of the oldest month: ``DELETE … WHERE created_at < …`` on ``plain`` (then ``VACUUM``) against
   ``DETACH PARTITION`` + ``DROP TABLE`` on ``monthly``, with the table sizes before and after.

Prints the load average before it starts. Only 127.0.0.1 is contacted.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import city  # noqa: E402

SCHEMA = "bench_part"


def percentile(values, p):
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))] if values else float("nan")


def capture_pages() -> dict[str, list[str]]:
    """The SQL reading events_event of three pages, as the app runs it (parameters interpolated)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from linli.core.models import User

    settings.ALLOWED_HOSTS = ["*"]
    pages = {"dispatcher queue (彩虹社区 staff)": ("staff", "/console/events/queue/"),
             "whole street queue": ("street", "/console/events/queue/"),
             "district API list": ("leader", "/api/v1/events/")}  # fmt: skip
    out = {}
    for name, (username, path) in pages.items():
        client = Client()
        client.force_login(User.objects.get(username=username), backend="linli.core.auth.UsernameOrPhoneBackend")
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        out[name] = [q["sql"] for q in ctx.captured_queries if '"events_event"' in q["sql"]]
    connection.close()
    return out


def index_defs(cur) -> list[tuple[str, str]]:
    cur.execute(
        """SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'events_event'
           AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'events_event'::regclass)"""
    )
    return cur.fetchall()


def month_bounds(cur) -> list[str]:
    cur.execute("SELECT date_trunc('month', min(created_at)), date_trunc('month', max(created_at)) FROM events_event")
    lo, hi = cur.fetchone()
    cur.execute(
        "SELECT to_char(m, 'YYYY-MM-DD') FROM generate_series(%s::timestamptz, %s::timestamptz + interval '1 month', "
        "interval '1 month') AS m",
        [lo, hi],
    )
    return [r[0] for r in cur.fetchall()]


def build_copies(cur, log) -> dict:
    out = {"skipped_indexes": []}
    cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    cur.execute(f"CREATE SCHEMA {SCHEMA}")
    cur.execute("SET maintenance_work_mem = '512MB'")
    defs = index_defs(cur)
    months = month_bounds(cur)
    t = time.perf_counter()
    cur.execute(f"CREATE TABLE {SCHEMA}.plain (LIKE public.events_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cur.execute(f"INSERT INTO {SCHEMA}.plain SELECT * FROM public.events_event")
    cur.execute(f"ALTER TABLE {SCHEMA}.plain ADD PRIMARY KEY (id)")
    cur.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = 'public.events_event'::regclass AND contype = 'u'"""
    )
    uniques = cur.fetchall()
    for name, definition in uniques:
        cur.execute(f"ALTER TABLE {SCHEMA}.plain ADD CONSTRAINT plain_{name[-40:]} {definition}")
    for name, definition in defs:
        cur.execute(_on(definition, "plain", name))
    cur.execute(f"VACUUM ANALYZE {SCHEMA}.plain")
    out["plain_build_s"] = round(time.perf_counter() - t, 1)
    log(f"plain copy: {out['plain_build_s']} s")
    t = time.perf_counter()
    cur.execute(
        f"CREATE TABLE {SCHEMA}.monthly (LIKE public.events_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        "PARTITION BY RANGE (created_at)"
    )
    for lo, hi in zip(months, months[1:], strict=False):
        cur.execute(
            f"CREATE TABLE {SCHEMA}.monthly_{lo[:7].replace('-', '_')} PARTITION OF {SCHEMA}.monthly "
            f"FOR VALUES FROM ('{lo}') TO ('{hi}')"
        )
    cur.execute(f"CREATE TABLE {SCHEMA}.monthly_default PARTITION OF {SCHEMA}.monthly DEFAULT")
    cur.execute(f"INSERT INTO {SCHEMA}.monthly SELECT * FROM public.events_event")
    cur.execute(f"ALTER TABLE {SCHEMA}.monthly ADD PRIMARY KEY (id, created_at)")
    for name, definition in uniques:
        if "created_at" not in definition:
            out["skipped_indexes"].append(f"{name}: {definition}")
    for name, definition in defs:
        if "UNIQUE" in definition and "created_at" not in definition:
            out["skipped_indexes"].append(definition)
            continue
        cur.execute(_on(definition, "monthly", name))
    cur.execute(f"VACUUM ANALYZE {SCHEMA}.monthly")
    out["monthly_build_s"] = round(time.perf_counter() - t, 1)
    out["partitions"] = len(months)
    log(f"monthly copy: {out['monthly_build_s']} s, {len(months)} partitions (+ default)")
    for pattern in ("plain", "monthly"):
        cur.execute(
            """SELECT sum(pg_table_size(c.oid)), sum(pg_indexes_size(c.oid)) FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'
               AND c.relname LIKE %s""",
            [SCHEMA, pattern + "%"],
        )
        tb, ib = cur.fetchone()
        out[f"{pattern}_bytes"] = {"table": int(tb), "indexes": int(ib)}
    cur.execute("SELECT count(*) FROM public.events_event")
    out["rows"] = cur.fetchone()[0]
    return out


def _on(definition: str, table: str, name: str) -> str:
    definition = definition.replace("ON public.events_event", f"ON {SCHEMA}.{table}")
    return definition.replace(f"INDEX {name} ", f"INDEX {table}_{name[-40:]} ", 1)


def replay(cur, queries: list[str], table: str, repeat: int) -> dict:
    sqls = [q.replace('"events_event"', f'{SCHEMA}."{table}"') for q in queries]
    for sql in sqls:  # warm the cache
        cur.execute(sql)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for sql in sqls:
            cur.execute(sql)
            cur.fetchall()
        times.append((time.perf_counter() - t) * 1000)
    scanned = 0
    for sql in sqls:
        cur.execute("EXPLAIN " + sql)
        plan = "\n".join(r[0] for r in cur.fetchall())
        scanned = max(scanned, len(set(re.findall(r"monthly_\d{4}_\d{2}|monthly_default", plan))))
    return {"queries": len(sqls), "p50": percentile(times, 50), "p95": percentile(times, 95),
            "mean": statistics.mean(times), "partitions_in_plan": scanned}  # fmt: skip


def foreign_keys_into(cur) -> list[str]:
    cur.execute(
        """SELECT conrelid::regclass::text || ' → ' || pg_get_constraintdef(oid) FROM pg_constraint
           WHERE confrelid = 'public.events_event'::regclass AND contype = 'f' ORDER BY 1"""
    )
    return [r[0] for r in cur.fetchall()]


def purge(cur, months: list[str], log) -> dict:
    oldest, next_month = months[0], months[1]
    out = {"month": oldest[:7]}
    cur.execute(f"SELECT count(*) FROM {SCHEMA}.plain WHERE created_at < %s", [next_month])
    out["rows"] = cur.fetchone()[0]
    t = time.perf_counter()
    cur.execute(f"DELETE FROM {SCHEMA}.plain WHERE created_at < %s", [next_month])
    out["delete_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    cur.execute(f"VACUUM {SCHEMA}.plain")
    out["vacuum_s"] = round(time.perf_counter() - t, 2)
    part = f"{SCHEMA}.monthly_{oldest[:7].replace('-', '_')}"
    t = time.perf_counter()
    cur.execute(f"ALTER TABLE {SCHEMA}.monthly DETACH PARTITION {part}")
    cur.execute(f"DROP TABLE {part}")
    out["drop_s"] = round(time.perf_counter() - t, 3)
    log(f"purge {out['month']} ({out['rows']:,} rows): DELETE {out['delete_s']} s + VACUUM {out['vacuum_s']} s "
        f"vs DETACH + DROP PARTITION {out['drop_s']} s")  # fmt: skip
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=city.DEFAULT_DB)
    parser.add_argument("--var-dir", default=city.DEFAULT_VAR)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep schema bench_part")
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    load = [round(x, 2) for x in os.getloadavg()]
    print(f"load average before: {load[0]} {load[1]} {load[2]} ({os.cpu_count()} CPUs)", flush=True)
    city.setup_django(args.db, Path(args.var_dir))
    pages = capture_pages()
    import psycopg

    result = {"loadavg": load, "pages": {}}
    with psycopg.connect(args.db, autocommit=True) as conn:
        cur = conn.cursor()
        months = month_bounds(cur)
        result["build"] = build_copies(cur, lambda m: print(m, flush=True))
        print(f"rows: {result['build']['rows']:,}; sizes plain {result['build']['plain_bytes']}, monthly "
              f"{result['build']['monthly_bytes']}")  # fmt: skip
        for name in result["build"]["skipped_indexes"]:
            print(f"  not possible on the partitioned copy: {name}")
        print(f"\n{'page (its events queries)':<36} {'n':>3} {'plain p50':>10} {'p95':>7} {'monthly p50':>12} "
              f"{'p95':>7} {'parts':>6}")  # fmt: skip
        for name, queries in pages.items():
            plain = replay(cur, queries, "plain", args.repeat)
            monthly = replay(cur, queries, "monthly", args.repeat)
            result["pages"][name] = {"plain": plain, "monthly": monthly}
            print(f"{name:<36} {plain['queries']:>3} {plain['p50']:>10.1f} {plain['p95']:>7.1f} "
                  f"{monthly['p50']:>12.1f} {monthly['p95']:>7.1f} {monthly['partitions_in_plan']:>6}")  # fmt: skip
        result["foreign_keys_into_events"] = foreign_keys_into(cur)
        print(f"\nforeign keys into events_event ({len(result['foreign_keys_into_events'])}):")
        for fk in result["foreign_keys_into_events"]:
            print(f"  {fk}")
        result["purge"] = purge(cur, months, lambda m: print(m, flush=True))
        if not args.keep:
            cur.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
