"""Every demo role's landing page and menu, at phone (390 px) and desktop (1366 px) widths, in real Chromium.

For each role: the landing page opens without a horizontal scroll bar, every menu item answers 200 (never 404),
and a screenshot of the landing page lands in test-artifacts/roles-<role>-<width>.png. Error pages are shot too.
"""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF = ["admin", "auditor", "leader", "street", "staff", "grid1", "grid2", "dept", "property"]
RESIDENTS = ["resident", "member", "volunteer"]
WIDTHS = [390, 1366]


def assert_no_horizontal_scroll(page, width: int, *, console: bool) -> None:
    """The page fits the window: document.documentElement.scrollWidth <= innerWidth."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll}px at {inner}px"


@pytest.fixture
def role_world(browser_world):
    """The test world plus a party member and a volunteer with homes, and a month of demo events."""
    from linli.core import services as core_services
    from linli.core.roles import Role
    from linli.events import demo as events_demo
    from linli.events.taxonomy import ensure_seeded
    from linli.people.models import Person
    from linli.testing import PASSWORD, add_person

    world = browser_world
    for username, role, name in (("member", Role.PARTY_MEMBER, "赵党员"), ("volunteer", Role.VOLUNTEER, "钱志愿")):
        user = core_services.user_create(actor=None, username=username, password=PASSWORD, full_name=name)
        core_services.grant_add(actor=None, user=user, role=role)
        person = add_person(house=world.house_a if username == "member" else world.house_b, name=name)
        Person.objects.filter(pk=person.pk).update(user=user)
        world.users[username] = user
    ensure_seeded()  # an earlier transactional test may have flushed the data migration's rows
    events_demo.build(2026, count=60)
    return world


def _signed_in_context(browser, live_server, user, width: int):
    """A browser context carrying a signed-in session (second factor done for staff), at ``width``."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="linli.core.auth.UsernameOrPhoneBackend")
    if user.is_staff_role:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 768 else 768}, locale="zh-CN",
                                  is_mobile=width < 768)  # fmt: skip
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _menu_urls(page) -> list[tuple[str, str]]:
    links = page.locator("#sidebar-menu a.nav-link")
    return [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("username", STAFF)
def test_console_landing_and_menu(role_world, live_server, browser, shot, username, width):
    context, page = _signed_in_context(browser, live_server, role_world.users[username], width)
    try:
        response = page.goto(f"{live_server.url}/console/")
        assert response.status == 200
        page.wait_for_load_state("networkidle")
        body = page.locator("body").inner_text()
        assert "Not Found" not in body and "工作台" in body
        shot(page, f"roles-{username}-{width}")
        menu = _menu_urls(page)
        assert menu, f"{username} has no menu"
        for label, url in menu:
            answer = page.goto(f"{live_server.url}{url}")
            assert answer.status == 200, f"{username} at {width}px: 菜单“{label}” {url} → {answer.status}"
            assert_no_horizontal_scroll(page, width, console=True)
        page.goto(f"{live_server.url}/console/")
        page.wait_for_load_state("networkidle")
        assert_no_horizontal_scroll(page, width, console=True)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("username", RESIDENTS)
def test_resident_app_landing_and_tabs(role_world, live_server, browser, shot, username, width):
    context, page = _signed_in_context(browser, live_server, role_world.users[username], width)
    try:
        response = page.goto(f"{live_server.url}/m/")
        assert response.status == 200
        page.wait_for_load_state("networkidle")
        shot(page, f"roles-{username}-{width}")
        tabs = page.locator("nav.linli-tabbar a")
        urls = [(tabs.nth(i).inner_text().strip(), tabs.nth(i).get_attribute("href")) for i in range(tabs.count())]
        assert len(urls) >= 4
        for label, url in urls:
            answer = page.goto(f"{live_server.url}{url}")
            assert answer.status == 200, f"{username} at {width}px: 标签“{label}” {url} → {answer.status}"
        page.goto(f"{live_server.url}/m/")
        assert_no_horizontal_scroll(page, width, console=False)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_error_pages_speak_chinese(role_world, live_server, browser, shot, width):
    staff, page = _signed_in_context(browser, live_server, role_world.users["dept"], width)
    try:
        answer = page.goto(f"{live_server.url}/console/no-such-page/")
        assert answer.status == 404 and "页面不存在" in page.locator("body").inner_text()
        shot(page, f"errors-console-404-{width}")
        answer = page.goto(f"{live_server.url}/console/people/persons/")
        assert answer.status == 403 and "没有权限" in page.locator("body").inner_text()
        shot(page, f"errors-console-403-{width}")
        assert_no_horizontal_scroll(page, width, console=True)
    finally:
        staff.close()
    resident, page = _signed_in_context(browser, live_server, role_world.users["resident"], width)
    try:
        answer = page.goto(f"{live_server.url}/m/no-such-page/")
        assert answer.status == 404 and "页面不存在" in page.locator("body").inner_text()
        shot(page, f"errors-resident-404-{width}")
        assert_no_horizontal_scroll(page, width, console=False)
    finally:
        resident.close()
    anonymous = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
    try:
        page = anonymous.new_page()
        answer = page.goto(f"{live_server.url}/nowhere/")
        assert answer.status == 404 and "页面不存在" in page.locator("body").inner_text()
        shot(page, f"errors-anonymous-404-{width}")
        answer = page.goto(f"{live_server.url}/api/v1/nowhere/")
        assert answer.status == 404 and "detail" in answer.json()
    finally:
        anonymous.close()
