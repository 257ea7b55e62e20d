"""Build ledgers the way community offices really keep them, in memory, with openpyxl."""

import io

from openpyxl import Workbook

from linli.testing import make_id_number


def xlsx(rows: list[list], *, title_rows: list[list] | None = None, merges: list[str] = (), sheet="人口台账") -> bytes:
    """An .xlsx whose first rows are ``title_rows`` (merged as given) and then ``rows`` (header first)."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in title_rows or []:
        ws.append(row)
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def ids(n: int, **kw) -> list[str]:
    return [make_id_number(**kw) for _ in range(n)]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
