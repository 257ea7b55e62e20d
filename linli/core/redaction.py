"""Redaction of personal data in free text before it is published (Open311 feeds, public notes).

Residents type ID numbers, phones and plates into descriptions ("我身份证 52040219900101123X，电话 138 1234 5678").
``redact(text)`` replaces every such string with a mask that says what was removed, e.g. ``[身份证号已隐去]``.
It over-redacts on purpose: a long number that is not an ID number is masked too, because a public feed loses
nothing by it. Digits may be full-width (``\\d`` matches every Unicode decimal digit) and grouped with spaces or
dashes; the boundaries are digit-based, not ``\\b``, because Chinese characters count as word characters.
"""

import re

ID_MASK = "[身份证号已隐去]"
PHONE_MASK = "[电话已隐去]"
PLATE_MASK = "[车牌号已隐去]"
EMAIL_MASK = "[邮箱已隐去]"
NUMBER_MASK = "[号码已隐去]"

# Up to three separators between digits: spaces (also no-break / ideographic), dashes, dots, slashes,
# underscores, middle dots ("138 - 1234 - 5678", "138.1234.5678", "520402/1980/0517/3890").
_SEP = r"[ \-\u00a0\u3000－.．/／_·•]{0,3}"
# Invisible characters a writer can slip between digits; removed before anything is judged.
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
_X = "Xx×Ｘｘ"
_NOT_BEFORE = r"(?<![\dA-Za-zＡ-Ｚａ-ｚ])"
_NOT_AFTER = r"(?![\dA-Za-zＡ-Ｚａ-ｚ])"

# A run of digits as people type numbers: optional "+", "(+86)" or "(0851)" in front, single spaces or dashes
# between digits, an ID number's final X. Each run is then judged by its digits (``_judge``).
_RUN = re.compile(
    _NOT_BEFORE + r"(?:[+＋]|[(（][+＋]?\d{2,4}[)）]" + _SEP + r")?\d(?:" + _SEP + r"\d)*(?:[" + _X + r"](?![A-Za-z]))?"
)  # fmt: skip
# Chinese plates: province, letter, optional dot/space, 5 characters (6 for new energy) with at least one digit,
# or 4 characters and a suffix (警, 学, 挂, 港, 澳, 领).
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_ALNUM = "A-Za-z0-9Ａ-Ｚａ-ｚ０-９"
_PLATE = re.compile(
    r"[" + _PROVINCES + r"][ \u3000]?[A-Za-zＡ-Ｚａ-ｚ][ \u3000·•・.．\-]?(?=[" + _ALNUM + r"]{0,5}[0-9０-９])"
    + r"(?:[" + _ALNUM + r"]{4}[挂学警港澳领]|[" + _ALNUM + r"]{5,6}[挂学警港澳领]?)" + _NOT_AFTER
)  # fmt: skip
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def _judge(match: re.Match) -> str:
    """The mask for a run of digits, or the run itself when it is too short to identify anyone."""
    run = match.group(0)
    has_x = run[-1] in _X
    digits = "".join(str(int(ch)) for ch in run if ch.isdigit())  # full-width digits become ASCII
    n = len(digits)
    if has_x and n != 17:
        return _judge_digits(run[:-1], digits) + run[-1]
    if has_x:
        return ID_MASK
    return _judge_digits(run, digits)


def _judge_digits(run: str, digits: str) -> str:
    n = len(digits)
    if _MOBILE.fullmatch(digits) or _MOBILE.fullmatch(digits.removeprefix("0086").removeprefix("86")):
        return PHONE_MASK
    if n in (15, 18):
        return ID_MASK
    if digits.startswith("0") and 10 <= n <= 12:  # area code and a 7- or 8-digit landline
        return PHONE_MASK
    if n >= 10:
        return NUMBER_MASK
    return run


def redact(text: str | None) -> str:
    """``text`` with ID numbers, phones, plates, e-mail addresses and long numbers replaced by masks."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PLATE.sub(PLATE_MASK, text)
    return _RUN.sub(_judge, text)


def contains_personal_data(text: str | None) -> bool:
    """Whether ``redact`` would change ``text``."""
    return bool(text) and redact(text) != text
