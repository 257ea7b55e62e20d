"""The event loop in real Chromium: a resident reports with a photo → staff accept and dispatch → the grid worker
signs and resolves with a photo → staff verify → the resident rates → closed. A screenshot of each step."""

import io

import pytest

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png(path, color):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return str(path)


def _context_page(browser, mobile=False):
    size = {"width": 390, "height": 844} if mobile else {"width": 1440, "height": 900}
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=mobile)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_event_loop_end_to_end(browser_world, live_server, browser, shot, tmp_path):
    from linli.events.models import Event
    from linli.events.taxonomy import ensure_seeded

    ensure_seeded()  # an earlier transactional test may have flushed the data migration's rows
    world = browser_world
    base = live_server.url
    before = _png(tmp_path / "before.png", (180, 60, 60))
    after = _png(tmp_path / "after.png", (60, 160, 80))

    # 1. The resident reports from home with a photo.
    rctx, resident = _context_page(browser, mobile=True)
    resident.goto(f"{base}/accounts/login/?next=/m/events/new/")
    resident.fill("#id_username", "resident")
    resident.fill("#id_password", PASSWORD)
    resident.click("button[type=submit]")
    resident.wait_for_url("**/m/events/new/")
    resident.fill("#id_text", "3栋楼下垃圾堆了三天没人清运，气味很大")
    resident.set_input_files("input[name=photos]", before)
    shot(resident, "events-01-resident-report-form")
    resident.get_by_test_id("submit-report").click()
    resident.wait_for_url("**/m/events/*/")
    event = Event.objects.get()
    assert event.photos.count() == 1 and event.house == world.house_a
    assert resident.get_by_test_id("my-status").inner_text() == "待社区受理"
    shot(resident, "events-02-resident-report-submitted")

    # 2. Community staff accept (choosing the category) and dispatch by the rules.
    sctx, staff = _context_page(browser)
    staff_login(staff, base, world.users["staff"], PASSWORD)
    staff.goto(f"{base}/console/events/queue/")
    assert event.number in staff.locator("body").inner_text()
    shot(staff, "events-03-dispatcher-queue")
    staff.click(f"text={event.number}")
    staff.select_option("form[action$='/act/accept/'] select[name=category]", "0201")
    staff.get_by_test_id("act-accept").click()
    staff.get_by_test_id("act-dispatch").click()
    assert staff.get_by_test_id("event-status").inner_text() == "已派遣"
    assert "grid1" in staff.get_by_test_id("handler").inner_text()
    shot(staff, "events-04-staff-accepted-and-dispatched")

    # 3. The grid worker of grid A signs and resolves with a photo.
    gctx, grid = _context_page(browser)
    staff_login(grid, base, world.users["grid1"], PASSWORD)
    grid.goto(f"{base}/console/events/tasks/")
    grid.click(f"text={event.number}")
    grid.get_by_test_id("act-sign").click()
    assert grid.get_by_test_id("event-status").inner_text() == "处置中"
    grid.fill("textarea[name=result]", "已联系环卫公司清运完毕，现场已冲洗")
    grid.set_input_files("form[action$='/act/resolve/'] input[name=photos]", after)
    grid.get_by_test_id("act-resolve").click()
    assert grid.get_by_test_id("event-status").inner_text() == "已办结"
    shot(grid, "events-05-grid-worker-resolved-with-photo")

    # 4. Staff verify on the spot.
    staff.reload()
    staff.get_by_test_id("act-verify").click()
    assert staff.get_by_test_id("event-status").inner_text() == "已核查"
    shot(staff, "events-06-staff-verified")

    # 5. The resident sees the result and rates it: the event closes.
    resident.goto(f"{base}/m/events/{event.pk}/")
    assert "已联系环卫公司清运完毕" in resident.locator("body").inner_text()
    resident.check("input[name=rating][value=satisfied]")
    resident.get_by_test_id("submit-rating").click()
    resident.wait_for_load_state("networkidle")
    assert resident.get_by_test_id("my-status").inner_text() == "已结案"
    shot(resident, "events-07-resident-rated-closed")

    event.refresh_from_db()
    assert (event.status, event.rating) == ("closed", "satisfied")
    assert event.photos.filter(kind="result").count() == 1
    steps = list(event.transitions.values_list("action", flat=True))
    assert steps == ["report", "accept", "dispatch", "sign", "resolve", "verify", "rate", "close"]

    # The grid worker of grid B cannot open it.
    g2ctx, grid2 = _context_page(browser)
    staff_login(grid2, base, world.users["grid2"], PASSWORD)
    assert grid2.goto(f"{base}/console/events/{event.pk}/").status == 404
    for ctx in (rctx, sctx, gctx, g2ctx):
        ctx.close()
