"""WGS-84 ⇄ GCJ-02 against published test vectors, and the outline helpers."""

import pytest

from linli.core.geo import buffered_hull, gcj02_to_wgs84, point_in_polygon, wgs84_to_gcj02

# Published vectors, (wgs_lng, wgs_lat) → (gcj_lng, gcj_lat):
# - googollee/eviltransform, python/test.py ``TESTS`` (Shanghai, Shenzhen, Beijing);
# - wandergis/coordtransform, test/app.js: ``wgs84togcj02(116.404, 39.915)`` →
#   [116.41024449916938, 39.91640428150164] (also the vector of hutool's CoordinateUtilTest and coordtransform_rs).
WGS_TO_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # eviltransform: Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # eviltransform: Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # eviltransform: Beijing
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # coordtransform
]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_wgs84_to_gcj02_matches_published_points(wgs, gcj):
    lng, lat = wgs84_to_gcj02(*wgs)
    assert lng == pytest.approx(gcj[0], abs=1e-9) and lat == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_gcj02_to_wgs84_returns_to_the_published_origin_within_a_centimetre(wgs, gcj):
    lng, lat = gcj02_to_wgs84(*gcj)
    assert lng == pytest.approx(wgs[0], abs=1e-7) and lat == pytest.approx(wgs[1], abs=1e-7)


def test_gcj02_to_wgs84_agrees_with_coordtransforms_published_inverse():
    # coordtransform's one-step inverse, gcj02towgs84(116.404, 39.915) → [116.39775550083061, 39.91359571849836],
    # is good to about a metre; ours iterates to the exact inverse, so they agree to 1e-6° (≈ 0.1 m).
    lng, lat = gcj02_to_wgs84(116.404, 39.915)
    assert lng == pytest.approx(116.39775550083061, abs=1e-6) and lat == pytest.approx(39.91359571849836, abs=1e-6)


def test_outside_china_nothing_is_shifted():
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)
    assert gcj02_to_wgs84(-74.006, 40.7128) == (-74.006, 40.7128)


def test_the_demo_area_shifts_by_a_few_hundred_metres():
    from linli.core.geo import distance_m

    lng, lat = wgs84_to_gcj02(105.932, 26.245)
    assert 200 < distance_m(26.245, 105.932, lat, lng) < 800


def test_a_buffered_hull_contains_its_points_and_the_margin_but_not_beyond():
    pts = [[105.9315, 26.2455], [105.9320, 26.2458]]
    ring = buffered_hull(pts, 40)
    assert all(point_in_polygon(p[0], p[1], ring) for p in pts)
    assert point_in_polygon(105.9315, 26.2455 + 30 / 111_320, ring)  # 30 m north: inside the margin
    assert not point_in_polygon(105.9315, 26.2455 - 60 / 111_320, ring)  # 60 m south: outside
