"""Benchmark: import N persons from one .xlsx end to end, then export them (issue 3).

    .venv/bin/python bench/import.py                 # 100,000 persons on PostgreSQL (database linli_bench_io)
    .venv/bin/python bench/import.py --rows 20000    # a smaller run

Targets: import ≥ 2,000 rows/s with peak memory ≤ 500 MB (validation, encryption, house and household
resolution, change log, rollback traces — the same code the console and the API run); export of 100,000 rows
≤ 30 s. Each phase runs in its own process so that its peak RSS is its own. The database is dropped and made
again; nothing outside it (and a scratch var/ folder) is touched.
"""

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/linli_bench_io"


def setup_django():
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- phase 1: a fresh database, a city block of houses, and the ledger ------------------------------------


def prepare(rows: int, path: Path) -> dict:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres",
            autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from linli.core import services as core_services
    from linli.core.roles import Role
    from linli.housing.models import Building, Compound, House, Unit
    from linli.people.models import Tag
    from linli.testing import PASSWORD, levels, make_id_number

    lv = levels()
    district = core_services.region_create(actor=None, name="西秀区", level=lv["district"])
    street = core_services.region_create(actor=None, name="新安街道", level=lv["street"], parent=district)
    community = core_services.region_create(actor=None, name="幸福社区", level=lv["community"], parent=street)
    grids = [
        core_services.region_create(actor=None, name=f"第{i + 1}网格", level=lv["grid"], parent=community)
        for i in range(20)
    ]
    staff = core_services.user_create(actor=None, username="bench", password=PASSWORD, full_name="测试员")
    core_services.grant_add(actor=None, user=staff, role=Role.COMMUNITY_STAFF, region=community)
    Tag.objects.add_root(create_kwargs=dict(name="独居老人", code="alone", sensitivity=1))
    Tag.objects.add_root(create_kwargs=dict(name="低保户", code="dibao", sensitivity=1))
    compounds = Compound.objects.bulk_create(
        [Compound(name=f"幸福小区{c + 1}期", community=community, region_path=community.path) for c in range(10)]
    )
    buildings = []
    for c, compound in enumerate(compounds):
        for b in range(20):
            grid = grids[(c * 20 + b) // 10]
            buildings.append(
                Building(compound=compound, name=f"{b + 1}栋", number=str(b + 1), grid=grid, region_path=grid.path)
            )
    Building.objects.bulk_create(buildings)
    units = Unit.objects.bulk_create([Unit(building=b, number=str(u + 1)) for b in buildings for u in range(4)])
    houses = []
    for unit in units:
        for floor in range(1, 26):
            for door in (1, 2):
                houses.append(
                    House(
                        building=unit.building,
                        unit=unit,
                        floor=floor,
                        number=f"{floor}{door:02d}",
                        region_path=unit.building.region_path,
                    )  # fmt: skip
                )
    House.objects.bulk_create(houses, batch_size=5000)
    # The ledger: households of 1–4 people on consecutive lines (户主 first), as offices keep them.
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("实有人口")
    ws.append(["幸福社区实有人口登记表"])
    ws.append(["姓名", "性别", "公民身份号码", "手机号", "民族", "小区", "楼栋", "单元", "房号", "与户主关系", "政治面貌",
               "人员类型", "标签", "工作单位"])  # fmt: skip
    import datetime as dt
    import random

    rnd = random.Random(7)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞辉建国志强海燕晓东"
    written, house_index, seq = 0, 0, 0
    area_codes = ["520402", "520421", "520422", "520423", "520424", "520425"]
    used = set()
    while written < rows:
        house = houses[house_index % len(houses)]
        house_index += 1
        size = min(rnd.choice((1, 2, 2, 3, 3, 4)), rows - written)
        for member in range(size):
            male = rnd.random() < 0.5
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 80))
            while True:
                seq += 1
                number = make_id_number(birth, area=rnd.choice(area_codes), male=male)
                if number not in used:
                    used.add(number)
                    break
            relation = "户主" if member == 0 else rnd.choice(("配偶", "子女", "父母"))
            ws.append([
                rnd.choice(surnames) + rnd.choice(given) + (rnd.choice(given) if rnd.random() < 0.6 else ""),
                "男" if male else "女",
                number,
                f"1{rnd.choice('3589')}{rnd.randrange(10**8, 10**9)}" if rnd.random() < 0.8 else "",
                "汉族" if rnd.random() < 0.8 else "布依族",
                house.building.compound.name,
                f"{house.building.number}栋",
                house.unit.number,
                house.number,
                relation,
                "群众" if rnd.random() < 0.9 else "中共党员",
                "户籍人口",
                "独居老人" if size == 1 and birth.year < 1955 else "",
                "",
            ])  # fmt: skip
            written += 1
    book.save(path)
    return {"houses": len(houses), "file_mb": round(path.stat().st_size / 1e6, 1)}


# --- phase 2: dry run and commit, as the worker runs them -------------------------------------------------


def run_import(path: Path) -> dict:
    from linli.core.models import User
    from linli.dataio import services

    staff = User.objects.get(username="bench")
    batch = services.import_upload(actor=staff, kind="persons", file_name=path.name, data=path.read_bytes())
    t0 = time.perf_counter()
    services.import_validate(batch=batch, actor=staff)
    t1 = time.perf_counter()
    assert batch.error_count == 0, batch.report["errors"][:5]
    services.import_commit(batch=batch, actor=staff)
    t2 = time.perf_counter()
    batch.refresh_from_db()
    assert batch.status == "committed", batch.report["errors"][:5]
    return {
        "rows": batch.rows_total,
        "created": batch.created,
        "details": batch.report["details"],
        "dry_run_s": round(t1 - t0, 1),
        "commit_s": round(t2 - t1, 1),
        "commit_rows_per_s": round(batch.rows_total / (t2 - t1)),
        "dry_run_rows_per_s": round(batch.rows_total / (t1 - t0)),
        "peak_rss_mb": round(peak_mb()),
    }


def run_reimport(path: Path) -> dict:
    from linli.core.models import User
    from linli.dataio import services

    staff = User.objects.get(username="bench")
    batch = services.import_upload(actor=staff, kind="persons", file_name=path.name, data=path.read_bytes())
    t0 = time.perf_counter()
    services.import_commit(batch=batch, actor=staff)
    t1 = time.perf_counter()
    batch.refresh_from_db()
    return {"unchanged": batch.unchanged, "created": batch.created, "updated": batch.updated,
            "seconds": round(t1 - t0, 1), "peak_rss_mb": round(peak_mb())}  # fmt: skip


# --- phase 3: export of the whole list, as the worker writes it ---------------------------------------------


def run_export() -> dict:
    from django.utils import timezone

    from linli.core.models import User
    from linli.dataio import exports
    from linli.dataio.models import ExportJob

    staff = User.objects.get(username="bench")
    job = ExportJob.objects.create(
        owner=staff, kind="person", title="实有人口", view="linli.people.views.console.PersonListView",
        path="/console/people/persons/", filters={}, masked=True, expires_at=timezone.now() + exports.TTL,
    )  # fmt: skip
    t0 = time.perf_counter()
    job = exports.export_build(job_id=job.pk)
    t1 = time.perf_counter()
    from linli.core import attachments

    return {"rows": job.rows_done, "seconds": round(t1 - t0, 1), "file_mb": round(attachments.size(job.file) / 1e6, 1),
            "peak_rss_mb": round(peak_mb())}  # fmt: skip


def child(phase: str, *args) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args], env=os.environ, capture_output=True, text=True, check=False
    )
    if out.returncode:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"phase {phase} failed")
    for line in out.stderr.splitlines():
        if "import:" in line:
            print("          ", line.strip())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--phase", default="")
    parser.add_argument("--file", default="")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("LINLI_VAR_DIR", "/tmp/linli-bench-var")
    os.environ.setdefault("LINLI_LOG_LEVEL", "INFO")
    if args.phase:
        setup_django()
        result = {
            "prepare": lambda: prepare(args.rows, Path(args.file)),
            "import": lambda: run_import(Path(args.file)),
            "reimport": lambda: run_reimport(Path(args.file)),
            "export": run_export,
        }[args.phase]()
        print(json.dumps(result, ensure_ascii=False))
        return 0
    path = Path(os.environ["LINLI_VAR_DIR"]) / f"bench-{args.rows}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"database {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}, {args.rows:,} persons")
    print("prepare  ", child("prepare", "--rows", str(args.rows), "--file", str(path)))
    imported = child("import", "--file", str(path))
    print("import   ", imported)
    print("reimport ", child("reimport", "--file", str(path)))
    exported = child("export")
    print("export   ", exported)
    ok_rate = imported["commit_rows_per_s"] >= 2000
    ok_mem = imported["peak_rss_mb"] <= 500
    ok_export = exported["seconds"] <= 30 * exported["rows"] / 100_000
    print(f"import ≥ 2,000 rows/s: {'PASS' if ok_rate else 'FAIL'} ({imported['commit_rows_per_s']}/s); "
          f"peak ≤ 500 MB: {'PASS' if ok_mem else 'FAIL'} ({imported['peak_rss_mb']} MB); "
          f"export ≤ 30 s per 100k: {'PASS' if ok_export else 'FAIL'} ({exported['seconds']} s)")  # fmt: skip
    return 0 if ok_rate and ok_mem and ok_export else 1


if __name__ == "__main__":
    sys.exit(main())
