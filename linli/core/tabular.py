"""Reading real ledgers: .xlsx/.xls/.ods/.csv, title rows, merged and two-level headers, header synonyms.

A file becomes a ``Table``: the header it was found under (the user's own column names), which of our columns
each maps to, and an iterator of ``(row number as Excel shows it, {column key: raw value})``. Raw values keep
their type (numbers stay numbers) so that cleaning can tell an ID number stored as a number from one typed
as text.

python-calamine (Rust) reads 100,000 rows in about 2 s; openpyxl in read-only mode needs about 20 s, so it is
only the fallback when calamine is not installed.

Any module that takes a spreadsheet from a user reads it here: ``inspect_upload`` first (what the file will cost to
parse: zip bombs, cell and text caps), then ``read_sheets`` (raw rows) or ``find_table`` (rows under a header that
a ``ColumnSpec`` recognises).
"""

import csv
import io
import re
import unicodedata
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from linli.core.errors import DomainError

HEADER_SCAN_ROWS = 30
MAX_COLUMNS = 200

try:  # pragma: no cover - exercised by whichever reader is installed
    from python_calamine import CalamineWorkbook
except ImportError:  # pragma: no cover
    CalamineWorkbook = None


REASON_COLUMN = "错误原因"  # the last column of a problem-rows file: never imported, so a fixed file goes back in


def _key(text: str) -> str:
    value = unicodedata.normalize("NFKC", text)
    value = re.sub(r"\s+", "", value)
    value = re.sub(r"[（(\[【].*?[)）\]】]", "", value)
    return value.strip("*※:：").lower()


def header_key(text) -> str:
    """Normalise a header cell: full-width → half-width, no spaces, no "*" marks, no bracketed notes."""
    return "" if text is None else _key(str(text))


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the template's header
    synonyms: tuple[str, ...] = ()
    example: str = ""
    note: str = ""


@dataclass
class ColumnSpec:
    """The columns a kind of file understands: each column's template header and the synonyms found in real files."""

    kind: str
    title: str
    columns: dict[str, Column]
    required: tuple[str, ...] = ()
    require_any: tuple[str, ...] = ()
    ignored: set[str] = field(default_factory=set)
    lookup: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for column in self.columns.values():
            for text in (column.label, *column.synonyms):
                self.lookup.setdefault(_key(text), column.key)
        self.ignored = {_key(t) for t in self.ignored | {REASON_COLUMN}}

    def required_labels(self) -> str:
        return "、".join(self.columns[k].label for k in self.required)

    def label(self, key: str) -> str:
        return self.columns[key].label


@dataclass
class Table:
    sheet: str
    header_row: int  # the last header row, as Excel numbers it
    headers: dict[str, str]  # column key -> the user's header text
    positions: dict[str, int]  # column key -> 0-based column index
    ignored: list[str] = field(default_factory=list)  # headers we know but do not import
    unknown: list[str] = field(default_factory=list)  # headers we do not know
    duplicates: list[str] = field(default_factory=list)
    rows: Iterator[tuple[int, dict]] = iter(())
    estimated_rows: int = 0


# --- raw readers: yield (row number, [values by absolute column index]) -------------------------------------


class _Sheet:
    def __init__(self, name: str, rows: Iterator[tuple[int, list]], merged: list, height: int):
        self.name = name
        self.rows = rows
        self.merged = merged  # [((row0, col0), (row1, col1))], 0-based, inclusive
        self.height = height


def _calamine_sheets(data: bytes) -> list[_Sheet]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = []
    for index, name in enumerate(book.sheet_names):
        sheet = book.get_sheet_by_index(index)
        start_row, start_col = sheet.start or (0, 0)
        merged = list(getattr(sheet, "merged_cell_ranges", None) or [])

        def rows(sheet=sheet, start_col=start_col):
            # iter_rows starts at the first row of the sheet and at the first used column.
            for number, values in enumerate(sheet.iter_rows(), start=1):
                yield number, ([None] * start_col + list(values)) if start_col else list(values)

        sheets.append(_Sheet(name, rows(), merged, sheet.height or 0))
    return sheets


def _openpyxl_sheets(data: bytes) -> list[_Sheet]:
    from openpyxl import load_workbook

    # Small files: full mode, which knows merged cells. Large files: read-only streaming.
    read_only = len(data) > 2_000_000
    book = load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    sheets = []
    for ws in book.worksheets:
        merged = []
        if not read_only:
            for rng in ws.merged_cells.ranges:
                merged.append(((rng.min_row - 1, rng.min_col - 1), (rng.max_row - 1, rng.max_col - 1)))

        def rows(ws=ws):
            number = 0
            for row in ws.iter_rows():
                number += 1
                cells = list(row)
                first = getattr(cells[0], "row", None) if cells else None
                if first is not None and first > number:
                    number = first  # read-only mode skips missing rows
                values = [None] * MAX_COLUMNS
                width = 0
                for i, cell in enumerate(cells):
                    column = getattr(cell, "column", None)
                    idx = (column - 1) if column else i
                    if idx < MAX_COLUMNS:
                        values[idx] = cell.value
                        width = max(width, idx + 1)
                yield number, values[:width]

        sheets.append(_Sheet(ws.title, rows(), merged, ws.max_row or 0))
    return sheets


def _decode_csv(data: bytes) -> str:
    # Excel in Chinese Windows saves "CSV" in GBK; others save UTF-8 (with or without BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("文件：无法识别 CSV 文件的编码，请另存为 UTF-8 或 .xlsx", field="file")


def _csv_sheets(data: bytes) -> list[_Sheet]:
    text = _decode_csv(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel

    def rows():
        yield from enumerate(csv.reader(io.StringIO(text), dialect), start=1)

    return [_Sheet("CSV", rows(), [], text.count("\n") + 1)]


def read_sheets(data: bytes, file_name: str) -> list[_Sheet]:
    name = file_name.lower()
    if name.endswith(".csv") or name.endswith(".txt"):
        return _csv_sheets(data)
    if not name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise DomainError("文件：只支持 .xlsx、.xls、.ods 或 .csv 文件", field="file")
    if CalamineWorkbook is not None:
        try:
            return _calamine_sheets(data)
        except Exception as exc:  # calamine raises its own error types for corrupt files
            raise DomainError(f"文件：无法读取该表格（{type(exc).__name__}），请确认文件未损坏", field="file")
    if name.endswith((".xls", ".ods")):
        raise DomainError("文件：请另存为 .xlsx 后上传", field="file")
    try:
        return _openpyxl_sheets(data)
    except Exception as exc:
        raise DomainError(f"文件：无法读取该表格（{type(exc).__name__}），请确认文件未损坏", field="file")


# --- header detection ---------------------------------------------------------------------------------------


def fill_merged(grid: dict[int, list], merged: list) -> None:
    """Copy the value of a merged range's top-left cell into every cell of the range (header rows only)."""
    for (r0, c0), (r1, c1) in merged:
        if r0 + 1 not in grid:
            continue
        top = grid[r0 + 1]
        value = top[c0] if c0 < len(top) else None
        for r in range(r0, r1 + 1):
            row = grid.get(r + 1)
            if row is None:
                continue
            for c in range(c0, c1 + 1):
                if c >= len(row):
                    row.extend([None] * (c + 1 - len(row)))
                if row[c] in (None, ""):
                    row[c] = value


def _match(cells: list, lookup: dict[str, str]) -> dict[int, str]:
    out = {}
    for i, value in enumerate(cells):
        key = lookup.get(header_key(value))
        if key:
            out[i] = key
    return out


def find_table(data: bytes, file_name: str, spec: ColumnSpec) -> Table:
    """Find the sheet and header that best match ``spec`` and return the table over its data rows."""
    best = None
    for sheet in read_sheets(data, file_name):
        head: dict[int, list] = {}
        consumed: list[tuple[int, list]] = []
        for number, values in sheet.rows:
            consumed.append((number, values))
            head[number] = list(values)
            if len(consumed) >= HEADER_SCAN_ROWS:
                break
        fill_merged(head, sheet.merged)
        for number in sorted(head):
            top = _match(head[number], spec.lookup)
            below = _match(head.get(number + 1, []), spec.lookup)
            # A two-level header: group titles above ("住址" over 楼栋/单元/房号), names below.
            two_level = bool(below) and any(i not in top or top[i] != k for i, k in below.items())
            combined = dict(top)
            if two_level:
                combined.update(below)
            score = len(set(combined.values()))
            if score >= 2 and (best is None or score > best[0]):
                best = (score, sheet, number + (1 if two_level else 0), combined, head, consumed, two_level)
    if best is None:
        raise DomainError(
            f"文件：没有找到表头。请使用下载的模板，或确保表头包含“{spec.required_labels()}”等列名", field="file"
        )
    _, sheet, header_row, mapping, head, consumed, two_level = best
    header_cells = head[header_row]
    upper_cells = head.get(header_row - 1, []) if two_level else []
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    for i, key in sorted(mapping.items()):
        text = header_cells[i] if i < len(header_cells) and header_cells[i] not in (None, "") else None
        if text is None or spec.lookup.get(header_key(text)) != key:
            text = upper_cells[i] if i < len(upper_cells) else text
        text = str(text).strip().strip("*※ ").strip() or spec.columns[key].label  # "姓名*" → "姓名" in messages
        if key in positions:
            duplicates.append(text)
            continue
        headers[key], positions[key] = text, i
    ignored, unknown = [], []
    for i, value in enumerate(header_cells):
        if i in mapping or value in (None, ""):
            continue
        label = str(value).strip()
        (ignored if header_key(value) in spec.ignored else unknown).append(label)
    missing = [spec.columns[k].label for k in spec.required if k not in positions]
    if spec.require_any and not any(k in positions for k in spec.require_any):
        missing.append("/".join(spec.columns[k].label for k in spec.require_any))
    if missing:
        raise DomainError(f"文件：缺少必需的列“{'、'.join(missing)}”（表头在第 {header_row} 行）", field="file")

    def rows():
        for number, values in _chain(consumed, sheet.rows):
            if number <= header_row:
                continue
            out = {}
            for key, i in positions.items():
                value = values[i] if i < len(values) else None
                if isinstance(value, str):
                    value = value.strip()
                if value not in (None, ""):
                    out[key] = value
            yield number, out

    return Table(
        sheet=sheet.name,
        header_row=header_row,
        headers=headers,
        positions=positions,
        ignored=ignored,
        unknown=unknown,
        duplicates=duplicates,
        rows=rows(),
        estimated_rows=max(sheet.height - header_row, 0),
    )


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


# --- before any parsing: what a file will cost to read -------------------------------------------------------

MAX_UNPACKED_BYTES = 400 * 1024 * 1024  # all members together, decompressed (streamed: costs time, not memory)
MAX_RATIO = 100  # decompressed : compressed, for files that unpack to more than RATIO_FLOOR
RATIO_FLOOR = 8 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_DATA_ROWS = 200_000
MAX_CELLS = 1_500_000  # rows × columns of the used areas of all sheets: calamine holds each area as a dense block
# The text every cell will hold once parsed, in bytes: a cell that refers to a shared string gets its own copy of
# it, so a 40 KB file whose one 30,000-character shared string is used by 10,000 cells costs ~900 MB. Measured
# (bench/import_memory.py): memory ≈ 75 MB + ~100 B per cell + ~1.8 × this text, which these caps hold under 300 MB.
MAX_TEXT_BYTES = 40 * 1024 * 1024
# Parts outside the worksheets that the parser loads whole (sharedStrings.xml, styles.xml…): calamine keeps every
# shared string in memory, ~1 byte of RSS per byte of XML. A 6 MB file (ratio 62:1) with 1 row and 374 MB of shared
# strings peaked at 475 MB in the web request. Over PARSED_PARTS_WEB_BYTES the worker reads the file; over
# MAX_PARSED_PARTS_BYTES it is refused.
MAX_PARSED_PARTS_BYTES = 64 * 1024 * 1024
PARSED_PARTS_WEB_BYTES = 8 * 1024 * 1024
_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})\d+"')
_HAS_VALUE = re.compile(rb"<v>[^<]|<v\s[^>]*>[^<]|<is>|<f>|<f\s")
_SHARED_REF = re.compile(rb'<c\b[^>]*?\bt="s"[^>]*>\s*<v>\s*(\d+)\s*</v>')
_SHARED_ITEM = re.compile(rb"<si\b[^>]*?(?:/>|>(.*?)</si>)", re.S)
_TAGS = re.compile(rb"<[^>]*>")


@dataclass
class Inspection:
    rows: int  # data rows that hold a value (rows of styled but empty cells are not rows)
    known: bool  # False for formats counted only by parsing (.xls, .ods): those are parsed in the worker
    heavy: bool = False  # large shared strings or styles: parsed in the worker whatever the row count


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _too_big(message: str) -> DomainError:
    return DomainError(f"文件：{message}，请拆分成多个文件或删除多余的空行、空列后再上传", field="file")


def _pieces(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> Iterator[bytes]:
    """A member's decompressed bytes in 1 MB pieces, charged to the budget (a member may lie about its size)."""
    with archive.open(info) as fh:
        while piece := fh.read(1 << 20):
            budget[0] -= len(piece)
            if budget[0] < 0:
                raise _too_big(f"解压后超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB")
            yield piece


def _shared_lengths(archive: zipfile.ZipFile, budget: list[int]) -> array:
    """The length in bytes of each shared string's text, streamed (a cell that refers to one holds a copy of it)."""
    lengths = array("Q")
    try:
        info = archive.getinfo("xl/sharedStrings.xml")
    except KeyError:
        return lengths
    tail = b""
    for piece in _pieces(archive, info, budget):
        text = tail + piece
        end = text.rfind(b"</si>")
        stop = end + 5 if end >= 0 else 0
        for m in _SHARED_ITEM.finditer(text, 0, stop):
            lengths.append(len(_TAGS.sub(b"", m.group(1) or b"")))
        tail = text[stop:]
        if len(tail) > 32 << 20:
            raise _too_big("有一个文本超过 32 MB")
    return lengths


def _scan_sheet(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], shared: array, text_budget: list[int]
) -> tuple[int, int, int]:
    """Stream one worksheet's XML: rows holding a value, the last such row, the widest such column.

    Reads in 1 MB pieces and stops at the budget of decompressed bytes (a member may lie about its size). The
    text the cells will hold is charged to ``text_budget``: the row's own text (inline strings and numbers, its
    XML without tags) plus every shared string it refers to.
    """
    rows = last_row = width = number = 0
    tail = b""
    for piece in _pieces(archive, info, budget):
        text = tail + piece
        # Scan whole rows only; the unfinished one waits for the next piece.
        end = text.rfind(b"</row>")
        if end >= 0:
            stop = end + 6
        else:
            start = text.rfind(b"<row")
            stop = start if start >= 0 else max(len(text) - 64, 0)
        for m in _ROW.finditer(text, 0, stop):
            found = _ROW_NUMBER.search(m.group(1))
            number = int(found.group(1)) if found else number + 1
            body = m.group(2)
            if not body or not _HAS_VALUE.search(body):
                continue
            text_budget[0] -= len(_TAGS.sub(b"", body))
            if shared and b't="s"' in body:
                for ref in _SHARED_REF.finditer(body):
                    index = int(ref.group(1))
                    text_budget[0] -= shared[index] if index < len(shared) else 0
            if text_budget[0] < 0:
                raise _too_big(f"单元格中的文字合计超过 {MAX_TEXT_BYTES // 1024 // 1024} MB")
            row_width = column = 0
            last = body.rfind(b"<c ")
            ref = _CELL_REF.search(body, last) if last >= 0 else None
            if ref is not None and _HAS_VALUE.search(body, last):
                row_width = _column_number(ref.group(1))  # the usual row: its last cell holds a value
            else:
                for c in _CELL.finditer(body):
                    ref = _CELL_REF.search(c.group(1))
                    column = _column_number(ref.group(1)) if ref else column + 1
                    if c.group(2) and _HAS_VALUE.search(c.group(2)):
                        row_width = column
            rows += 1
            last_row = max(last_row, number)
            width = max(width, row_width)
        tail = text[stop:]
        if len(tail) > 32 << 20:
            raise _too_big("有一行数据超过 32 MB")
    return rows, last_row, width


def inspect_upload(data: bytes, file_name: str) -> Inspection:
    """Check what reading ``data`` will cost before anything parses it, and count its real data rows.

    .xlsx/.ods are zip archives: a few hundred KB can unpack to gigabytes of XML (a "zip bomb"), and calamine
    holds a sheet's used area as one dense block, so one value in cell XFD1048576 costs gigabytes. The archive's
    declared sizes, its ratio and the worksheets' real rows and used area are checked here by streaming, with
    bounded memory; ``<dimension>`` is not trusted. Raises DomainError with a Chinese message.
    """
    name = file_name.lower()
    if name.endswith((".csv", ".txt")):
        text = data.decode("utf-8", "ignore") if len(data) < 200 << 20 else ""
        rows = sum(1 for line in text.splitlines() if line.strip(" \t,;|\"'\ufeff"))
        if rows - 1 > MAX_DATA_ROWS:
            raise _too_big(f"超过 {MAX_DATA_ROWS:,} 行")
        return Inspection(rows=max(rows - 1, 0), known=True)
    if not name.endswith((".xlsx", ".xlsm", ".ods")):
        return Inspection(rows=0, known=False)  # .xls: a compound file, not a zip; read only by the worker
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        raise DomainError("文件：无法读取该表格（不是有效的 .xlsx/.ods 文件），请确认文件未损坏", field="file")
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _too_big(f"包含 {len(members)} 个部件，异常")
        unpacked = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        if unpacked > MAX_UNPACKED_BYTES:
            raise _too_big(f"解压后约 {unpacked // 1024 // 1024} MB，超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB")
        if unpacked > RATIO_FLOOR and unpacked / packed > MAX_RATIO:
            raise _too_big(f"压缩比异常（{unpacked // packed}:1），疑似“压缩炸弹”")
        if name.endswith(".ods"):
            return Inspection(rows=0, known=False)
        parts = sum(
            m.file_size
            for m in members
            if m.filename.lower().endswith((".xml", ".rels")) and not m.filename.startswith("xl/worksheets/")
        )
        if parts > MAX_PARSED_PARTS_BYTES:
            raise _too_big(
                f"共享字符串等部件解压后约 {parts // 1024 // 1024} MB，超过 {MAX_PARSED_PARTS_BYTES // 1024 // 1024} MB"
            )
        budget = [MAX_UNPACKED_BYTES]
        text_budget = [MAX_TEXT_BYTES]
        shared = _shared_lengths(archive, budget)
        # The shared-string table itself is held whole, used or not; each use then adds its own copy.
        text_budget[0] -= sum(shared)
        if text_budget[0] < 0:
            raise _too_big(f"单元格中的文字合计超过 {MAX_TEXT_BYTES // 1024 // 1024} MB")
        best = cells = 0
        for info in members:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            rows, last_row, width = _scan_sheet(archive, info, budget, shared, text_budget)
            if rows > MAX_DATA_ROWS + HEADER_SCAN_ROWS:
                raise _too_big(f"工作表有 {rows:,} 行数据，超过 {MAX_DATA_ROWS:,} 行")
            if width > MAX_COLUMNS:
                raise _too_big(f"工作表有 {width} 列数据，超过 {MAX_COLUMNS} 列")
            # Every sheet is loaded to find the header, so the areas of all sheets add up.
            cells += last_row * width
            if cells > MAX_CELLS:
                raise _too_big(f"工作表的数据区域合计（{cells:,} 个单元格）超过 {MAX_CELLS:,} 个")
            best = max(best, rows)
    return Inspection(rows=max(best - 1, 0), known=True, heavy=parts > PARSED_PARTS_WEB_BYTES)


def count_data_rows(data: bytes, file_name: str) -> int:
    """Data rows that hold a value (the header counts as one row less); 0 when only parsing can tell."""
    return inspect_upload(data, file_name).rows
