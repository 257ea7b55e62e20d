"""Measurement: what reading an uploaded ledger costs in memory, at the limits the upload check admits.

    .venv/bin/python bench/import_memory.py

Three cases, each parsed in its own process so its peak RSS is its own (no database needed):

* bomb    — a ~1.3 MB .xlsx whose sheet XML unpacks to ~330 MB: refused by ``inspect_upload`` before parsing;
            time to refuse and peak RSS.
* shared  — a 40 KB .xlsx whose one 30,000-character shared string is used by 10,000 cells: every parsed cell
            would hold its own copy (~900 MB); refused by the text budget of ``inspect_upload``.
* web     — the widest file still answered in the web request: 2,000 data rows × 200 columns (the column cap);
            inspect + find the header + read every row, as ``import_validate`` does for a small file.
* worker  — the largest file admitted at all: 74,999 data rows × 20 columns (1,500,000 cells with the header, the cell
            cap) of distinct text close to the 40 MB text cap, read by the job worker; inspect + find the header +
            read every row.

Security item 9 asks that parsing stays under 300 MB for any upload the size limit admits; the figures are
written to docs/dataio.md. A baseline (the process after django.setup() and the imports) is printed too.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ.setdefault("LINLI_TESTING", "1")
    import django

    django.setup()


def write_bomb(path: Path) -> None:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>' * 20_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<worksheet><dimension ref="A1:B2"/><sheetData>')
            for _ in range(250):
                fh.write(row)
            fh.write(b"</sheetData></worksheet>")


def write_shared_bomb(path: Path) -> None:
    """40 KB: one 30,000-character shared string that 10,000 cells refer to (each parsed cell holds a copy)."""
    sheet = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>1</v></c><c r="B{r}" t="s"><v>1</v></c></row>'
                    for r in range(2, 5_002))  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/sharedStrings.xml", "<sst><si><t>姓名</t></si><si><t>" + "邻" * 30_000 + "</t></si></sst>")
        z.writestr("xl/worksheets/sheet1.xml", '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                   + sheet + "</sheetData></worksheet>")  # fmt: skip


def write_table(path: Path, rows: int, columns: int, pad: int = 0) -> None:
    from linli.core import xlsx

    filler = "邻" * pad  # 3 bytes a character: brings the file's text up to the cap the check admits
    with open(path, "wb") as fh, xlsx.Workbook(fh) as book:
        sheet = book.sheet("台账")
        sheet.append(["姓名", "身份证号"] + [f"列{i}" for i in range(3, columns + 1)], header=True)
        for r in range(rows):
            sheet.append(
                [f"张{r}", f"52040219800517{r % 10000:04d}"] + [f"v{r}-{c}{filler}" for c in range(3, columns + 1)]
            )


def parse(path: Path) -> dict:
    from linli.core.tabular import find_table, inspect_upload
    from linli.dataio.columns import PERSONS

    base = peak_mb()
    data = path.read_bytes()
    started = time.perf_counter()
    try:
        found = inspect_upload(data, path.name)
    except Exception as exc:  # the refusal is the result for the bomb
        return {"refused": getattr(exc, "message", str(exc)), "seconds": round(time.perf_counter() - started, 3),
                "file_mb": round(len(data) / 2**20, 2), "baseline_mb": round(base), "peak_mb": round(peak_mb())}  # fmt: skip
    inspected = time.perf_counter() - started
    table = find_table(data, path.name, PERSONS)
    count = sum(1 for _ in table.rows)
    return {"rows_counted": found.rows, "rows_read": count, "inspect_s": round(inspected, 2),
            "total_s": round(time.perf_counter() - started, 2), "file_mb": round(len(data) / 2**20, 2),
            "baseline_mb": round(base), "peak_mb": round(peak_mb())}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", choices=["bomb", "shared", "web", "worker"])
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.phase:
        setup()
        print(parse(Path(args.file)))
        return
    setup()
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "bomb": (write_bomb, ()),
            "shared": (write_shared_bomb, ()),
            "web": (write_table, (2000, 200)),
            "worker": (write_table, (74_999, 20, 6)),
        }
        for phase, (make, extra) in cases.items():
            path = Path(tmp) / f"{phase}.xlsx"
            make(path, *extra)
            out = subprocess.run(
                [sys.executable, __file__, "--phase", phase, "--file", str(path)], capture_output=True, text=True
            )
            print(phase, out.stdout.strip() or out.stderr.strip()[-2000:])


if __name__ == "__main__":
    main()
