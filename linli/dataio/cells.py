"""Turning raw cells into clean values: numbers stored by Excel, full-width text, dates in every format.

Each function raises ``CellError`` with the reason only (no column name): the importer adds the user's header.
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from linli.core import masking

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29


class CellError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def text(value) -> str:
    """Full-width → half-width, trimmed, inner runs of spaces collapsed; numbers without a spurious ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    out = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"\s+", " ", out)


def compact(value) -> str:
    """Like ``text`` but with every space removed (names, codes, numbers)."""
    return re.sub(r"\s+", "", text(value))


def id_number(value) -> str:
    """The ID number as text; a number that Excel rounded to 15 significant digits is refused."""
    if isinstance(value, bool):
        raise CellError("不是证件号码")
    if isinstance(value, float | int):
        number = int(value)
        digits = str(number)
        if isinstance(value, float) and len(digits) > 15:
            shown = masking.mask_id_number(digits)
            raise CellError(
                f"该单元格是数字格式，Excel 只保留 15 位有效数字，号码末几位已丢失（读到 {shown}）；"
                "请把该列设为“文本”格式后重新填写"
            )
        return digits
    raw = compact(value)
    # Text that Excel already turned into scientific notation ("5.20402E+17").
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", raw):
        raise CellError("已被 Excel 存成科学计数法（如 5.20402E+17），号码已丢失；请把该列设为“文本”格式后重新填写")
    return raw.upper().lstrip("'")


def phone(value) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return str(int(value))
    return compact(value).lstrip("'")


_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (3, 1, 2)),  # US-style 5/17/1980 as some exports write it
]


def excel_serial(number: float) -> dt.date:
    days = int(number)
    if days < 1 or days > 2958465:
        raise CellError(f"“{number}”不是有效的日期")
    if days < 61:  # before Excel's phantom 29 February 1900
        days += 1
    return EXCEL_EPOCH + dt.timedelta(days=days)


def date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return date(str(int(value)))
        return excel_serial(value)
    raw = compact(value)
    if re.fullmatch(r"\d{1,5}(\.\d+)?", raw) and float(raw) < 100000:
        return excel_serial(float(raw))
    for pattern, (y, m, d) in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                return dt.date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                raise CellError(f"日期“{raw}”不存在")
    raise CellError(f"“{raw}”不是可识别的日期（如 2020-01-02、2020/1/2、2020年1月2日）")


def integer(value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise CellError(f"“{value}”不是整数")
        number = int(value)
    else:
        raw = compact(value).rstrip("层人楼")
        if not re.fullmatch(r"-?\d+", raw):
            raise CellError(f"“{raw}”不是整数")
        number = int(raw)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise CellError(f"“{number}”超出合理范围")
    return number


def decimal(value, *, places: int = 6) -> Decimal:
    raw = compact(value)
    try:
        return Decimal(raw).quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise CellError(f"“{raw}”不是数字")


CN_NUMERALS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(raw: str) -> str:
    """三 → 3, 十二 → 12, 二十一 → 21; other text unchanged."""
    if not raw or any(ch not in CN_NUMERALS and ch != "十" for ch in raw):
        return raw
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return str((CN_NUMERALS.get(tens, 1) if tens else 1) * 10 + (CN_NUMERALS.get(ones, 0) if ones else 0))
    return "".join(str(CN_NUMERALS[ch]) for ch in raw)


def building_number(value) -> str:
    """'3栋', '3号楼', '3幢', '3#', '三栋', 'A座' → '3' / 'A'."""
    raw = compact(value).upper()
    raw = re.sub(r"(号楼|栋|幢|座|楼|#|号)$", "", raw)
    return chinese_number(raw)


def unit_number(value) -> str:
    raw = compact(value)
    raw = re.sub(r"(单元|门)$", "", raw)
    return chinese_number(raw)


def room_number(value) -> str:
    raw = compact(value).upper()
    return re.sub(r"(室|号|户)$", "", raw)


def split_list(value) -> list[str]:
    raw = text(value)
    return [part for part in (p.strip() for p in re.split(r"[,，、;；/|\n]+", raw)) if part]


_ID_RE = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def redact(message: str) -> str:
    """Mask ID numbers and mobile numbers inside a message before it is stored in a report."""
    message = _ID_RE.sub(lambda m: masking.mask_id_number(m.group(0)), message)
    return _PHONE_RE.sub(lambda m: masking.mask_phone(m.group(0)), message)
