"""Test factories for housing: compounds, buildings and houses, made through the services that keep paths right."""

import factory

from linli.core.factories import RegionFactory, places
from linli.housing import services
from linli.housing.models import Building, Compound, House


class CompoundFactory(factory.Factory):
    """A compound (小区) in ``community``."""

    class Meta:
        model = Compound

    name = factory.Sequence(lambda n: f"测试小区{n}")
    community = factory.SubFactory(RegionFactory, level="community")
    property_company = None

    @classmethod
    def _create(cls, model_class, **kwargs) -> Compound:
        return services.compound_create(actor=None, **kwargs)


class BuildingFactory(factory.Factory):
    """A building (楼栋) in ``grid``, outside any compound unless one is given."""

    class Meta:
        model = Building

    grid = factory.SubFactory(RegionFactory, level="grid")
    number = factory.Sequence(lambda n: str(n + 1))
    compound = None

    @classmethod
    def _create(cls, model_class, **kwargs) -> Building:
        return services.building_create(actor=None, **kwargs)


class HouseFactory(factory.Factory):
    """A house (房屋) in ``building``: ``HouseFactory(building__grid=grid)`` places it in a grid."""

    class Meta:
        model = House

    building = factory.SubFactory(BuildingFactory)
    unit_number = "1"
    number = factory.Sequence(lambda n: str(101 + n))
    area = "80"

    @classmethod
    def _create(cls, model_class, **kwargs) -> House:
        return services.house_create(actor=None, **kwargs)


@places("housing.Compound", level="community")
def _compound_in(community) -> Compound:
    return CompoundFactory(community=community)


@places("housing.Building")
def _building_in(grid) -> Building:
    return BuildingFactory(grid=grid)


@places("housing.House")
def _house_in(grid) -> House:
    return HouseFactory(building__grid=grid)
