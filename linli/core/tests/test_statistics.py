"""Registered statistics (``m.stat``): every figure computes for each role and counts only what the viewer may see."""

import pytest

from linli.core.modules import statistics


@pytest.fixture
def rows_in_both_grids(world):
    """The shared world has a household only in grid A: add one in grid B, and an open event in each grid."""
    from linli.events import services
    from linli.people.services import household_create

    household_create(actor=None, house=world.house_b, householder=world.person_b)

    for house in (world.house_a, world.house_b):
        services.event_open(
            channel="phone", category_code="0201", text="楼下垃圾堆了三天没人清运", house=house, actor=None
        )
    # And one row of every scoped model in each grid, through the factories' registry: a new module's figure has
    # rows on both sides without editing this file.
    from django.apps import apps
    from django.db import transaction

    from linli.core.errors import DomainError
    from linli.core.factories import scoped_factories
    from linli.core.scoping import scopes

    paths = {s.model: s.region_path for s in scopes() if s.region_path}
    for placer in scoped_factories().values():
        rows, path = apps.get_model(placer.label)._default_manager, paths.get(placer.label)
        for grid in (world.grid_a, world.grid_b):
            if placer.level == "grid" and path and not rows.filter(**{f"{path}__startswith": grid.path}).exists():
                try:
                    with transaction.atomic():
                        placer.make(grid)
                except DomainError:  # a factory's new building clashes with the world's numbering: that app has
                    pass  # rows from the hand-made world above already
    return world


def test_the_start_page_figures_are_registered_statistics():
    keys = {s.key for s in statistics()}
    assert {"people.population", "people.households", "housing.houses", "housing.buildings"} <= keys
    assert {"events.open", "events.overdue", "events.recent"} <= keys
    assert all(s.app and s.label and s.action for s in statistics())


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(s.key for s in statistics()))
def test_grid_worker_counts_only_their_grid_and_admin_counts_all(rows_in_both_grids, key):
    world = rows_in_both_grids
    stat = next(s for s in statistics() if s.key == key)
    admin, grid1 = world.users["admin"], world.users["grid1"]
    everything = stat.compute(admin, None)
    own = stat.compute(grid1, None)
    assert isinstance(everything, int | float) and isinstance(own, int | float)
    # The grid worker's figure is exactly the admin's figure for grid A, and nothing of grid B.
    assert own == stat.compute(admin, world.grid_a)
    assert stat.compute(grid1, world.grid_b) == 0
    assert stat.compute(admin, world.grid_b) + own <= everything
    if key != "events.overdue":  # nothing is overdue in a fresh world; every other figure has rows in both grids
        assert 0 < own < everything


@pytest.mark.django_db
def test_a_capped_figure_stops_counting_at_the_cap(world):
    stat = next(s for s in statistics() if s.key == "people.population")
    admin = world.users["admin"]
    assert stat.compute(admin, None) > 2
    assert stat.compute(admin, None, cap=1) == 2


@pytest.mark.django_db
def test_breakdown_counts_per_child_region_only_what_the_user_sees(world):
    stat = next(s for s in statistics() if s.key == "people.population")
    community = world.community
    by_admin = stat.breakdown(world.users["admin"], community)
    by_grid1 = stat.breakdown(world.users["grid1"], community)
    assert by_admin[world.grid_a.path] == by_grid1[world.grid_a.path] > 0
    assert by_admin.get(world.grid_b.path, 0) > 0 and world.grid_b.path not in by_grid1
