"""A given name alone finds the person: 小明 finds 王小明 and 欧阳小明, never someone out of scope."""

from linli.people.selectors import search
from linli.testing import add_person


def test_given_name_without_surname_finds_the_person(world):
    wang = add_person(house=world.house_a, name="王小明")
    ouyang = add_person(house=world.house_a, name="欧阳小明")
    add_person(house=world.house_a, name="王大明")
    add_person(house=world.house_c, name="李小明")  # another community: not grid 1's
    found = search(user=world.users["grid1"], q="小明").persons
    assert {p.pk for p in found} == {wang.pk, ouyang.pk}


def test_surname_search_still_comes_first(world):
    add_person(house=world.house_a, name="张小三")
    names = [p.name for p in search(user=world.users["grid1"], q="张三").persons]
    assert names[0] == "张三"


def test_given_name_search_takes_wildcards_literally_and_keeps_the_name_length_rule(world):
    add_person(house=world.house_a, name="王小明")
    add_person(house=world.house_a, name="司马小明明")  # ends with 小明明, not 小明 after a surname of 1–2
    odd = add_person(house=world.house_a, name="王小_明")
    assert [p.name for p in search(user=world.users["grid1"], q="_明").persons] == [odd.name]
    assert search(user=world.users["grid1"], q="%明").persons == []
    assert [p.name for p in search(user=world.users["grid1"], q="小明明").persons] == ["司马小明明"]
