"""ID numbers (GB 11643), phones and credit codes: validation, normalisation, derived fields, masks."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linli.core.errors import DomainError
from linli.core.identity import (
    credit_check_char,
    id_birth_date,
    id_check_digit,
    id_sex,
    parse_credit_code,
    parse_id_number,
    parse_phone,
)
from linli.core.masking import mask_id_number, mask_name, mask_phone

areas = st.sampled_from(["520402", "110101", "440305", "520421", "650102"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
orders = st.integers(min_value=0, max_value=999)


def build_id(area: str, birth: dt.date, order: int) -> str:
    body = f"{area}{birth:%Y%m%d}{order:03d}"
    return body + id_check_digit(body)


@given(areas, births, orders)
def test_every_well_formed_id_is_accepted_with_birth_date_and_sex(area, birth, order):
    number = build_id(area, birth, order)
    assert parse_id_number(number) == number
    assert id_birth_date(number) == birth
    assert id_sex(number) == ("M" if order % 2 else "F")


@given(areas, births, orders, st.integers(min_value=1, max_value=10))
def test_a_wrong_check_digit_is_refused_with_the_right_one_named(area, birth, order, shift):
    number = build_id(area, birth, order)
    digits = "0123456789X"
    wrong = digits[(digits.index(number[-1]) + shift) % 11]
    with pytest.raises(DomainError) as err:
        parse_id_number(number[:-1] + wrong)
    assert "校验位" in err.value.message and number[-1] in err.value.message


def test_lowercase_x_full_width_and_spaces_are_normalised():
    body = "52040219800517001"
    number = body + id_check_digit(body)
    messy = " ".join(number[:6]) + number[6:].translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    assert parse_id_number(messy) == number


def test_fifteen_digit_legacy_number_becomes_eighteen_digits():
    legacy = "520402800517001"
    converted = parse_id_number(legacy)
    assert converted.startswith("52040219800517001") and len(converted) == 18
    assert converted[-1] == id_check_digit(converted[:17])


@pytest.mark.parametrize(
    "value, words",
    [
        ("52040219800230001X", "出生日期"),  # 30 February
        ("520402" + "20990101" + "0011", "出生日期"),  # in the future
        ("990402198005170011", "省级行政区划"),
        ("5.20402198005E+17", "精度"),  # Excel turned it into a number
        ("1234", "18 位"),
        ("", "不能为空"),
    ],
)
def test_bad_ids_say_why_in_chinese(value, words):
    with pytest.raises(DomainError) as err:
        parse_id_number(value)
    assert words in err.value.message
    assert err.value.message.startswith("身份证号")


@given(st.sampled_from("3456789"), st.integers(min_value=0, max_value=99_999_999))
def test_mainland_mobiles_are_accepted_in_every_common_spelling(second, rest):
    number = f"1{second}{rest:09d}"
    for spelling in (number, f"+86 {number}", f"{number[:3]}-{number[3:7]}-{number[7:]}", f"{number[:3]} {number[3:]}"):
        assert parse_phone(spelling) == number


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "abc", "138123456789"])
def test_malformed_phones_are_refused(value):
    with pytest.raises(DomainError) as err:
        parse_phone(value)
    assert "联系电话" in err.value.message


def test_landlines_keep_their_area_code():
    assert parse_phone("0851-33221234") == "0851-33221234"
    assert parse_phone("010 12345678") == "010-12345678"


def test_masks_follow_the_design():
    assert mask_id_number("52040219800517001X") == "52**************1X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**"


def test_credit_code_check_character():
    body = "91520402MA6DKTBL0"
    code = body + credit_check_char(body)
    assert parse_credit_code(code.lower()) == code
    with pytest.raises(DomainError):
        parse_credit_code(body + ("0" if code[-1] != "0" else "1"))
