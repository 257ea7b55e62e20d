"""Community staff upload a ledger: the dry run lists its problems and saves nothing; a clean file goes in and its
people are found through the console's search box."""

import io

import pytest

from linli.testing import PASSWORD, make_id_number
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ledger(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["彩虹社区实有人口登记表"])
    ws.merge_cells("A1:G1")
    ws.append(["姓名", "性别", "公民身份号码", "手机号", "小区", "楼栋", "单元", "房号"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def upload(page, base: str, path) -> None:
    page.goto(f"{base}/console/imports/")
    page.select_option("select[name=kind]", "persons")
    page.set_input_files("input[name=file]", str(path))
    page.click("text=上传并试导入")
    page.wait_for_url("**/console/imports/*/")


def test_dry_run_errors_save_nothing_then_a_clean_file_goes_in_and_is_searchable(
    browser_world, live_server, page, shot, tmp_path, settings
):
    from linli.people.models import Person

    settings.VAR_DIR = tmp_path
    world = browser_world
    staff_login(page, live_server.url, world.users["staff"], PASSWORD)
    first, second = make_id_number(), make_id_number(male=False)
    broken = first[:17] + ("0" if first[17] != "0" else "1")
    bad = tmp_path / "有问题的台账.xlsx"
    bad.write_bytes(ledger([
        ["欧阳娜娜", "女", second, "139 0000 1234", "彩虹花园", "3栋", "2", "501"],
        ["上官云", "男", broken, "138-0000-5678", "彩虹花园", "3栋", "2", "501"],
        ["司马光", "男", make_id_number(), "13800001111", "彩虹花园", "9栋", "1", "101"],
    ]))  # fmt: skip
    before = Person.objects.count()
    upload(page, live_server.url, bad)
    page.get_by_test_id("dry-run-blocked").wait_for()
    problems = page.get_by_test_id("problems").inner_text()
    assert "第 4 行 · 公民身份号码：校验位错误" in problems
    assert "第 5 行 · 楼栋：未找到楼栋“彩虹花园9栋”" in problems
    assert page.get_by_test_id("commit").count() == 0
    shot(page, "dataio-01-dry-run-problems")
    assert Person.objects.count() == before  # fixing nothing, nothing was saved

    good = tmp_path / "修正后的台账.xlsx"
    good.write_bytes(ledger([
        ["欧阳娜娜", "女", second, "139 0000 1234", "彩虹花园", "3栋", "2", "501"],
        ["上官云", "男", first, "138-0000-5678", "彩虹花园", "3栋", "2", "501"],
    ]))  # fmt: skip
    upload(page, live_server.url, good)
    assert page.get_by_test_id("created").inner_text() == "2"
    shot(page, "dataio-02-dry-run-clean")
    page.get_by_test_id("commit").click()
    page.wait_for_load_state("networkidle")
    assert "已导入：新增 2" in page.locator("body").inner_text()
    shot(page, "dataio-03-committed")
    assert Person.objects.count() == before + 2

    page.fill("input[name=q]", "欧阳娜娜")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/people/persons/*/")
    assert page.locator("h2.page-title").inner_text().startswith("欧阳娜娜")
    body = page.locator("body").inner_text()
    assert "139****1234" in body and second not in body
    shot(page, "dataio-04-imported-person-found")
