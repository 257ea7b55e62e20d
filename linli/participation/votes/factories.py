"""Test factories for participation's votes part; @places for every scoped model of the part."""

import factory

from linli.core.factories import RegionFactory, places
from linli.housing.factories import BuildingFactory, CompoundFactory, HouseFactory
from linli.participation.votes import services
from linli.participation.votes.models import OwnerVote

__all__ = ["OwnerVoteFactory", "compound_with_houses"]


def compound_with_houses(community=None, areas=("80", "90", "100")):
    """A compound in ``community`` with one building (in a grid under it) holding houses of these areas."""
    community = community or RegionFactory(level="community")
    compound = CompoundFactory(community=community)
    building = BuildingFactory(grid=RegionFactory(level="grid", parent=community), compound=compound)
    houses = [HouseFactory(building=building, area=a) for a in areas]
    return compound, houses


class OwnerVoteFactory(factory.Factory):
    """An open vote of ``compound``'s owners (a fresh compound with three houses unless given) on one item."""

    class Meta:
        model = OwnerVote

    compound = factory.LazyFunction(lambda: compound_with_houses()[0])
    title = factory.Sequence(lambda n: f"测试表决{n}")
    items = factory.LazyFunction(lambda: [{"title": "选聘物业服务企业", "matter": 4}])

    @classmethod
    def _create(cls, model_class, **kwargs) -> OwnerVote:
        return services.vote_create(actor=None, **kwargs)


@places("participation.OwnerVote", level="community")
def _ownervote_in(community) -> OwnerVote:
    return OwnerVoteFactory(compound=compound_with_houses(community)[0])
