"""The person form shows every problem at once, checks names as Chinese registers write them, counts text."""

import pytest

from linli.people.forms import clean_person_name

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("张三", "张三"), ("阿卜杜·热合曼", "阿卜杜·热合曼"), ("阿卜杜•热合曼", "阿卜杜·热合曼"), ("阿卜杜 . 热合曼", "阿卜杜·热合曼"),
     ("John Smith", "John Smith"), ("Anne-Marie O'Neil", "Anne-Marie O'Neil")],
)  # fmt: skip
def test_names_as_registers_write_them(typed, kept):
    assert clean_person_name(typed) == kept


@pytest.mark.parametrize("typed", ["张", "张3", "张 三", "·张三", "张三··李", "张" * 31, "J", "张三John"])
def test_names_that_are_refused(typed):
    from django import forms

    with pytest.raises(forms.ValidationError):
        clean_person_name(typed)


def test_every_error_of_the_form_shows_at_once(world, login):
    client = login(world.users["grid1"])
    body = client.post(
        "/console/people/persons/add/",
        {"name": "张3", "id_type": "resident_id", "id_number": "520402198005170000", "phone": "12345",
         "ethnicity": "", "person_type": "resident", "political_status": "masses", "residency_kind": "owner",
         "address": "幸福小区9栋1单元101"},
    ).content.decode()  # fmt: skip
    for message in ("只能是汉字", "校验位错误", "联系电话", "没有找到“幸福小区9栋1单元101”"):
        assert message in body, message


def test_long_texts_carry_their_limit_for_the_counter(world, login):
    body = login(world.users["grid1"]).get("/console/people/persons/add/").content.decode()
    assert 'maxlength="500"' in body and "linli/counter.js" in body  # the counter says 最多 500 字，还可输入 N 字
