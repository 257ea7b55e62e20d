"""``scoping.extend``: an app widens another app's scope without that app importing it, in either load order."""

import pytest
from django.db.models import Q

from linli.core import scoping


@pytest.fixture
def clean_registry():
    saved = dict(scoping._registry), {k: list(v) for k, v in scoping._extensions.items()}
    yield
    scoping._registry.clear()
    scoping._registry.update(saved[0])
    scoping._extensions.clear()
    scoping._extensions.update(saved[1])


def test_an_extension_is_ored_with_the_owners_rule_whichever_registers_first(clean_registry):
    first = lambda user: Q(pk=1)  # noqa: E731
    second = lambda user: Q(pk=2)  # noqa: E731
    scoping.register("thing", "core.Region", own=first)
    scoping.extend("thing", own=second)
    scoping.extend("later", own=second)  # before its owner registers
    scoping.register("later", "core.Region", own=first)
    for kind in ("thing", "later"):
        assert scoping.scope_for(kind).own(None) == Q(pk=1) | Q(pk=2)


def test_extending_twice_with_the_same_rule_adds_it_once(clean_registry):
    rule = lambda user: Q(pk=3)  # noqa: E731
    scoping.register("once", "core.Region")
    scoping.extend("once", own=rule)
    scoping.extend("once", own=rule)
    scoping.register("once", "core.Region")  # registering again keeps the extension, once
    assert scoping.scope_for("once").own(None) == Q(pk=3)


@pytest.mark.django_db
def test_resident_sees_their_own_house_through_peoples_extension(world):
    from linli.housing.models import House

    resident = world.users["resident"]
    own = set(scoping.restrict(resident, "house.view", House.objects.all()).values_list("pk", flat=True))
    assert own and world.house_b.pk not in own
