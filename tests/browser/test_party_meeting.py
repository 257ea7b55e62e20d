"""三会一课 in real Chromium: the secretary plans a 支部党员大会, `member` checks in by scanning its QR code (the
resident app opens with the code filled in; a wrong typed code is refused), the
secretary records the minutes, and the compliance view moves from behind to on track."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context_page(browser, mobile=False):
    size = {"width": 390, "height": 844} if mobile else {"width": 1366, "height": 768}
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=mobile)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_secretary_plans_member_checks_in_compliance_on_track(browser_world, live_server, browser, shot):
    from linli.core import services as core_services
    from linli.core.roles import Role
    from linli.party import services
    from linli.party.models import Attendance, Meeting
    from linli.people.models import Person

    world = browser_world
    base = live_server.url
    branch = services.organization_create(
        actor=None, name="彩虹社区第一党支部", kind="branch", region=world.community, secretary_name="陈书记"
    )
    # The cycle is configurable per branch: here one 支部党员大会 a year and nothing else, so one meeting decides.
    services.cycle_set(actor=None, organization=branch, kind="assembly", per_year=1)
    for kind in ("committee", "lecture", "theme_day"):
        services.cycle_set(actor=None, organization=branch, kind=kind, per_year=0)
    secretary = core_services.user_create(actor=None, username="secretary", password=PASSWORD, full_name="陈书记")
    core_services.grant_add(actor=None, user=secretary, role=Role.PARTY_SECRETARY, region=world.community)
    member_user = core_services.user_create(actor=None, username="member", password=PASSWORD, full_name="李四")
    core_services.grant_add(actor=None, user=member_user, role=Role.PARTY_MEMBER)
    Person.objects.filter(pk=world.person_b.pk).update(user=member_user)
    member = services.member_add(actor=None, person=world.person_b, organization=branch, joined_on=dt.date(2001, 7, 1))

    # 1. The compliance view shows the branch behind on 支部党员大会.
    sctx, sec = _context_page(browser)
    staff_login(sec, base, secretary, PASSWORD)
    sec.goto(f"{base}/console/party/compliance/")
    row = sec.locator(f"tr[data-org='{branch.pk}']")
    assert row.get_by_test_id("org-status").inner_text() == "未达标"
    assert row.locator("[data-kind=assembly]").inner_text() == "0/1"
    shot(sec, "party-01-compliance-behind")

    # 2. The secretary plans the meeting for now (it takes place today).
    sec.goto(f"{base}/console/party/meetings/new/?organization={branch.pk}")
    sec.select_option("#id_kind", "assembly")
    sec.fill("#id_title", "学习贯彻全会精神")
    sec.fill("#id_starts_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    sec.fill("#id_place", "彩虹社区党群服务中心")
    sec.click("button[type=submit]")
    sec.wait_for_url("**/console/party/meetings/*/")
    meeting = Meeting.objects.get()
    assert sec.get_by_test_id("meeting-status").inner_text() == "已计划"
    code = sec.get_by_test_id("checkin-code").inner_text().strip()
    assert code == meeting.code
    shot(sec, "party-02-meeting-planned-with-code")

    # 3. `member` reads the notice and checks in with the code in the resident app; a wrong code is refused.
    mctx, mob = _context_page(browser, mobile=True)
    mob.goto(f"{base}/accounts/login/?next=/m/party/")
    mob.fill("#id_username", "member")
    mob.fill("#id_password", PASSWORD)
    mob.click("button[type=submit]")
    mob.wait_for_url("**/m/party/")
    assert "彩虹社区第一党支部" in mob.locator("body").inner_text()
    mob.click("text=学习贯彻全会精神")
    mob.fill("input[name=code]", "000000" if code != "000000" else "111111")
    mob.get_by_test_id("checkin-submit").click()
    mob.wait_for_selector(".invalid-feedback")
    assert "签到码：不正确" in mob.locator("body").inner_text()
    # Scanning the QR code on the secretary's screen opens this meeting's check-in page with the code filled in.
    scan_url = sec.get_by_test_id("checkin-qr").get_attribute("data-scan-url")
    assert sec.locator("[data-testid=checkin-qr] svg").count() == 1
    assert scan_url.endswith(f"/m/party/meetings/{meeting.pk}/?code={code}")
    mob.goto(scan_url)
    assert mob.input_value("input[name=code]") == code
    mob.get_by_test_id("checkin-submit").click()
    assert "到会" in mob.get_by_test_id("checked-in").inner_text()
    assert Attendance.objects.get(meeting=meeting).member == member
    shot(mob, "party-03-member-checked-in")

    # 4. The secretary records the minutes: the meeting is held, the branch on track.
    sec.reload()
    assert "签到码" in sec.locator("body").inner_text() and "李四" in sec.locator("body").inner_text()
    sec.fill("#id_minutes", "一、传达学习全会精神；二、讨论本季度为民办实事项目；三、布置党员联系楼栋工作。")
    sec.click("button:has-text('保存会议记录')")
    sec.wait_for_selector(".alert-success")
    assert sec.get_by_test_id("meeting-status").inner_text() == "已召开"
    shot(sec, "party-04-minutes-recorded")
    sec.goto(f"{base}/console/party/compliance/")
    row = sec.locator(f"tr[data-org='{branch.pk}']")
    assert row.get_by_test_id("org-status").inner_text() == "按期"
    assert row.locator("[data-kind=assembly]").inner_text() == "1/1"
    shot(sec, "party-05-compliance-on-track")
    for ctx in (sctx, mctx):
        ctx.close()
