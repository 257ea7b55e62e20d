"""Staff choose to import the valid rows only, download the problem rows, fix them and upload them again."""

import io
from pathlib import Path

import pytest

from linli.testing import PASSWORD, make_id_number
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/work/shots/imports")


def ledger(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["姓名", "公民身份号码", "手机号", "小区", "楼栋", "单元", "房号", "与户主关系"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def snap(pg, shot, name):
    path = shot(pg, name)
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        (SHOTS / path.name).write_bytes(path.read_bytes())


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)])
def test_import_valid_rows_then_fix_the_problem_rows_and_upload_them_again(
    browser_world, live_server, browser, shot, tmp_path, settings, viewport
):
    from openpyxl import load_workbook

    from linli.people.models import Person

    settings.VAR_DIR = tmp_path
    world = browser_world
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    staff_login(page, live_server.url, world.users["staff"], PASSWORD)
    good, fixme = make_id_number(), make_id_number(male=False)
    broken = fixme[:17] + ("0" if fixme[17] != "0" else "1")
    path = tmp_path / "人口台账.xlsx"
    path.write_bytes(ledger([
        ["欧阳娜娜", good, "139 0000 1234", "彩虹花园", "3", "2", "501", "女儿"],
        ["上官云", broken, "138-0000-5678", "彩虹花园", "3", "2", "501", "儿子"],
    ]))  # fmt: skip
    page.goto(f"{live_server.url}/console/imports/")
    page.select_option("select[name=kind]", "persons")
    page.set_input_files("input[name=file]", str(path))
    page.check("input[name=mode][value=valid]")
    snap(page, shot, f"import-form-{width}")
    page.click("text=上传并试导入")
    page.wait_for_url("**/console/imports/*/")
    page.get_by_test_id("dry-run-blocked").wait_for()
    assert page.get_by_test_id("commit-valid").inner_text() == "导入有效的 1 行"
    assert page.get_by_test_id("error-rows").inner_text() == "下载问题行（1 行）"
    snap(page, shot, f"import-dry-run-{width}")
    page.get_by_test_id("commit-valid").click()
    page.get_by_test_id("committed-partly").wait_for()
    snap(page, shot, f"import-committed-partly-{width}")
    person = Person.objects.get(name="欧阳娜娜")
    assert person.household.householder == world.person_a  # joined 张三's household at 3-2-501 (以房找人)

    with page.expect_download() as download:
        page.get_by_test_id("error-rows").click()
    fixed = tmp_path / "问题行.xlsx"
    download.value.save_as(fixed)
    book = load_workbook(fixed)
    sheet = book.worksheets[0]
    assert sheet.cell(row=1, column=9).value == "错误原因" and "校验位错误" in sheet.cell(row=2, column=9).value
    sheet.cell(row=2, column=2).value = fixme
    book.save(fixed)
    page.goto(f"{live_server.url}/console/imports/")
    page.select_option("select[name=kind]", "persons")
    page.set_input_files("input[name=file]", str(fixed))
    page.click("text=上传并试导入")
    page.wait_for_url("**/console/imports/*/")
    page.get_by_test_id("commit").click()
    page.wait_for_load_state("networkidle")
    assert "已导入：新增 1" in page.locator("body").inner_text()
    assert Person.objects.get(name="上官云").household.householder == world.person_a
    context.close()
