"""A targeted notice in real Chromium: staff publish a notice to one building → a resident there sees it and reads
it, a resident elsewhere does not → staff see the receipt and the unread list."""

import pytest

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _resident_login(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/?next=/m/notices/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/notices/")
    return context, page


def test_a_notice_for_one_building_is_read_there_and_the_receipts_show_it(browser_world, live_server, browser, page,
                                                                            shot):  # fmt: skip
    from linli.core import services as core_services
    from linli.core.roles import Role
    from linli.people.models import Person

    world, base = browser_world, live_server.url
    lisi = core_services.user_create(actor=None, username="lisi", password=PASSWORD, full_name="李四")
    core_services.grant_add(actor=None, user=lisi, role=Role.RESIDENT)
    Person.objects.filter(pk=world.person_b.pk).update(user=lisi)
    building = world.house_a.building

    # 1. Community staff publish a notice to building 3 only.
    staff_login(page, base, world.users["staff"], PASSWORD)
    page.goto(f"{base}/console/notices/new/")
    page.fill("#id_title", "3栋电梯停运检修")
    page.fill("#id_body", "本周六9:00—12:00电梯年检，暂停使用。")
    page.select_option("#id_region", str(world.community.pk))
    page.select_option("#id_buildings", str(building.pk))
    shot(page, "notices-01-staff-publish-form")
    page.get_by_test_id("publish").click()
    page.wait_for_url("**/console/notices/*/")
    assert page.get_by_test_id("receipt-total").inner_text() == "1"
    assert page.get_by_test_id("receipt-unread").inner_text() == "1"
    assert "张*" in page.get_by_test_id("unread-list").inner_text()
    notice_url = page.url

    # 2. 张三 (building 3) sees it in the resident app and reads it.
    ctx, resident = _resident_login(browser, base, "resident")
    item = resident.get_by_test_id("notice-item").filter(has_text="3栋电梯停运检修")
    assert "未读" in item.inner_text()
    shot(resident, "notices-02-resident-list")
    item.click()
    resident.wait_for_url("**/m/notices/*/")
    assert "电梯年检" in resident.get_by_test_id("notice-body").inner_text()
    shot(resident, "notices-03-resident-reads")
    resident.goto(f"{base}/m/notices/")
    assert "未读" not in resident.get_by_test_id("notice-item").filter(has_text="3栋电梯停运检修").inner_text()
    ctx.close()

    # 3. 李四 (building 5, another grid) does not see it.
    ctx, other = _resident_login(browser, base, "lisi")
    assert "3栋电梯停运检修" not in other.content()
    assert "暂时没有发给您的通知" in other.content()
    ctx.close()

    # 4. Staff see the receipt: one read, nobody left on the unread list.
    page.goto(notice_url)
    assert page.get_by_test_id("receipt-read").inner_text() == "1"
    assert page.get_by_test_id("receipt-unread").inner_text() == "0"
    assert "全部已读或已告知" in page.get_by_test_id("unread-list").inner_text()
    shot(page, "notices-04-staff-receipts")
