"""Numbers sort as people count them: 101 before 1001, building 3 before 12, unit 2 before 10."""

import re

from linli.housing import services
from linli.housing.models import Building, House, Unit


def test_houses_buildings_and_units_sort_naturally(world):
    grid = world.grid_a
    for number in ("12", "10", "4"):
        services.building_create(actor=None, grid=grid, number=number, compound=world.house_a.building.compound)
    building = Building.objects.get(number="12")
    for unit, number in [("10", "101"), ("2", "1001"), ("2", "101"), ("1", "99")]:
        services.house_create(actor=None, building=building, unit_number=unit, number=number, floor=1)
    in_compound = Building.objects.filter(compound=world.house_a.building.compound)
    assert [b.number for b in in_compound] == ["3", "4", "10", "12"]
    assert [u.number for u in Unit.objects.filter(building=building)] == ["1", "2", "10"]
    houses = House.objects.filter(building=building)
    assert [(h.unit.number, h.number) for h in houses] == [("1", "99"), ("2", "101"), ("2", "1001"), ("10", "101")]


def test_building_page_lists_its_houses_in_natural_order(world, login):
    building = services.building_create(actor=None, grid=world.grid_a, number="7")
    for unit, number in [("10", "101"), ("2", "1001"), ("2", "101")]:
        services.house_create(actor=None, building=building, unit_number=unit, number=number, floor=1)
    body = login(world.users["staff"]).get(f"/console/housing/buildings/{building.pk}/").content.decode()
    rows = re.findall(r"<tr><td>(\d+)</td><td><a href=\"[^\"]+\">(\d+)</a>", body)
    assert rows == [("2", "101"), ("2", "1001"), ("10", "101")]
