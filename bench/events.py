"""Benchmark of the event loop on PostgreSQL (a script, not a test).

    .venv/bin/python bench/events.py                 # 2,000,000 events (takes a while)
    .venv/bin/python bench/events.py --events 200000 # scaled down

It (1) creates a scratch database (``--db``, dropped first) with the test world plus ``--communities``
synthetic communities, (2) fills it with N events spread over the communities and the last year with a
realistic mix of states (most closed) by one INSERT … SELECT generate_series, (3) starts
``gunicorn linli.wsgi -w 2`` on a loopback port and measures event creation through the API
(requests/s, concurrent clients), the dispatcher queue page of a community's staff (p50/p95) and a
district leader's full event list (first page), and (4) the classifier's milliseconds per text.
Everything runs on 127.0.0.1 and stops by itself.
"""

import argparse
import concurrent.futures as cf
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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
    import django

    django.setup()


def recreate_database(db_url: str):
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build(n_events: int, n_communities: int, password: str):
    from django.core.management import call_command
    from django.db import connection

    from linli.core import services as core_services
    from linli.core.models import Region, User
    from linli.events.models import Category
    from linli.testing import build_world, levels, square

    call_command("migrate", verbosity=0)
    world = build_world()
    for user in User.objects.all():
        user.set_password(password)
        user.otp_exempt = True
        user.save()
    lv = levels()
    t = time.perf_counter()
    grids = [world.grid_a, world.grid_b, world.grid_c]
    for c in range(n_communities):
        community = core_services.region_create(
            actor=None, name=f"基准社区{c:03d}", level=lv["community"], parent=world.street
        )
        for g in range(2):
            grids.append(core_services.region_create(actor=None, name=f"基准社区{c:03d}网格{g}", level=lv["grid"],
                                                     parent=community, boundary=square(106.0 + c * 0.01, 26.0 + g * 0.005)))  # fmt: skip
    print(f"regions: {Region.objects.count()} ({time.perf_counter() - t:.1f}s)")
    cats = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    grid_ids = [g.pk for g in grids]
    grid_paths = [g.path for g in grids]
    t = time.perf_counter()
    sql = """
    INSERT INTO events_event (number, channel, category_id, title, description, reporter_name, anonymous,
        contact_phone_enc, contact_phone_hash, contact_phone_masked, address, region_id, region_path, needs_triage,
        status, suspended_from, handler_kind, urgency, emergency, deadline_estimated, supervision, flagged, flag_note,
        extension_reason, result, reject_reason, close_note, rating, rating_comment, needs_revisit, rework_count,
        media_url, external_source, external_id, version, created_at, updated_at, accepted_at, resolved_at, due_at,
        warn_at, closed_at)
    SELECT 'BN' || lpad(i::text, 10, '0'),
        (ARRAY['app','12345','phone','patrol','walk_in','12319','open311'])[1 + (i %% 7)],
        (%(cats)s::bigint[])[1 + ((i * 13) %% %(ncat)s)],
        '基准事件 ' || i, '楼下垃圾没人清运，第 ' || i || ' 件', '', false, '', '', '', '',
        (%(gids)s::bigint[])[1 + (i %% %(ng)s)], (%(gpaths)s::text[])[1 + (i %% %(ng)s)], false,
        CASE WHEN r < 0.82 THEN 'closed' WHEN r < 0.85 THEN 'rejected' WHEN r < 0.87 THEN 'merged'
             WHEN r < 0.90 THEN 'pending' WHEN r < 0.92 THEN 'accepted' WHEN r < 0.95 THEN 'dispatched'
             WHEN r < 0.98 THEN 'processing' WHEN r < 0.99 THEN 'resolved' ELSE 'verified' END,
        '', 'grid', 'normal', false, false, 0, false, '', '', '', '', '', '', '', false, 0, '', '', '', 1,
        ts, ts, ts + interval '1 hour', CASE WHEN r < 0.82 OR r >= 0.98 THEN ts + interval '20 hours' END,
        ts + interval '3 days', ts + interval '2 days', CASE WHEN r < 0.82 THEN ts + interval '2 days' END
    FROM (SELECT i, random() AS r, now() - (random() * interval '365 days') AS ts
          FROM generate_series(1, %(n)s) AS i) AS s
    """
    with connection.cursor() as cur:
        params = {"cats": cats, "ncat": len(cats), "gids": grid_ids, "ng": len(grid_ids), "gpaths": grid_paths,
                  "n": n_events}  # fmt: skip
        cur.execute(sql, params)
        cur.execute("ANALYZE events_event")
    print(f"events: {n_events:,} inserted ({time.perf_counter() - t:.1f}s)")
    return world


def start_gunicorn(port: int, env: dict) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "linli.wsgi", "-w", "2", "--bind", f"127.0.0.1:{port}",
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    import requests

    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def login(base: str, username: str, password: str):
    import requests

    s = requests.Session()
    page = s.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(f"{base}/accounts/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token},
               headers={"Referer": f"{base}/accounts/login/"}, timeout=10)  # fmt: skip
    r.raise_for_status()
    return s


def time_pages(session, url: str, n: int) -> list[float]:
    session.get(url, timeout=60)  # warm
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = session.get(url, timeout=60)
        out.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    return out


def bench_create(base: str, token: str, house_id: int, total: int, concurrency: int):
    import requests

    texts = ["楼道灯坏了一周", "3栋楼下垃圾没人清运", "电动车在楼道飞线充电", "井盖松动很危险", "楼上装修噪音太大"]
    local = __import__("threading").local()

    def one(i):
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.headers["Authorization"] = f"Token {token}"
        t = time.perf_counter()
        r = local.s.post(f"{base}/api/v1/events/", json={"text": f"{random.choice(texts)}（{i}）", "house": house_id},
                         timeout=30)  # fmt: skip
        ms = (time.perf_counter() - t) * 1000
        return r.status_code, ms

    with cf.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(concurrency * 2)))  # warm
        t = time.perf_counter()
        results = list(pool.map(one, range(total)))
        wall = time.perf_counter() - t
    ok = [ms for code, ms in results if code == 201]
    return len(ok), len(results), wall, ok


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
    parser.add_argument("--communities", type=int, default=100)
    parser.add_argument(
        "--db", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_bench_events")
    )
    parser.add_argument("--port", type=int, default=8197)
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it exists (skip building)")
    args = parser.parse_args()
    var_dir = "/tmp/linli-bench-events-var"
    Path(var_dir).mkdir(exist_ok=True)
    password = "bench-password-2026"
    if not args.keep:
        recreate_database(args.db)
    setup_django(args.db, var_dir)
    from django.db import connection

    from linli.core.models import User
    from linli.events.models import Event
    from linli.housing.models import House

    if not args.keep or not Event.objects.exists():
        build(args.events, args.communities, password)
    n = Event.objects.count()
    from rest_framework.authtoken.models import Token

    resident = User.objects.get(username="resident")
    token, _ = Token.objects.get_or_create(user=resident)
    house = House.objects.filter(residencies__person__user=resident).first()
    connection.close()
    env = dict(os.environ, DATABASE_URL=args.db, LINLI_VAR_DIR=var_dir, LINLI_DEMO="1", LINLI_TESTING="")
    env.pop("LINLI_TESTING")
    proc = start_gunicorn(args.port, env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        print(f"\n== {n:,} events in the database ==")
        ok, total, wall, ms = bench_create(base, token.key, house.pk, args.creates, args.concurrency)
        print(f"API create  : {ok}/{total} created in {wall:.1f}s = {ok / wall:.0f} req/s "
              f"(p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, {args.concurrency} clients)")  # fmt: skip
        staff = login(base, "staff", password)
        q = time_pages(staff, f"{base}/console/events/queue/", args.pages)
        print(f"queue page  : community staff p50 {percentile(q, 50):.0f} ms, p95 {percentile(q, 95):.0f} ms "
              f"(n={len(q)})")  # fmt: skip
        q2 = time_pages(staff, f"{base}/console/events/queue/?status=closed", max(10, args.pages // 3))
        print(f"queue closed: community staff p50 {percentile(q2, 50):.0f} ms, p95 {percentile(q2, 95):.0f} ms")
        leader = login(base, "leader", password)
        q3 = time_pages(leader, f"{base}/console/events/", max(10, args.pages // 3))
        print(f"all events  : district leader p50 {percentile(q3, 50):.0f} ms, p95 {percentile(q3, 95):.0f} ms")
        api = time_pages(leader, f"{base}/api/v1/events/", max(10, args.pages // 3))
        print(f"API list    : district leader p50 {percentile(api, 50):.0f} ms, p95 {percentile(api, 95):.0f} ms")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    c = bench_classify(300)
    if c is None:
        print("classify    : linli.events.classifier not installed")
    else:
        print(f"classify    : mean {statistics.mean(c):.1f} ms, p50 {percentile(c, 50):.1f} ms, "
              f"p95 {percentile(c, 95):.1f} ms per text (n={len(c)})")  # fmt: skip


if __name__ == "__main__":
    main()
