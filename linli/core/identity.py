"""Validation and normalisation of 居民身份证号码 (GB 11643-1999), phones and 统一社会信用代码 (GB 32100-2015).

Each function returns the normalised value or raises ``DomainError`` with a Chinese message that names
the field, so every interface (form, API, import) explains a rejection the same way.
"""

import datetime as dt
import re
import unicodedata

from django.utils import timezone

from linli.core.errors import DomainError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# Province-level codes (first two digits) of GB/T 2260.
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}  # fmt: skip


def normalise_text(value) -> str:
    """Full-width to half-width, strip spaces of every kind (ledgers are full of them)."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", text)


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def parse_id_number(value, *, field: str = "身份证号", today: dt.date | None = None) -> str:
    """Return the 18-digit ID number (upper-case X); convert 15-digit legacy numbers."""
    raw = normalise_text(value).upper()
    if not raw:
        raise DomainError(f"{field}：不能为空", field=field)
    if re.fullmatch(r"\d{15}", raw):
        body = raw[:6] + "19" + raw[6:15]
        raw = body + id_check_digit(body)
    elif not re.fullmatch(r"\d{17}[\dX]", raw):
        if re.fullmatch(r"\d+(\.\d+)?E\+?\d+", raw) or re.fullmatch(r"\d{16,17}0{0,2}\.0+", raw):
            raise DomainError(
                f"{field}：看起来被 Excel 存成了数字并丢失了精度（{raw}），请把该列设为文本后重新填写", field=field
            )
        raise DomainError(f"{field}：应为 18 位（最后一位可为 X）或 15 位旧号码，实际为“{raw}”", field=field)
    if raw[:2] not in PROVINCES:
        raise DomainError(f"{field}：前两位“{raw[:2]}”不是有效的省级行政区划代码", field=field)
    try:
        birth = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise DomainError(f"{field}：出生日期“{raw[6:14]}”不存在", field=field)
    today = today or timezone.localdate()
    if birth > today or birth.year < 1890:
        raise DomainError(f"{field}：出生日期“{raw[6:14]}”不合理", field=field)
    if id_check_digit(raw[:17]) != raw[17]:
        raise DomainError(f"{field}：校验位错误（应为 {id_check_digit(raw[:17])}），请核对号码", field=field)
    return raw


def id_birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_sex(id_number: str) -> str:
    """'M' or 'F' from the 17th digit (odd = male)."""
    return "M" if int(id_number[16]) % 2 else "F"


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


MOBILE_RE = re.compile(r"1[3-9]\d{9}")


def parse_phone(value, *, field: str = "联系电话") -> str:
    """Return ``13812345678`` for a mobile or ``0851-33221234`` for a landline."""
    raw = normalise_text(value)
    if not raw:
        raise DomainError(f"{field}：不能为空", field=field)
    digits = re.sub(r"[-()（）.]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if digits.endswith(".0") and digits[:-2].isdigit():
        digits = digits[:-2]
    if MOBILE_RE.fullmatch(digits):
        return digits
    if digits.startswith("0") and digits.isdigit():
        # Three-digit area codes are 010 and 02x; all others have four digits.
        cut = 3 if digits[1] in "12" else 4
        area, number = digits[:cut], digits[cut:]
        if 7 <= len(number) <= 8 and number[0] != "0":
            return f"{area}-{number}"
    if len(digits) == 11 and digits.startswith("1"):
        raise DomainError(f"{field}：“{raw}”不是有效的手机号码（第二位应为 3–9）", field=field)
    raise DomainError(f"{field}：“{raw}”不是有效的手机号码（11 位）或固定电话（区号-号码）", field=field)


CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def parse_credit_code(value, *, field: str = "统一社会信用代码") -> str:
    raw = normalise_text(value).upper()
    if not re.fullmatch(f"[{CREDIT_CHARS}]{{18}}", raw):
        raise DomainError(f"{field}：应为 18 位数字或大写字母（不含 I、O、Z、S、V），实际为“{raw}”", field=field)
    if credit_check_char(raw[:17]) != raw[17]:
        raise DomainError(f"{field}：校验位错误，请核对", field=field)
    return raw
