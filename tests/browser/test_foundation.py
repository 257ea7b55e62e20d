"""A grid worker finds a resident by the last 4 digits of the phone, opens the house, and unmasks the ID."""

import pytest

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_search_house_and_audited_unmask(browser_world, live_server, page, shot):
    from linli.core import crypto
    from linli.core.models import AuditLog

    world = browser_world
    grid1 = world.users["grid1"]
    staff_login(page, live_server.url, grid1, PASSWORD)
    assert page.url.rstrip("/").endswith("/console") or "/console/" in page.url
    shot(page, "foundation-01-console-home")

    page.fill("input[name=q]", "5678")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/people/persons/{world.person_a.pk}/")
    assert page.locator("h2.page-title").inner_text().startswith("张三")
    shot(page, "foundation-02-person-found-by-last4")

    page.click("text=房屋（1）")
    page.click("text=彩虹花园3栋2单元501室")
    page.wait_for_url(f"**/console/housing/houses/{world.house_a.pk}/")
    number = crypto.decrypt(world.person_a.id_number_enc)
    masked = world.person_a.id_number_masked
    body = page.locator("body").inner_text()
    assert masked in body and number not in body
    shot(page, "foundation-03-house-with-masked-id")

    page.click("text=张三")
    page.wait_for_url(f"**/console/people/persons/{world.person_a.pk}/")
    assert page.get_by_test_id("id-number").inner_text() == masked
    form = page.locator("#field-id_number form")
    form.locator("input[name=reason]").fill("入户走访核实身份")
    form.locator("button").click()
    page.get_by_test_id("unmasked-id_number").wait_for()
    assert page.get_by_test_id("unmasked-id_number").inner_text() == number
    shot(page, "foundation-04-unmasked-with-reason")

    record = AuditLog.objects.get(action="unmask", actor=grid1)
    assert (record.target_id, record.field, record.reason) == (str(world.person_a.pk), "身份证号", "入户走访核实身份")


def test_grid_worker_of_another_grid_cannot_open_the_person(browser_world, live_server, page, shot):
    world = browser_world
    staff_login(page, live_server.url, world.users["grid2"], PASSWORD)
    page.fill("input[name=q]", "5678")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/search/**")
    assert "没有找到" in page.locator("body").inner_text()
    response = page.goto(f"{live_server.url}/console/people/persons/{world.person_a.pk}/")
    assert response.status == 404
    shot(page, "foundation-05-grid2-gets-404")


def test_resident_sees_home_masked_on_a_phone(browser_world, live_server, mobile_page, shot):
    page = mobile_page
    page.goto(f"{live_server.url}/m/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", "13612345678")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/")
    page.click("text=我的家")
    body = page.locator("body").inner_text()
    assert "彩虹花园3栋2单元501室" in body and "138****5678" in body and "13812345678" not in body
    shot(page, "foundation-06-resident-my-home")
