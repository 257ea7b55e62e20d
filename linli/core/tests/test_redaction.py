"""Redaction of personal data in free text before anything is published."""

import pytest

from linli.core.redaction import ID_MASK, NUMBER_MASK, PHONE_MASK, PLATE_MASK, contains_personal_data, redact


@pytest.mark.parametrize(
    "text",
    ["身份证520402199001011234电话", "身份证 52040219900101123X", "身份证52040219900101123x。",
     "证件号 520402 19900101 1234", "号码 5204 0219 9001 0112 34", "老身份证 520402900101123",
     "身份证５２０４０２１９９００１０１１２３４"],
)  # fmt: skip
def test_id_numbers_are_masked(text):
    out = redact(text)
    assert ID_MASK in out and not any(ch.isdigit() for ch in out)


@pytest.mark.parametrize(
    "text",
    ["电话13812345678", "打 138 1234 5678 找我", "手机：138-1234-5678", "+86 138 1234 5678", "+8613812345678",
     "(+86)13812345678", "008613812345678", "座机 0851-33221100", "座机（0851）3322110", "座机 0851 3322 1100",
     "010-88776655"],
)  # fmt: skip
def test_phones_are_masked(text):
    out = redact(text)
    assert PHONE_MASK in out and not any(ch.isdigit() for ch in out), out


@pytest.mark.parametrize(
    "text",
    ["贵G12345 挡住了消防通道", "车牌贵G·D12345（新能源）", "贵g12345", "粤B 88888", "贵AD12345停在门口", "川A.1234警"],
)
def test_plates_are_masked(text):
    out = redact(text)
    assert PLATE_MASK in out and not any(ch.isdigit() for ch in out), out


def test_ordinary_text_is_left_alone():
    for text in ["3栋楼下垃圾堆了3天没人清运", "2026-11-21 上午 9:30 停水", "贵州省安顺市西秀区", "事件 SJ202611210001",
                 "面积 120 平方米，费用 1,500 元", "贵阳市第12中学"]:  # fmt: skip
        assert redact(text) == text and not contains_personal_data(text)


def test_bank_card_like_numbers_and_mixed_text():
    out = redact("卡号 6222 0212 3456 7890 123，身份证520402199001011234，电话13812345678，车贵G12345")
    assert out == f"卡号 {NUMBER_MASK}，身份证{ID_MASK}，电话{PHONE_MASK}，车{PLATE_MASK}"


@pytest.mark.parametrize(
    "typed, mask",
    [
        ("身份证520402.19800517.3890", "ID"),
        ("身份证 520402/1980/0517/3890", "ID"),
        ("电话138.1234.5678", "PHONE"),
        ("电话138/1234/5678", "PHONE"),
        ("电话138_1234_5678", "PHONE"),
        ("电话 138 - 1234 - 5678", "PHONE"),
        ("电话138\u200b1234\u200b5678", "PHONE"),  # zero-width spaces between the groups
        ("身份证5204\u200d0219\u200d8005\u200d173890", "ID"),
        ("车牌 贵 G 12345", "PLATE"),
    ],
)
def test_other_separators_and_invisible_characters_do_not_hide_a_number(typed, mask):
    out = redact(typed)
    assert {"ID": ID_MASK, "PHONE": PHONE_MASK, "PLATE": PLATE_MASK}[mask] in out
    assert not any(ch.isdigit() for ch in out), out
