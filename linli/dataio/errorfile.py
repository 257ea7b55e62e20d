"""The problem rows of an import, as an .xlsx to fix and upload again.

The file keeps the user's own sheet: the header row as they wrote it (title rows dropped, merged header cells
filled) and each problem row with all its original cells, plus a last column 错误原因 listing every problem of
the row. The importers ignore 错误原因, so the fixed file goes straight back in.
"""

import io

from linli.core import xlsx
from linli.core.tabular import HEADER_SCAN_ROWS, Table, fill_merged, read_sheets
from linli.dataio.columns import REASON_COLUMN


def _cell(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def build_error_rows(data: bytes, file_name: str, table: Table, reasons: dict[int, list[str]]) -> bytes:
    """An .xlsx of the rows numbered in ``reasons`` (Excel row numbers of ``table``'s sheet), reasons last."""
    sheets = read_sheets(data, file_name)
    sheet = next((s for s in sheets if s.name == table.sheet), sheets[0])
    head: dict[int, list] = {}
    picked: list[list] = []
    for number, values in sheet.rows:
        if number <= table.header_row:
            if number > table.header_row - HEADER_SCAN_ROWS:
                head[number] = list(values)
            continue
        if number in reasons:
            picked.append([_cell(v) for v in values] + [None])
            picked[-1][-1] = number
    fill_merged(head, sheet.merged)
    header = [("" if v is None else str(v).strip()) for v in head.get(table.header_row, [])]
    while header and not header[-1]:
        header.pop()
    width = max([len(header)] + [len(r) - 1 for r in picked])
    width = min(width, max(table.positions.values(), default=0) + 1 + 50)
    header += [""] * (width - len(header))
    buf = io.BytesIO()
    with xlsx.Workbook(buf) as book:
        out = book.sheet(table.sheet or "问题行", widths=[14] * width + [60], freeze=True)
        out.append(header + [REASON_COLUMN], header=True)
        for row in picked:
            number = row.pop()
            cells = (row + [None] * width)[:width]
            out.append([c if not isinstance(c, str) else c for c in cells] + ["；".join(reasons[number])])
    return buf.getvalue()
