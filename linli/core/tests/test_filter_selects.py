"""The region <select> of the filter forms (events' 网格/社区, people's 网格): the options a user sees, their order
and selection, their scope, and what rendering them costs. A community has hundreds of grids, each with its
boundary polygon; the options are read as (id, name) pairs, not as a model instance per grid."""

import re

import pytest
from django.db.models.signals import pre_init
from django.forms import Select
from django.urls import reverse

from linli.core import services as core_services
from linli.core.filtersets import FastSelect
from linli.core.models import Region
from linli.testing import levels, square

EXTRA_GRIDS = 30


@pytest.fixture
def many_grids(world):
    lv = levels()
    return [
        core_services.region_create(
            actor=None,
            name=f"加密网格{i:02d}",
            level=lv["grid"],
            parent=world.community,
            boundary=square(105.93 + i / 1000, 26.244),
        )  # fmt: skip
        for i in range(EXTRA_GRIDS)
    ]


@pytest.fixture
def region_instances():
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    pre_init.connect(count, sender=Region)
    yield made
    pre_init.disconnect(count, sender=Region)


def _options(page: str, name: str = "grid") -> list[tuple[str, str, bool]]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [
        (v, label, bool(sel)) for v, sel, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)<', select)
    ]


@pytest.mark.parametrize("url", ["events:event_queue", "people:person_list"])
def test_the_grid_options_are_read_as_names_not_a_region_per_grid(world, login, many_grids, region_instances, url):
    c = login(world.users["staff"])
    c.get(reverse(url))  # a worker in service has its caches filled
    region_instances.clear()
    page = c.get(reverse(url)).content.decode()
    labels = [label for _, label, _ in _options(page)]
    assert all(g.name in labels for g in many_grids)
    assert len(region_instances) < EXTRA_GRIDS, f"{len(region_instances)} Region instances for one page"


def test_the_queue_lists_the_community_and_its_grids_in_tree_order_and_keeps_the_choice(world, login, many_grids):
    c = login(world.users["staff"])
    page = c.get(reverse("events:event_queue") + f"?grid={world.grid_b.pk}").content.decode()
    options = _options(page)
    assert options[0] == ("", "全部", False)
    ids = [int(v) for v, _, _ in options[1:]]
    expected = Region.objects.filter(path__startswith=world.community.path, level__code__in=["community", "grid"])
    assert ids == list(expected.order_by("path").values_list("pk", flat=True))
    assert [v for v, _, sel in options if sel] == [str(world.grid_b.pk)]
    assert str(world.grid_c.pk) not in ids and "塔西第一网格" not in page  # another community's grid


def test_a_grid_workers_person_list_offers_only_their_grid(world, login, many_grids):
    page = login(world.users["grid1"]).get(reverse("people:person_list")).content.decode()
    options = _options(page)
    assert options[0][0] == "" and [label for _, label, _ in options[1:]] == [world.grid_a.name]


def _parts(html: str):
    html = re.sub(r">\s+<", "><", str(html)).replace("\n", "")
    head, options = re.match(r"<select([^>]*)>(.*)</select>$", html).groups()
    return sorted(re.findall(r'\S+="[^"]*"', head)), options


@pytest.mark.parametrize("value", [None, "2", "3"])
def test_the_fast_select_writes_what_djangos_select_writes(value):
    """Same attributes, same options in the same order, same escaping, same selection."""
    choices = [("", "全部"), (1, "第一网格"), (2, "A&B <网格>"), (3, '“引号”\'s "grid"')]
    ours = FastSelect(attrs={"class": "form-select"}, choices=choices).render("grid", value, attrs={"id": "id_grid"})
    django = Select(attrs={"class": "form-select"}, choices=choices).render("grid", value, attrs={"id": "id_grid"})
    assert _parts(ours) == _parts(django)
