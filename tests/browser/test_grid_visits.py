"""A grid worker on a phone (390×844): the work view, recording a visit to an 独居老人 with a camera photo (the
overdue list changes), opening an event from the visit, the collapsed menu, and no horizontal scrolling."""

import io

import pytest

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png(path):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return str(path)


def _no_horizontal_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_grid_worker_records_a_visit_on_a_phone_and_opens_an_event(browser_world, live_server, mobile_page, shot,
                                                                     tmp_path):  # fmt: skip
    from linli.events.models import Channel, Event
    from linli.events.taxonomy import ensure_seeded
    from linli.people import services
    from linli.people.models import Tag, Visit, VisitCycle

    ensure_seeded()
    world, base, page = browser_world, live_server.url, mobile_page
    alone = Tag.objects.add_root(create_kwargs=dict(name="独居老人", code="living_alone_elderly", sensitivity=1))
    VisitCycle.objects.create(tag=alone, every_days=7)
    services.tag_assign(actor=None, person=world.person_a, tag=alone)
    photo = _png(tmp_path / "visit.png")

    staff_login(page, base, world.users["grid1"], PASSWORD)

    # The menu is collapsed behind a toggler on a phone, and opens on a tap.
    page.goto(f"{base}/console/m/")
    assert not page.locator("#sidebar-menu").is_visible()
    page.get_by_test_id("menu-toggler").click()
    page.locator("#sidebar-menu").get_by_text("走访提醒").wait_for(state="visible")
    shot(page, "grid-01-menu-open")
    page.get_by_test_id("menu-toggler").click()

    # The work view: 张三 (独居老人) has never been visited.
    page.goto(f"{base}/console/m/")
    visits = page.get_by_test_id("work-visits")
    assert "张三" in visits.inner_text() and "请尽快走访" in visits.inner_text()
    assert _no_horizontal_scroll(page) <= 0
    shot(page, "grid-02-work-view")
    page.goto(f"{base}/console/people/visits/due/")
    assert page.get_by_test_id("due-row").count() == 1
    shot(page, "grid-03-overdue-before")

    # Record the visit with a photo from the camera input.
    page.get_by_text("记录走访").first.click()
    page.wait_for_url("**/console/people/visits/add/**")
    page.fill("#id_notes", "老人独自在家，精神不错；楼道扶手松动，存在摔倒风险")
    page.set_input_files("input[name=photos]", photo)
    page.check("input[name=follow_up_needed]")
    page.fill("#id_follow_up", "楼道扶手松动，需要报修")
    assert _no_horizontal_scroll(page) <= 0
    shot(page, "grid-04-visit-form")
    page.get_by_test_id("visit-submit").click()
    page.wait_for_url(lambda url: "/visits/add/" not in url and url.endswith("/console/people/visits/due/"))
    assert "没有逾期未走访的对象" in page.locator("body").inner_text()
    assert page.get_by_test_id("due-row").count() == 0
    shot(page, "grid-05-overdue-after")
    visit = Visit.objects.get()
    assert visit.photos.count() == 1 and visit.visitor == world.users["grid1"]

    # The person's visit history, then the visit opens an event in one step.
    page.goto(f"{base}/console/people/persons/{world.person_a.pk}/?tab=visits")
    assert "楼道扶手松动" in page.get_by_test_id("visit-history").inner_text()
    assert _no_horizontal_scroll(page) <= 0
    shot(page, "grid-06-visit-history")
    page.get_by_test_id("visit-history").locator("a").first.click()
    page.locator("[data-testid=visit-photos] img").first.wait_for()  # the visit's page has loaded (slow CI)
    for _ in range(100):  # the photo is served (polled: the CSP forbids wait_for_function's eval)
        if page.evaluate(
            "(img => !!img && img.complete && img.naturalWidth)"
            "(document.querySelector('[data-testid=visit-photos] img'))"
        ):
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the visit photo did not load")
    shot(page, "grid-07-visit-detail")
    page.get_by_test_id("visit-open-event").click()
    page.wait_for_url("**/console/events/*/")
    event = Event.objects.get()
    assert event.channel == Channel.PATROL and "楼道扶手松动" in event.description
    assert event.number in page.locator("body").inner_text()
    assert _no_horizontal_scroll(page) <= 0
    shot(page, "grid-08-event-from-visit")
    visit.refresh_from_db()
    assert visit.event_number == event.number

    # Lists grid workers use become cards without horizontal scrolling.
    for url in ("/console/", "/console/events/tasks/", "/console/people/persons/", "/console/housing/houses/",
                f"/console/housing/houses/{world.house_a.pk}/", "/console/people/visits/"):  # fmt: skip
        page.goto(f"{base}{url}")
        assert _no_horizontal_scroll(page) <= 0, url
    assert page.locator("table.linli-cards thead").is_hidden()
    shot(page, "grid-09-visit-list-cards")
