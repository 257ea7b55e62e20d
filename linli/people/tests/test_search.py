"""One search box: 以房找人、以人找房 by every key, always within the user's scope."""

import pytest

from linli.core import crypto
from linli.people.models import Person
from linli.people.selectors import classify_query, search


@pytest.mark.parametrize(
    "q, kind",
    [("张三", "name"), ("zs", "pinyin"), ("13812345678", "phone"), ("5678", "phone_last4"), ("3-2-501", "address"),
     ("52040219800517001X", "id_number"), ("彩虹社区3栋2单元501室", "address"), ("", "empty")],
)  # fmt: skip
def test_queries_are_recognised(q, kind):
    assert classify_query(q) == kind


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["张三", "张", "zs", "zhangsan", "13812345678", "138-1234-5678", "5678"])
def test_grid_worker_finds_their_resident_by_each_key(world, q):
    result = search(user=world.users["grid1"], q=q)
    assert [p.pk for p in result.persons] == [world.person_a.pk]


@pytest.mark.django_db
def test_search_by_full_id_number(world):
    number = crypto.decrypt(world.person_a.id_number_enc)
    assert search(user=world.users["grid1"], q=number.lower()).persons == [world.person_a]


@pytest.mark.django_db
def test_search_by_address_lands_on_the_house(world):
    result = search(user=world.users["grid1"], q="彩虹社区3栋2单元501室")
    assert result.houses == [world.house_a] and result.single_target == world.house_a


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["张三", "zs", "13812345678", "5678", "3-2-501"])
def test_search_never_crosses_the_grid(world, q):
    result = search(user=world.users["grid2"], q=q)
    assert result.persons == [] and result.houses == []


@pytest.mark.django_db
def test_console_search_jumps_to_a_single_hit(world, login):
    c = login(world.users["grid1"])
    r = c.get("/console/search/", {"q": "5678"})
    assert r.status_code == 302 and r["Location"] == f"/console/people/persons/{world.person_a.pk}/"
    r = c.get("/console/search/", {"q": "没有这个人"})
    assert "没有找到" in r.content.decode()


@pytest.mark.django_db
def test_console_results_show_each_persons_home_and_link_it(world, login):
    from linli.testing import add_person

    for i in range(3):
        add_person(house=world.house_a, name=f"同住{i}", kind="family")
    page = login(world.users["grid1"]).get("/console/search/", {"q": "同住"}).content.decode()
    for person in Person.objects.filter(name__startswith="同住"):
        assert f'<a href="/console/people/persons/{person.pk}/">{person.name}</a>' in page
    home = f'<a href="/console/housing/houses/{world.house_a.pk}/">{world.house_a.short_address}</a>'
    assert page.count(home) == 3
