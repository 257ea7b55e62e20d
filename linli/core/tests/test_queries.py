"""List pages and API lists run a fixed number of queries however many rows they show (no N+1)."""

import pytest

from linli.testing import add_person


@pytest.fixture
def crowded(world):
    for i in range(30):
        add_person(house=world.house_a, name=f"测试{i}", kind="family")
    return world


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/console/people/persons/", "/console/housing/houses/", "/console/people/households/",
     "/console/housing/buildings/", "/console/regions/", "/console/search/?q=测试"],
)  # fmt: skip
def test_console_lists_do_not_grow_queries_with_rows(crowded, login, django_assert_max_num_queries, url):
    c = login(crowded.users["grid1"])
    c.get(url)  # warm the session and caches
    with django_assert_max_num_queries(14):
        assert c.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/persons/", "/api/v1/houses/", "/api/v1/households/", "/api/v1/residencies/", "/api/v1/regions/"]
)
def test_api_lists_do_not_grow_queries_with_rows(crowded, api, django_assert_max_num_queries, url):
    client = api(crowded.users["grid1"])
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_staff_home_shows_counts_per_grid_from_grouped_queries(world, login, django_assert_max_num_queries):
    from django.core.cache import cache

    cache.clear()
    c = login(world.users["staff"])
    with django_assert_max_num_queries(25):  # 20 + the event cards (queue, task counts, first tasks, area figures)
        # + deliberation's cards (matters to review and overdue follow-up items, one query) + the counters' queue
        body = c.get("/console/").content.decode()
    assert "第一网格" in body and "第二网格" in body
    # figures come from the cache; the event and deliberation cards do not, nor party's (is the user a member?)
    with django_assert_max_num_queries(13):
        assert c.get("/console/").status_code == 200


@pytest.mark.django_db
def test_the_menu_highlights_only_the_page_you_are_on(world, login):
    body = login(world.users["staff"]).get("/console/people/persons/add/").content.decode()
    assert body.count('class="nav-item active"') == 1
