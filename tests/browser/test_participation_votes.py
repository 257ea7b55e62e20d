"""An owner votes in the resident app (real Chromium, phone-sized) and checks the receipt; staff then see the
unit counted in the live turnout, without the choice."""

import pytest

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_votes_in_the_app_and_checks_the_receipt(browser_world, live_server, browser, shot):
    from linli.participation.votes import services
    from linli.participation.votes.models import Ballot, Turnout
    from linli.people.factories import OwnershipFactory

    world = browser_world
    base = live_server.url
    OwnershipFactory(house=world.house_a, person=world.person_a)
    compound = world.house_a.building.compound
    vote = services.vote_create(actor=None, compound=compound, title="续聘物业与加装电梯",
                                items=[{"title": "续聘彩虹物业", "matter": 4},
                                       {"title": "3栋加装电梯", "matter": 7}])  # fmt: skip

    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/?next=/m/votes/")
    page.fill("#id_username", "resident")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_text("续聘物业与加装电梯").click()
    page.get_by_text("彩虹花园3栋2单元501室").wait_for()
    shot(page, "votes-1-ballot")
    # Submitting without choosing is stopped by the browser (required radios); choose both items.
    page.locator("label", has_text="同意").first.click()
    page.locator("label", has_text="弃权").nth(1).click()
    page.get_by_test_id("cast").click()
    page.get_by_test_id("receipt").wait_for()
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert len(code) == 14 and "该房屋已投票" in page.content()
    shot(page, "votes-2-receipt")

    page.fill("#code", code.lower().replace("-", ""))
    page.get_by_test_id("check").click()
    page.get_by_test_id("receipt-ok").wait_for()
    text = page.content()
    assert "已计入" in text and "同意" in text and "弃权" in text
    shot(page, "votes-3-checked")
    ctx.close()

    assert Turnout.objects.get(vote=vote).channel == "app"
    assert Ballot.objects.get(vote=vote).choices == ["yes", "abstain"]

    staff = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    staff_login(staff, base, world.users["staff"], PASSWORD)
    staff.goto(f"{base}/console/participation/votes/{vote.pk}/")
    body = staff.content()
    assert "1 / 1" in body and "居民端 1" in body and "业主本人" in body
    shot(staff, "votes-4-turnout")
    staff.close()
