"""Writes on houses: compare-and-set updates, and a house's move carrying its residents' region along."""

import pytest

from linli.core.errors import ConflictError
from linli.housing import services


@pytest.mark.django_db
def test_house_update_refuses_a_stale_version(world):
    house = world.house_a
    services.house_update(actor=world.users["grid1"], house=house, version=house.version, floor=5)
    with pytest.raises(ConflictError):
        services.house_update(actor=world.users["grid1"], house=house, version=house.version - 1, floor=6)


@pytest.mark.django_db
def test_moving_a_house_out_of_its_household_unit_moves_its_residents_and_household(world):
    """Housing sends house_region_changed; people (which housing never imports) rewrites its region paths."""
    from linli.people.models import Household, Residency

    house, person = world.house_a, world.person_a
    assert house.region_path.startswith(world.unit_a1.path)
    services.house_update(actor=None, house=house, version=house.version, household_unit=None)
    house.refresh_from_db()
    person.refresh_from_db()
    assert house.region_path == world.grid_a.path
    assert person.region_path == world.grid_a.path
    assert set(Residency.objects.filter(house=house).values_list("region_path", flat=True)) == {world.grid_a.path}
    assert set(Household.objects.filter(house=house).values_list("region_path", flat=True)) == {world.grid_a.path}


@pytest.mark.django_db
def test_grid_worker_cannot_update_a_house_of_another_grid(world):
    from linli.core.errors import DomainError

    with pytest.raises(DomainError):
        services.house_update(actor=world.users["grid2"], house=world.house_a, version=world.house_a.version, floor=2)
