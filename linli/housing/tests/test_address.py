"""Addresses parse from the ways people write them, and resolve to houses within scope."""

import pytest

from linli.housing.selectors import grid_for_point, houses_at_address, nearest_building, parse_address


@pytest.mark.parametrize(
    "text, building, unit, room",
    [
        ("3栋2单元501", "3", "2", "501"),
        ("3-2-501", "3", "2", "501"),
        ("彩虹社区3栋2单元501室", "3", "2", "501"),
        ("彩虹花园3号楼2单元501", "3", "2", "501"),
        ("３栋２单元５０１室", "3", "2", "501"),
        ("A座1单元1203", "A", "1", "1203"),
        ("3栋二单元501", "3", "2", "501"),
        ("5栋101", "5", "", "101"),
        ("3-501", "3", "", "501"),
    ],
)
def test_address_forms_parse(text, building, unit, room):
    parts = parse_address(text)
    assert parts is not None
    assert (parts.building, parts.unit, parts.room) == (building, unit, room)


@pytest.mark.parametrize("text", ["张三", "zs", "13812345678", ""])
def test_non_addresses_do_not_parse(text):
    assert parse_address(text) is None


@pytest.mark.django_db
def test_address_resolves_to_the_house_for_a_user_in_scope(world):
    for text in ("彩虹社区3栋2单元501室", "3-2-501", "彩虹花园3栋2单元501"):
        assert list(houses_at_address(user=world.users["grid1"], text=text)) == [world.house_a]


@pytest.mark.django_db
def test_address_outside_scope_finds_nothing(world):
    assert list(houses_at_address(user=world.users["grid2"], text="3-2-501")) == []


@pytest.mark.django_db
def test_a_coordinate_resolves_to_its_grid_and_nearest_building(world):
    grid = grid_for_point(26.2455, 105.9316)
    assert grid == world.grid_a
    assert nearest_building(26.2455, 105.9316, within=grid) == world.house_a.building
    assert grid_for_point(26.30, 106.10) is None


@pytest.mark.django_db
def test_house_edit_is_versioned_and_shows_in_history(world, login):
    c = login(world.users["grid1"])
    url = f"/console/housing/houses/{world.house_a.pk}/edit/"
    r = c.post(url, {"floor": 5, "area": "90.25", "use": "rented", "version": 1})
    assert r.status_code == 302
    stale = c.post(url, {"floor": 5, "area": "70", "use": "vacant", "version": 1})
    assert "已被他人修改" in stale.content.decode()
    history = c.get(f"/console/housing/houses/{world.house_a.pk}/?tab=history").content.decode()
    assert "89.50" in history and "90.25" in history and "出租" in history


@pytest.mark.django_db
def test_every_detail_page_shows_its_change_history(world, login):
    c = login(world.users["staff"])
    for obj in (world.entity_a, world.place_a, world.house_a.building, world.grid_a):
        body = c.get(obj.get_absolute_url()).content.decode()
        assert "变更历史" in body and "新增" in body, obj


@pytest.mark.django_db
def test_an_unknown_compound_is_not_a_match_on_the_same_building_number_elsewhere(world):
    user = world.users["staff"]
    for text in ("幸福小区3栋2单元501室", "彩虹社区幸福小区3-2-501"):
        assert list(houses_at_address(user=user, text=text)) == [], text
    for text in ("西秀区新安街道彩虹社区3栋2单元501", "贵州省安顺市彩虹花园3栋2单元501室"):
        assert list(houses_at_address(user=user, text=text)) == [world.house_a], text


@pytest.mark.django_db
def test_import_refuses_an_address_in_an_unknown_compound(world):
    from linli.dataio import services
    from linli.dataio.tests.helpers import ids, xlsx

    rows = [["姓名", "身份证号", "住址"], ["某甲", ids(1)[0], "彩虹社区幸福小区3栋2单元501室"]]
    batch = services.import_upload(actor=world.users["staff"], kind="persons", file_name="a.xlsx", data=xlsx(rows))
    services.import_validate(batch=batch, actor=world.users["staff"])
    batch.refresh_from_db()
    assert batch.report["errors"][0]["message"].startswith("未找到小区“彩虹社区幸福小区”")
