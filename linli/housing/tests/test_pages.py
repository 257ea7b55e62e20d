"""Housing's console pages, and what housing brings to core's region page (without core importing housing)."""

import pytest


@pytest.mark.django_db
def test_house_page_shows_residents_through_the_people_section(world, login):
    c = login(world.users["grid1"])
    body = c.get(f"/console/housing/houses/{world.house_a.pk}/").content.decode()
    assert "住户" in body and "现住人员" in body and world.person_a.name in body
    assert "登记住户" in body and f"/console/people/persons/add/?house={world.house_a.pk}" in body
    history = c.get(f"/console/housing/houses/{world.house_a.pk}/?tab=history").content.decode()
    assert "现住人员" not in history and world.person_a.name not in history


@pytest.mark.django_db
def test_house_of_another_grid_is_not_found(world, login):
    c = login(world.users["grid2"])
    assert c.get(f"/console/housing/houses/{world.house_a.pk}/").status_code == 404


@pytest.mark.django_db
def test_region_page_lists_the_grids_buildings_and_counts_them_per_child(world, login):
    c = login(world.users["staff"])
    grid = c.get(f"/console/regions/{world.grid_a.pk}/").content.decode()
    assert "楼栋" in grid and str(world.house_a.building) in grid
    community = c.get(f"/console/regions/{world.community.pk}/").content.decode()
    assert "栋楼" in community  # "第一网格（网格，2 栋楼）"
