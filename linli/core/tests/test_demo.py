"""Core's demo machinery: the town plan's shape and geometry, and the context the apps' steps share."""

import random
from decimal import Decimal

import pytest

from linli.core.demo import DEFAULT_PERSONS, DEFAULT_SEED, DemoContext, cn_number, load, weighted
from linli.core.demo_layout import plan_all
from linli.core.geo import point_in_polygon


def test_plan_has_the_counted_shape_of_caihong():
    plan = plan_all(DEFAULT_PERSONS, DEFAULT_SEED)[0][2]
    assert [g.name for g in plan.grids] == [f"彩虹社区第{n}网格" for n in "一二三四五"]
    assert len(plan.unit_names) == 115
    assert [sum(1 for gi, _ in plan.unit_names if gi == g) for g in range(5)] == [23] * 5
    assert [b.number for b in plan.buildings] == list(range(1, 46))
    occupied = [h for h in plan.houses if h.kind]
    assert len(occupied) == 1305
    assert sum(h.size for h in occupied) == 6908
    assert all(1 <= h.size <= 6 for h in occupied)
    assert all(1 <= h.floor <= 18 for h in plan.houses)
    assert all(Decimal(45) <= h.area <= Decimal(160) for h in plan.houses)


def test_grids_tile_without_overlap_and_buildings_lie_inside():
    plan = plan_all(DEFAULT_PERSONS, DEFAULT_SEED)[0][2]
    rings = [g.ring for g in plan.grids]
    for b in plan.buildings:
        assert point_in_polygon(b.lng, b.lat, rings[b.grid])
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    assert 26.23 < min(ys) < max(ys) < 26.26 and 105.92 < min(xs) < max(xs) < 105.945
    rng = random.Random(0)
    for _ in range(3000):
        x, y = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        assert sum(point_in_polygon(x, y, ring) for ring in rings) <= 1


def test_same_seed_same_plan_other_seed_other_plan():
    def shape(seed):
        return [(h.building, h.number, h.area, h.kind, h.size) for _, _, p in plan_all(300, seed) for h in p.houses]

    assert shape(5) == shape(5)
    assert shape(5) != shape(6)


def test_context_streams_are_seeded_and_independent_of_each_other():
    first, again, other = DemoContext(seed=3), DemoContext(seed=3), DemoContext(seed=4)
    draws = [first.random("people").random() for _ in range(5)]
    again.random("events").random()  # drawing from another stream first changes nothing
    assert [again.random("people").random() for _ in range(5)] == draws
    assert [other.random("people").random() for _ in range(5)] != draws
    assert first.rng is first.random("extra")


def test_context_names_what_no_step_made():
    ctx = DemoContext()
    ctx.add("district", "西秀区")
    assert ctx["district"] == "西秀区"
    with pytest.raises(ValueError):
        ctx.add("district", "别的区")
    with pytest.raises(KeyError, match="after"):
        ctx["org:不存在的机构"]


def test_reference_data_is_read_from_the_data_files():
    surnames, cum = weighted(load("linli.core", "demo_names.json")["surnames"])
    assert surnames[:3] == ["王", "李", "张"] and cum[:3] == [720, 1440, 2120]
    assert [cn_number(n) for n in (1, 10, 12, 105, 725)] == ["一", "十", "十二", "一百零五", "七百二十五"]
