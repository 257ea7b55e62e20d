"""A deliberation in real Chromium: a resident proposes → staff approve → the resident comments → staff put it to a
poll → the resident votes → staff close the poll and publish the results → a follow-up item → the resident rates."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context_page(browser, mobile=False):
    size = {"width": 390, "height": 844} if mobile else {"width": 1440, "height": 900}
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=mobile)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_deliberation_from_proposal_to_poll_to_follow_up_rating(browser_world, live_server, browser, shot):
    from linli.participation.deliberation.models import Matter, PollVoter

    world = browser_world
    base = live_server.url
    today = timezone.localdate()

    # 1. The resident proposes a matter from the app.
    rctx, resident = _context_page(browser, mobile=True)
    resident.goto(f"{base}/accounts/login/?next=/m/matters/")
    resident.fill("#id_username", "resident")
    resident.fill("#id_password", PASSWORD)
    resident.click("button[type=submit]")
    resident.wait_for_url("**/m/matters/")
    resident.get_by_test_id("propose").click()
    resident.fill("#title", "增设电动汽车充电桩")
    resident.fill("#description", "东门停车场增设 10 个充电桩，由物业统一管理。")
    resident.get_by_test_id("submit-matter").click()
    resident.wait_for_url("**/m/matters/*/")
    matter = Matter.objects.get()
    assert resident.get_by_test_id("my-matter-status").inner_text() == "待审核"

    # 2. Community staff approve it for discussion.
    sctx, staff = _context_page(browser)
    staff_login(staff, base, world.users["staff"], PASSWORD)
    staff.goto(f"{base}/console/participation/matters/{matter.pk}/")
    form = staff.get_by_test_id("approve-form")
    form.locator("input[name=discussion_ends]").fill((today + dt.timedelta(days=7)).isoformat())
    form.get_by_role("button").click()
    staff.wait_for_load_state()
    assert staff.get_by_test_id("matter-status").inner_text() == "协商讨论中"

    # 3. The resident comments.
    resident.reload()
    resident.get_by_test_id("comment-form").locator("textarea").fill("支持，现在只能拉飞线充电，很危险。")
    resident.get_by_test_id("submit-comment").click()
    resident.wait_for_load_state()
    assert "拉飞线" in resident.get_by_test_id("my-comments").inner_text()
    shot(resident, "deliberation-01-resident-discussion")

    # 4. Staff put it to a poll.
    staff.reload()
    poll_form = staff.get_by_test_id("poll-form")
    poll_form.locator("textarea[name=options]").fill("同意增设\n暂不增设")
    closes = timezone.localtime() + dt.timedelta(days=2)
    poll_form.locator("input[name=closes_at]").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    poll_form.get_by_role("button").click()
    staff.wait_for_load_state()
    assert staff.get_by_test_id("matter-status").inner_text() == "表决中"

    # 5. The resident votes; no running tally is shown.
    resident.reload()
    resident.get_by_test_id("matter-poll").click()
    resident.get_by_label("同意增设").check()
    resident.get_by_test_id("cast").click()
    resident.wait_for_load_state()
    assert "您已于" in resident.get_by_test_id("voted").inner_text()
    assert resident.get_by_test_id("my-poll-result").count() == 0
    assert PollVoter.objects.count() == 1

    # 6. Staff close the poll and publish the results; then add a follow-up item.
    staff.goto(f"{base}{matter.polls.get().get_absolute_url()}")
    staff.get_by_role("button", name="结束投票并计票").click()
    staff.wait_for_load_state()
    assert "100%" in staff.get_by_test_id("poll-result").inner_text()
    staff.goto(f"{base}/console/participation/matters/{matter.pk}/")
    staff.get_by_test_id("results-form").locator("textarea").fill("物业将于下月提交施工方案。")
    staff.get_by_test_id("results-form").get_by_role("button").click()
    staff.wait_for_load_state()
    assert "同意增设：1 票（100%）" in staff.get_by_test_id("results-body").inner_text()
    fu = staff.get_by_test_id("follow-up-form")
    fu.locator("input[name=title]").fill("物业提交充电桩施工方案")
    fu.locator("input[name=owner_name]").fill("宜居物业")
    fu.locator("input[name=deadline]").fill((today + dt.timedelta(days=30)).isoformat())
    fu.get_by_role("button").click()
    staff.wait_for_load_state()
    assert staff.get_by_test_id("matter-status").inner_text() == "跟踪落实中"
    shot(staff, "deliberation-02-staff-follow-up")

    # 7. The resident sees the results and the follow-up, and rates it once.
    resident.goto(f"{base}/m/matters/{matter.pk}/")
    assert "物业将于下月提交施工方案" in resident.get_by_test_id("my-results").inner_text()
    assert "物业提交充电桩施工方案" in resident.get_by_test_id("my-follow-ups").inner_text()
    resident.get_by_label("4 星").check()
    resident.get_by_test_id("submit-rating").click()
    resident.wait_for_load_state()
    assert "4 星" in resident.get_by_test_id("my-rating").inner_text()
    assert resident.get_by_test_id("rate-form").count() == 0
    shot(resident, "deliberation-03-resident-rated")
    staff.reload()
    assert "4.0 分（1 人评价）" in staff.get_by_test_id("rating-summary").inner_text()
    rctx.close()
    sctx.close()
