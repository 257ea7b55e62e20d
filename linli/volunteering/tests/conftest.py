import pytest

from linli.core.factories import UserFactory
from linli.core.roles import Role


def _member(world, username, name):
    """A party member who also volunteers in 彩虹社区's grid A: the wall of that community is theirs."""
    from linli.volunteering import services

    user = UserFactory(username=username, full_name=name, grants=[(Role.PARTY_MEMBER, None)])
    services.volunteer_register(user=user, consent=True, region=world.grid_a)
    return user


@pytest.fixture
def member(world):
    return _member(world, "member", "刘党员")


@pytest.fixture
def member2(world):
    return _member(world, "member2", "陈党员")
