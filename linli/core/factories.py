"""Test factories for core (factory_boy): regions and region trees, organisations, users with grants.

Also the registry the permission matrix reads: every scoped kind with a region path registers, by model label,
a function that makes one row placed in a given region (``@places("housing.House")``). ``scoped_factories()``
imports every app's ``factories`` module first, so an app only has to write its own file.
"""

import datetime as dt
import importlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import factory
from django.apps import apps
from django.db.models import Model

from linli.core import services as core_services
from linli.core.models import Organisation, Region, RegionLevel, User
from linli.core.roles import ROLE_SCOPE, SCOPE_ORG, SCOPE_REGION

PASSWORD = "a-long-test-password-2026"
LEVELS = [
    ("district", "区", 1),
    ("street", "街道", 2),
    ("community", "社区", 3),
    ("grid", "网格", 4),
    ("unit", "十联户", 5),
]
_seq = itertools.count(1)
_numbers = itertools.count(1)


def make_id_number(birth: dt.date = dt.date(1980, 5, 17), *, area: str = "520402", male: bool = True) -> str:
    """A fictitious 18-digit ID with a valid check digit, unique within the test run."""
    from linli.core.identity import id_check_digit

    n = next(_numbers) % 500
    order = f"{n:02d}"[-2:] + str((2 * (n % 5)) + (1 if male else 0))
    body = f"{area}{birth:%Y%m%d}{order}"
    return body + id_check_digit(body)


def make_phone() -> str:
    return f"139{next(_numbers):08d}"


def region_levels() -> dict[str, RegionLevel]:
    """The five levels of the tree (区 → 街道 → 社区 → 网格 → 十联户), created once per test database."""
    return {
        code: RegionLevel.objects.get_or_create(code=code, defaults={"name": name, "depth": depth})[0]
        for code, name, depth in LEVELS
    }


class RegionFactory(factory.Factory):
    """A region under ``parent`` (or a root), one level below it unless ``level`` (a code) says otherwise."""

    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"测试区域{n}")
    parent = None
    level = None

    @classmethod
    def _create(cls, model_class, *, name, parent=None, level=None, **kwargs) -> Region:
        levels = region_levels()
        if level is None:
            depth = parent.level.depth + 1 if parent is not None else 1
            level = next(code for code, _, d in LEVELS if d == depth)
        return core_services.region_create(actor=None, name=name, level=levels[level], parent=parent, **kwargs)


@dataclass
class RegionTree:
    """区 → 街道 → community 1 (grid 1, grid 2) and community 2 (grid 3): two sibling grids and two communities."""

    district: Region
    street: Region
    community1: Region
    grid1: Region
    grid2: Region
    community2: Region
    grid3: Region

    def at(self, level: str) -> tuple[Region, Region]:
        """Two sibling regions of ``level`` (``grid`` or ``community``): the first is inside, the second outside."""
        return (self.grid1, self.grid2) if level == "grid" else (self.community1, self.community2)


def region_tree() -> RegionTree:
    district = RegionFactory(name="测试区")
    street = RegionFactory(name="测试街道", parent=district)
    community1 = RegionFactory(name="第一社区", parent=street)
    community2 = RegionFactory(name="第二社区", parent=street)
    return RegionTree(
        district=district,
        street=street,
        community1=community1,
        grid1=RegionFactory(name="第一网格", parent=community1),
        grid2=RegionFactory(name="第二网格", parent=community1),
        community2=community2,
        grid3=RegionFactory(name="第三网格", parent=community2),
    )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试机构{n}")
    kind = Organisation.Kind.DEPARTMENT
    region = factory.SubFactory(RegionFactory)
    region_path = factory.LazyAttribute(lambda o: o.region.path)


class UserFactory(factory.Factory):
    """A user, with ``grants=[(role, anchor), ...]`` where the anchor is a Region, an Organisation or None."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyAttribute(lambda o: o.username)
    password = PASSWORD
    grants = ()

    @classmethod
    def _create(cls, model_class, *, grants=(), **kwargs) -> User:
        user = core_services.user_create(actor=None, **kwargs)
        for role, anchor in grants:
            grant(user, role, anchor)
        return user


def grant(user: User, role: str, anchor: Region | Organisation | None = None):
    """Give ``user`` ``role``, anchored where the role needs it (a region, an organisation, or nothing)."""
    mode = ROLE_SCOPE[role]
    region = anchor if mode == SCOPE_REGION else None
    organisation = anchor if mode == SCOPE_ORG else None
    return core_services.grant_add(actor=None, user=user, role=role, region=region, organisation=organisation)


# --- the registry of factories for scoped kinds -----------------------------------------------------------


@dataclass(frozen=True)
class Placer:
    """Makes one row of a scoped model placed in a region of ``level`` (a grid, or a community for compounds)."""

    label: str
    make: Callable[[Region], Model]
    level: str = "grid"


_placers: dict[str, Placer] = {}


def places(label: str, *, level: str = "grid"):
    """Register ``make(region) -> row`` as the factory the permission matrix uses for ``label``."""

    def wrap(make: Callable[[Region], Model]):
        _placers[label] = Placer(label=label, make=make, level=level)
        return make

    return wrap


def scoped_factories() -> dict[str, Placer]:
    """Every registered placer, by model label, after importing each app's ``factories`` module."""
    for config in apps.get_app_configs():
        if config.name.startswith("linli."):
            try:
                importlib.import_module(f"{config.name}.factories")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.factories":
                    raise
    return dict(_placers)


@places("core.Region")
def _region_in(region: Region) -> Region:
    return RegionFactory(parent=region)


@places("core.Organisation")
def _organisation_in(region: Region) -> Organisation:
    return OrganisationFactory(region=region)
