"""Maps in real Chromium: the resident taps the map on a phone, reads the place the tap resolves to, confirms it
and reports; the browser's GCJ-02 conversion matches the published points the server's does."""

import pytest

from linli.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _resident_page(browser, base):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/?next=/m/events/new/")
    page.fill("#id_username", "resident")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/events/new/")
    return context, page


def test_resident_taps_the_map_sees_the_place_and_confirms(browser_world, live_server, browser, shot):
    from linli.events.models import Event
    from linli.events.taxonomy import ensure_seeded

    ensure_seeded()
    world = browser_world
    context, page = _resident_page(browser, live_server.url)
    page.fill("#id_text", "3栋门口的路灯不亮了")
    pick = page.get_by_test_id("pick-map")
    pick.scroll_into_view_if_needed()
    page.locator("#pick-map .linli-map-building").first.wait_for()  # the own-geometry base has arrived
    assert "彩虹花园" in pick.inner_text() and "3" in pick.inner_text()
    # The map opens centred on the resident's building: tap the centre.
    box = pick.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    message = page.locator("[data-place-message]")
    page.locator("[data-place-message]", has_text="您选择的位置").wait_for()
    assert message.inner_text() == "您选择的位置：彩虹花园 3栋 附近"
    assert page.locator("input[name=place][value=point]").is_checked()
    shot(page, "maps-01-resident-tapped")
    page.get_by_test_id("place-confirm").click()
    assert page.locator("#id_point_confirmed").input_value() == "true"
    page.get_by_test_id("submit-report").click()
    page.wait_for_url("**/m/events/*/")
    event = Event.objects.get()
    assert event.building == world.house_a.building and event.lat is not None
    assert abs(float(event.lat) - 26.2455) < 0.0002 and abs(float(event.lng) - 105.9315) < 0.0002
    shot(page, "maps-02-resident-reported")
    context.close()


def test_a_tap_outside_every_compound_asks_to_confirm_the_point(browser_world, live_server, browser):
    from linli.events.models import Event
    from linli.events.taxonomy import ensure_seeded

    ensure_seeded()
    context, page = _resident_page(browser, live_server.url)
    page.fill("#id_text", "路边井盖破损")
    pick = page.get_by_test_id("pick-map")
    pick.scroll_into_view_if_needed()
    box = pick.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 12, box["y"] + box["height"] / 2)  # far east of 彩虹花园
    page.locator("[data-place-message]", has_text="不在任何小区内").wait_for()
    page.get_by_test_id("submit-report").click()  # not confirmed yet: refused with the reason
    assert "请确认地图上选择的位置" in page.content()
    assert not Event.objects.exists()
    context.close()


def test_the_browsers_gcj02_conversion_matches_the_published_points(browser_world, live_server, browser):
    from linli.core.tests.test_geo import WGS_TO_GCJ

    context, page = _resident_page(browser, live_server.url)
    for wgs, gcj in WGS_TO_GCJ:
        lng, lat = page.evaluate("([x, y]) => LinliGeo.wgs84ToGcj02(x, y)", list(wgs))
        assert abs(lng - gcj[0]) < 1e-9 and abs(lat - gcj[1]) < 1e-9
        back = page.evaluate("([x, y]) => LinliGeo.gcj02ToWgs84(x, y)", list(gcj))
        assert abs(back[0] - wgs[0]) < 1e-7 and abs(back[1] - wgs[1]) < 1e-7
    context.close()
