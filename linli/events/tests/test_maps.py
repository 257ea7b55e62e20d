"""Maps: a tap resolves to the compound it is in (never snapping across a fence), the resident confirms the place,
and the own-geometry base map shows places of the resident's community only."""

import pytest
from django.urls import reverse

from linli.events.models import Event
from linli.housing import services as housing_services
from linli.housing.selectors import place_at_point

M_LNG = 1 / (111_320 * 0.8969)  # one metre east at 26.245° N, in degrees


def _east_of_b1(metres: float) -> tuple[str, str]:
    return "26.245500", f"{105.9315 + metres * M_LNG:.6f}"


@pytest.fixture
def jinxiu(world):
    """A second compound with a drawn outline east of 彩虹花园's building 3, and its building 8 farther east."""
    compound = housing_services.compound_create(actor=None, name="锦绣小区", community=world.community)
    compound.boundary = [[105.93175, 26.2450], [105.9335, 26.2450], [105.9335, 26.2462], [105.93175, 26.2462]]
    compound.save(update_fields=["boundary"])
    b8 = housing_services.building_create(actor=None, grid=world.grid_a, number="8", compound=compound,
                                          lat=26.2456, lng=105.9330)  # fmt: skip
    return b8


def test_a_tap_outside_every_compound_names_no_building(world, open_event):
    lat, lng = _east_of_b1(60)  # 60 m east of 彩虹花园 3栋, in grid A, in no compound
    assert place_at_point(lat, lng).building is None
    e = open_event(house=None, lat=lat, lng=lng)
    assert e.building is None and e.region == world.grid_a and e.lat is not None


def test_a_tap_in_a_compound_names_its_own_building_not_a_nearer_one_across_the_fence(world, open_event, jinxiu):
    lat, lng = _east_of_b1(46)  # 46 m from 彩虹花园 3栋, ~100 m from 锦绣小区 8栋, inside 锦绣小区's outline
    spot = place_at_point(lat, lng)
    assert spot.building == jinxiu and spot.compound.name == "锦绣小区"
    assert open_event(house=None, lat=lat, lng=lng).building == jinxiu


def test_a_tap_on_a_building_still_names_it(world, open_event):
    e = open_event(house=None, lat="26.245510", lng="105.931510")
    assert e.building == world.house_a.building


def test_resolve_tells_the_resident_the_place_or_asks_to_confirm_a_point(world, login):
    c = login(world.users["resident"])
    url = reverse("events:resolve_point")
    inside = c.get(url, {"lat": "26.245510", "lng": "105.931510"}).json()
    assert inside["inside"] and inside["message"] == "您选择的位置：彩虹花园 3栋 附近"
    lat, lng = _east_of_b1(60)
    outside = c.get(url, {"lat": lat, "lng": lng}).json()
    assert not outside["inside"] and outside["message"].startswith("不在任何小区内：请确认")
    assert c.get(url, {"lat": "abc", "lng": "1"}).status_code == 400


def test_a_map_point_is_recorded_only_after_the_resident_confirms_it(world, login):
    c = login(world.users["resident"])
    data = {"text": "路边井盖破损", "place": "point", "lat": "26.245600", "lng": "105.935600"}
    response = c.post(reverse("events:report"), data)
    assert "请确认地图上选择的位置" in response.content.decode() and not Event.objects.exists()
    c.post(reverse("events:report"), {**data, "point_confirmed": "true"})
    assert Event.objects.get().lat is not None


def test_the_report_page_carries_the_base_map_and_no_tiles_by_default(world, login):
    page = login(world.users["resident"]).get(reverse("events:report")).content.decode()
    assert reverse("housing:base_map", args=[world.community.pk]) in page
    assert '"kind": "none"' in page and "tianditu" not in page


def test_base_map_shows_places_of_my_community_and_no_personal_data(world, login):
    c = login(world.users["resident"])
    body = c.get(reverse("housing:base_map", args=[world.community.pk])).json()
    kinds = {(f["properties"]["kind"], f["properties"].get("name")) for f in body["features"]}
    assert ("compound", "彩虹花园") in kinds and ("building", "3栋") in kinds and ("grid", "第一网格") in kinds
    text = str(body)
    assert "张三" not in text and "501" not in text and "138" not in text


def test_base_map_of_another_community_is_not_found(world, login, client):
    assert (
        login(world.users["resident"]).get(reverse("housing:base_map", args=[world.other_community.pk])).status_code
        == 404
    )
    client.logout()
    assert client.get(reverse("housing:base_map", args=[world.community.pk])).status_code == 302


def test_staff_see_the_base_map_of_their_community(world, login):
    assert login(world.users["staff"]).get(reverse("housing:base_map", args=[world.community.pk])).status_code == 200


def test_tile_settings_reach_the_page_and_the_csp(world, login, settings):
    from linli.core.maps import tile_config

    settings.MAP_TILES, settings.MAP_TIANDITU_KEY = "tianditu", "k123"
    cfg = tile_config()
    assert cfg["crs"] == "wgs84" and "tk=k123" in cfg["layers"][0]["url"]
    settings.MAP_TILES = "amap"
    assert tile_config()["crs"] == "gcj02"
    settings.MAP_TILES, settings.MAP_TIANDITU_KEY = "tianditu", ""
    assert tile_config()["kind"] == "none"  # no key, no tiles: the own-geometry base


def test_draw_outlines_fills_in_missing_geometry_and_keeps_drawn_outlines(world, jinxiu):
    from linli.housing.models import Building, Compound

    drawn = Compound.objects.get(name="锦绣小区").boundary
    assert housing_services.draw_outlines(community=world.community) >= 3
    b1 = Building.objects.get(pk=world.house_a.building_id)
    assert len(b1.footprint) == 4 and place_at_point(26.2455, 105.9315).building == b1
    assert Compound.objects.get(name="锦绣小区").boundary == drawn
    assert Compound.objects.get(name="彩虹花园").boundary  # the hull of 3栋's footprint, grown


def test_a_point_reads_the_buildings_near_it_by_an_index_not_the_whole_table(world):
    """A map report looks at the buildings in a box around the point; every report scanned the building table."""
    from django.db import connection

    from linli.housing.models import Building
    from linli.housing.selectors import SEARCH_M, _box

    lat0, lat1, lng0, lng1 = _box(26.2455, 105.9315, SEARCH_M)  # the filter place_at_point's query compiles
    sql, params = Building.objects.filter(lat__range=(lat0, lat1), lng__range=(lng0, lng1)).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test database is too small for the planner to care
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(col) for row in cursor.fetchall() for col in row)
    assert "building_lat_lng" in plan
