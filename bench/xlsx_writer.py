"""Measurement: our streaming .xlsx writer (linli.core.xlsx) against xlsxwriter in constant-memory mode.

    .venv/bin/python bench/xlsx_writer.py [--rows 100000] [--runs 3]

Both write the same export-shaped sheet: a bold header row, 15 columns (Chinese text, ID-like digit strings,
integers, decimals, dates, empty cells), column widths and a frozen first row, into a temporary file. Each run is
its own process, so its peak RSS is its own; the figure is the median of ``--runs`` runs, printed with the load
average (`uptime`) before and after, since the machines are shared. No database and no Django are needed.
"""

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = 15
WIDTHS = [10, 22, 8, 6, 14, 24, 12, 10, 10, 16, 12, 8, 30, 12, 14]
HEADER = ["姓名", "身份证号", "性别", "年龄", "手机号", "住址", "网格", "人员类型", "政治面貌", "工作单位",
          "登记日期", "面积", "备注", "户号", "标签"]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def rows(n: int):
    start = dt.date(2020, 1, 1)
    for i in range(n):
        name = SURNAMES[i % 20] + GIVEN[(i * 7) % len(GIVEN)] + (GIVEN[(i * 13) % len(GIVEN)] if i % 3 else "")
        yield [
            name,
            f"5204021980{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 10000:04d}",
            "男" if i % 2 else "女",
            18 + i % 70,
            f"1{38 + i % 10}{i:08d}"[:11],
            f"幸福小区{i % 40 + 1}栋{i % 6 + 1}单元{i % 30 + 1:02d}{i % 4 + 1:02d}室",
            f"第{i % 9 + 1}网格",
            "户籍人口" if i % 4 else "流动人口",
            "群众" if i % 7 else "中共党员",
            "" if i % 5 else "某某科技有限公司",
            start + dt.timedelta(days=i % 2000),
            Decimal(f"{60 + i % 90}.{i % 100:02d}"),
            "" if i % 11 else "独居老人，每周走访一次，注意用电安全",
            f"HH{i // 3:07d}",
            "低保" if i % 13 == 0 else None,
        ]


def write_own(path: str, n: int) -> None:
    from linli.core import xlsx

    with open(path, "wb") as fh, xlsx.Workbook(fh) as book:
        sheet = book.sheet("人员", widths=WIDTHS, freeze=True)
        sheet.append(HEADER, header=True)
        for row in rows(n):
            sheet.append(row)


def write_xlsxwriter(path: str, n: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("人员")
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for i, width in enumerate(WIDTHS):
        sheet.set_column(i, i, width)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, HEADER, bold)
    write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime
    for r, row in enumerate(rows(n), start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                write_string(r, c, value)
            elif isinstance(value, dt.date):
                write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date)
            else:
                write_number(r, c, float(value))
    book.close()


WRITERS = {"own": write_own, "xlsxwriter": write_xlsxwriter}


def child(writer: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.xlsx")
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        WRITERS[writer](path, n)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the check reads the file back
        size = os.path.getsize(path)
        check = _check(path, n)
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "base_mb": base, "size": size, "check": check}))


def _check(path: str, n: int) -> str:
    """The file opens and holds every row (python-calamine reads the last row back)."""
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    data = sheet.to_python()
    return "ok" if len(data) == n + 1 and data[0][0] == "姓名" else f"rows={len(data)}"


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=sorted(WRITERS))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    print(f"{args.rows:,} rows × {COLUMNS} columns, median of {args.runs} runs, each in its own process")
    print("load before:", load())
    results = {}
    for writer in WRITERS:
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--child", writer, "--rows", str(args.rows)],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(out.stdout))
        results[writer] = runs
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        base = statistics.median(r["base_mb"] for r in runs)
        size = runs[0]["size"] / 1024 / 1024
        checks = ",".join(sorted({r["check"] for r in runs}))
        each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(
            f"{writer:>10}: {seconds:6.2f} s  peak RSS {peak:6.1f} MB (process before writing {base:5.1f} MB)  "
            f"file {size:5.1f} MB  [{checks}]  runs: {each} s"
        )
    print("load after: ", load())


if __name__ == "__main__":
    main()
