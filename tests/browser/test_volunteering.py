"""群众点单·社区派单·党员接单 and volunteer hours, clicked through in Chromium.

The resident posts a wish → staff publish it → a party member claims and fulfils it → the resident confirms → it
counts in the ranking. A volunteer signs up for an activity, checks in and out through the activity's QR page, the
organiser confirms, the hours and the certificate appear, and the certificate's public page verifies it.
"""

import datetime as dt

import pytest

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = pytest.mark.browser


def _mobile(browser, base, username):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, page


def test_a_wish_goes_from_the_resident_to_the_ranking_and_hours_become_a_certificate(
    browser_world, live_server, browser, shot
):
    from django.utils import timezone

    from linli.core.factories import UserFactory
    from linli.core.roles import Role
    from linli.people.models import Person
    from linli.testing import add_person
    from linli.volunteering import services
    from linli.volunteering.models import Signup, Wish

    world, base = browser_world, live_server.url
    member = UserFactory(username="member", full_name="刘建国", password=PASSWORD, grants=[(Role.PARTY_MEMBER, None)])
    services.volunteer_register(user=member, consent=True, region=world.grid_a)  # lives in 彩虹社区

    # 1. The resident posts a wish from the phone.
    rctx, resident = _mobile(browser, base, "resident")
    resident.goto(f"{base}/m/wishes/")
    resident.click("[data-testid=new-wish]")
    resident.fill("#id_title", "想要一台能听戏的收音机")
    resident.fill("#id_content", "眼睛不好，想听黔剧")
    resident.click("button[type=submit]")
    resident.wait_for_url("**/m/wishes/mine/")
    assert "待审核" in resident.inner_text("main")
    wish = Wish.objects.get(title="想要一台能听戏的收音机")

    # 2. Community staff review and publish it.
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    staff_login(page, base, world.users["staff"], PASSWORD)
    page.goto(f"{base}/console/volunteering/wishes/?status=pending_review")
    page.click("text=想要一台能听戏的收音机")
    page.click("[data-testid=publish]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=wish-status]") == "待认领"

    # 3. The party member sees it on the wall with the name masked, claims it and reports it fulfilled.
    mctx, m = _mobile(browser, base, "member")
    m.goto(f"{base}/m/wishes/")
    card = m.locator(f"[data-testid=wish-{wish.pk}]")
    assert "张*" in card.inner_text() and "张三" not in m.content()
    shot(m, "volunteering-01-wall")
    m.click(f"[data-testid=claim-{wish.pk}]")
    m.wait_for_url(f"**/m/wishes/{wish.pk}/")
    assert m.inner_text("[data-testid=wish-status]") == "已认领"
    m.fill("#id_note", "已送到张大爷家，教会了调台")
    m.fill("#id_hours", "1.5")
    m.click("[data-testid=fulfil]")
    m.wait_for_load_state("networkidle")
    assert m.inner_text("[data-testid=wish-status]") == "已实现待确认"

    # 4. The resident confirms.
    resident.goto(f"{base}/m/wishes/{wish.pk}/")
    resident.click("[data-testid=confirm]")
    resident.wait_for_load_state("networkidle")
    assert resident.inner_text("[data-testid=wish-status]") == "已完成"

    # 5. It counts in the ranking (names masked), and the member's confirmed hours include it.
    m.goto(f"{base}/m/wishes/ranking/")
    assert "刘**" in m.inner_text("[data-testid=ranking-wishes]")
    page.goto(f"{base}/console/volunteering/")
    assert "刘**" in page.inner_text("[data-testid=ranking-wishes]")

    # 6. A volunteer registers with consent and signs up for an activity with one click.
    volunteer = UserFactory(
        username="volunteer", full_name="黄泽宇", password=PASSWORD, grants=[(Role.VOLUNTEER, None)]
    )
    person = add_person(house=world.house_a, name="黄泽宇", phone="13698765432")
    Person.objects.filter(pk=person.pk).update(user=volunteer)
    now = timezone.now()
    activity = services.activity_create(actor=world.users["staff"], region=world.grid_a, title="楼道堆物清理",
                                        place="3 栋", starts_at=now - dt.timedelta(hours=2), ends_at=now + dt.timedelta(hours=1),
                                        quota=5)  # fmt: skip
    vctx, v = _mobile(browser, base, "volunteer")
    v.goto(f"{base}/m/volunteer/")
    v.click("[data-testid=join]")
    v.check("#id_consent")
    v.click("button[type=submit]")
    v.wait_for_url("**/m/volunteer/")
    v.click(f"[data-testid=signup-{activity.pk}]")
    v.wait_for_load_state("networkidle")
    assert "报名成功" in v.inner_text("main")

    # 7. The organiser's page shows the QR code; the volunteer's phone opens its address to check in and out.
    page.goto(f"{base}/console/volunteering/activities/{activity.pk}/")
    scan_url = page.get_attribute("[data-testid=scan-url]", "href")
    assert page.locator("svg").count() >= 1
    v.goto(scan_url)
    v.click("[data-testid=check-in]")
    v.wait_for_load_state("networkidle")
    # Two hours of service pass (the volunteer arrived at the start).
    Signup.objects.filter(activity=activity).update(checked_in_at=activity.starts_at)
    v.click("[data-testid=check-out]")
    v.wait_for_load_state("networkidle")
    assert "本次服务 2.0 小时" in v.inner_text("main") or "本次服务 2.1 小时" in v.inner_text("main")

    # 8. The organiser confirms the hours.
    page.goto(f"{base}/console/volunteering/activities/{activity.pk}/")
    page.click("[data-testid=confirm-hours]")
    page.wait_for_load_state("networkidle")
    assert "已确认" in page.inner_text(f"[data-testid=signup-{volunteer.pk}]")

    # 9. The hours appear, a certificate is issued as a PDF, and its public page verifies it without personal data.
    v.goto(f"{base}/m/volunteer/hours/")
    hours = v.inner_text("[data-testid=confirmed-hours]")
    assert hours.startswith("2.")
    v.click("[data-testid=certificate]")
    v.wait_for_load_state("networkidle")
    pdf = v.request.get(base + v.get_attribute("[data-testid=certificate-pdf]", "href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    shot(v, "volunteering-02-hours")
    verify_url = v.get_attribute("[data-testid=certificate-verify]", "href")
    public = browser.new_page(locale="zh-CN")  # anyone, not signed in
    public.goto(base + verify_url)
    assert public.inner_text("[data-testid=verified]") == "证明有效"
    assert public.inner_text("[data-testid=verify-name]") == "黄**"
    assert public.inner_text("[data-testid=verify-hours]") == hours
    assert "13698765432" not in public.content() and "黄泽宇" not in public.content()
    for ctx in (rctx, mctx, vctx):
        ctx.close()
