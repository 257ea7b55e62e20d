import pytest


@pytest.fixture
def estate(world):
    """彩虹花园 with six units: the resident's 89.50 ㎡, a buyer of two 100 ㎡ units, a 50.50 ㎡ owner and two
    60 ㎡ units the developer has not sold. Area 460 ㎡, 4 owners by headcount."""
    from linli.housing import services as housing_services
    from linli.people.factories import EntityFactory, OwnershipFactory, PersonFactory

    compound = world.house_a.building.compound
    building = housing_services.building_create(actor=None, grid=world.grid_a, number="8", compound=compound)

    def house(number, area):
        return housing_services.house_create(actor=None, building=building, unit_number="1", number=number, area=area)

    h1, h2, h3, h4, h5 = (
        house("101", "100"),
        house("102", "100"),
        house("201", "50.50"),
        house("301", "60"),
        house("302", "60"),
    )
    buyer = PersonFactory(house=h1, name="赵六")
    other = PersonFactory(house=h3, name="钱七")
    developer = EntityFactory(name="彩虹置业有限公司", kind="legal", grid=world.grid_a)
    OwnershipFactory(house=world.house_a, person=world.person_a)
    OwnershipFactory(house=h1, person=buyer)
    OwnershipFactory(house=h2, person=buyer)
    OwnershipFactory(house=h3, person=other)
    OwnershipFactory(house=h4, entity=developer, developer=True)
    OwnershipFactory(house=h5, entity=developer, developer=True)
    return {"compound": compound, "h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5, "buyer": buyer, "other": other}
