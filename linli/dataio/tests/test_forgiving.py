"""Excel that forgives: members join the household registered at their address, valid rows may go in alone,
the problem rows come back as a file to fix and upload again, and the template's own example passes."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from linli.dataio import services
from linli.dataio.models import ImportBatch
from linli.dataio.tests.helpers import ids, xlsx
from linli.people import services as people_services
from linli.people.models import Household, Person
from linli.testing import add_person

pytestmark = pytest.mark.django_db
S = ImportBatch.Status


def run(user, data, *, name="台账.xlsx", commit=False, skip_invalid=False):
    batch = services.import_upload(actor=user, kind="persons", file_name=name, data=data, skip_invalid=skip_invalid)
    services.import_validate(batch=batch, actor=user)
    if commit:
        services.import_commit(batch=batch, actor=user)
    batch.refresh_from_db()
    return batch


def problems(batch) -> list[str]:
    return [f"第 {e['row']} 行 · {e['column']}：{e['message']}" for e in batch.report["errors"]]


def test_members_of_an_update_ledger_join_the_one_household_registered_at_their_address(world):
    # 张三's household is registered at house_a (3栋2单元501); the ledger lists new members only.
    household = Household.objects.get(householder=world.person_a)
    wife, son = ids(1, male=False)[0], ids(1)[0]
    rows = [
        ["姓名", "身份证号", "与户主关系", "小区", "楼栋", "单元", "房号"],
        ["钱梅", wife, "妻子", "彩虹花园", "3", "2", "501"],
        ["张小明", son, "儿子", "彩虹花园", "3", "2", "501"],
    ]
    batch = run(world.users["grid1"], xlsx(rows), commit=True)
    assert batch.status == S.COMMITTED, problems(batch)
    assert set(household.members.values_list("name", "relation")) == {
        ("张三", "self"),
        ("钱梅", "spouse"),
        ("张小明", "child"),
    }
    assert Household.objects.count() == 1


def test_two_households_at_the_address_is_a_row_error_naming_them(world):
    other = add_person(house=world.house_a, name="赵大", kind="tenant")
    people_services.household_create(actor=None, house=world.house_a, householder=other)
    rows = [["姓名", "身份证号", "与户主关系", "楼栋", "单元", "房号"], ["孙小", ids(1)[0], "子女", "3", "2", "501"]]
    batch = run(world.users["grid1"], xlsx(rows))
    [message] = problems(batch)
    assert message.startswith("第 2 行 · 与户主关系：该住址已登记 2 户：")
    assert "张三户" in message and "赵大户" in message and "户主身份证号或户号" in message


def test_all_or_nothing_by_default_or_only_the_valid_rows_through_the_api(world, api):
    good, bad = ids(1)[0], "520402198005170000"
    rows = [
        ["姓名", "身份证号", "楼栋", "单元", "房号"],
        ["甲乙", good, "3", "2", "501"],
        ["丙丁", bad, "3", "2", "501"],
    ]

    def post(**extra):
        upload = SimpleUploadedFile("台账.xlsx", xlsx(rows))
        return api(world.users["grid1"]).post(
            "/api/v1/imports/", {"kind": "persons", "file": upload, "dry_run": "false", **extra}
        )

    body = post().json()
    assert (body["committed"], body["status"], body["created"], body["error_rows"]) == (False, "failed", 0, 1)
    assert not Person.objects.filter(name="甲乙").exists()

    body = post(skip_invalid="true").json()
    assert (body["committed"], body["status"], body["created"], body["error_count"]) == (True, "committed", 1, 1)
    assert body["errors"][0]["row"] == 3
    assert Person.objects.filter(name="甲乙").exists() and not Person.objects.filter(name="丙丁").exists()
    errors = api(world.users["grid1"]).get(f"/api/v1/imports/{body['id']}/errors/")
    assert errors.status_code == 200
    assert api(world.users["grid2"]).get(f"/api/v1/imports/{body['id']}/errors/").status_code == 404


def test_a_member_whose_householder_row_is_wrong_waits_for_it(world):
    head = ids(1)[0]
    head_bad = head[:17] + ("0" if head[17] != "0" else "1")
    rows = [
        ["姓名", "身份证号", "与户主关系", "楼栋", "单元", "房号"],
        ["周父", head_bad, "户主", "5", "1", "101"],
        ["周子", ids(1)[0], "儿子", "5", "1", "101"],
        ["吴某", ids(1)[0], "", "5", "1", "101"],
    ]
    batch = run(world.users["staff"], xlsx(rows), commit=True, skip_invalid=True)
    assert batch.status == S.COMMITTED
    assert [e["row"] for e in batch.report["errors"]] == [2, 3]
    assert batch.report["errors"][1]["message"] == "户主（第 2 行）有问题，本行随该户一并暂不导入"
    assert batch.created == 1 and Person.objects.filter(name="吴某").exists()
    assert not Person.objects.filter(name="周子").exists() and not Household.objects.filter(house=world.house_b)


def test_problem_rows_download_fix_and_upload_again(world, login):
    good, fixme = ids(2)
    bad = fixme[:17] + ("0" if fixme[17] != "0" else "1")
    rows = [
        ["序号", "姓名", "身份证号", "联系电话", "楼栋", "单元", "房号", "文化程度"],
        [1, "冯甲", good, "13800000021", "3", "2", "501", "大学"],
        [2, "冯乙", bad, "13800000022", "3", "2", "501", "高中"],
        [3, "冯丙", ids(1)[0], "12345", "3", "2", "501", ""],
    ]
    data = xlsx(rows, title_rows=[["彩虹社区人口台账"]], merges=["A1:H1"])
    user = world.users["grid1"]
    client = login(user)
    client.post(
        "/console/imports/",
        {"kind": "persons", "file": SimpleUploadedFile("台账.xlsx", data), "mode": "valid"},
    )
    batch = ImportBatch.objects.latest("pk")
    assert batch.skip_invalid and batch.status == S.VALIDATED and batch.error_count == 2
    page = client.get(f"/console/imports/{batch.pk}/").content.decode()
    assert "导入有效的 1 行" in page and "下载问题行（2 行）" in page
    client.post(f"/console/imports/{batch.pk}/commit/", {"mode": "valid"})
    batch.refresh_from_db()
    assert batch.status == S.COMMITTED and batch.created == 1

    response = client.get(f"/console/imports/{batch.pk}/errors.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0] == ["序号", "姓名", "身份证号", "联系电话", "楼栋", "单元", "房号", "文化程度", "错误原因"]
    assert [r[1] for r in table[1:]] == ["冯乙", "冯丙"]
    assert table[1][2] == bad and "身份证号：校验位错误" in table[1][8]
    assert "联系电话：" in table[2][8]
    assert grid2_cannot_download(world, batch)

    # Fix the two cells in the downloaded file, leave 错误原因 where it is, upload again.
    sheet.cell(row=2, column=3).value = fixme
    sheet.cell(row=3, column=4).value = "13800000023"
    buf = io.BytesIO()
    sheet.parent.save(buf)
    again = run(user, buf.getvalue(), name="台账-问题行.xlsx", commit=True)
    assert again.status == S.COMMITTED, problems(again)
    assert (again.created, again.error_count) == (2, 0)
    assert not any(w["column"] == "错误原因" for w in again.report["warnings"])
    assert set(Person.objects.filter(name__startswith="冯").values_list("name", flat=True)) == {"冯甲", "冯乙", "冯丙"}


def grid2_cannot_download(world, batch) -> bool:
    from django.test import Client

    other = Client()
    other.force_login(world.users["grid2"], backend="linli.core.auth.UsernameOrPhoneBackend")
    return other.get(f"/console/imports/{batch.pk}/errors.xlsx").status_code in (302, 403, 404)


@pytest.mark.parametrize("kind", ["persons", "houses", "entities", "places"])
def test_the_templates_example_row_passes_as_it_is(world, login, kind):
    user = world.users["staff"]
    response = login(user).get(f"/console/imports/template/{kind}.xlsx")
    data = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.data_validations.dataValidation, "coded columns have dropdowns"
    batch = services.import_upload(actor=user, kind=kind, file_name="模板.xlsx", data=data)
    assert batch.rows_total < 100 and not batch.is_job  # 2,000 pre-formatted rows are not rows (help sheets are)
    services.import_validate(batch=batch, actor=user)
    batch.refresh_from_db()
    assert problems(batch) == [], kind
    assert batch.created + batch.updated + batch.unchanged == 1


def test_template_dropdowns_offer_the_coded_values(world, login):
    data = b"".join(login(world.users["grid1"]).get("/console/imports/template/persons.xlsx").streaming_content)
    book = load_workbook(io.BytesIO(data))
    sheet, options = book.worksheets[0], book["选项"]
    headers = [c.value for c in sheet[1]]
    ranges = {str(v.sqref).split(":")[0][:-1]: v.formula1 for v in sheet.data_validations.dataValidation}
    relation_column = sheet.cell(row=1, column=headers.index("与户主关系") + 1).column_letter
    source = ranges[relation_column].split("!")[1].split(":")[0].replace("$", "")[:-1]
    values = [r[0] for r in options.iter_rows(min_col=options[source + "1"].column, max_col=options[source + "1"].column,
                                               values_only=True) if r[0]]  # fmt: skip
    assert values[:3] == ["户主", "配偶", "子女"]
    assert options.sheet_state == "hidden"


def test_asterisks_of_required_headers_stay_out_of_messages(world):
    rows = [["姓名*", "身份证号*", "楼栋", "单元", "房号"], ["甲", "123", "3", "2", "501"]]
    batch = run(world.users["grid1"], xlsx(rows))
    assert problems(batch)[0].startswith("第 2 行 · 身份证号：")


@pytest.mark.parametrize("written", ["第一网格", "一网格", "1网格", "第1网格", "1号网格", "彩虹社区第一网格"])
def test_the_grid_as_users_write_it(world, written):
    from linli.core.models import Region

    # Demo grids carry their community's name: "彩虹社区第一网格".
    Region.objects.filter(pk=world.grid_a.pk).update(name="彩虹社区第一网格")
    rows = [["姓名", "身份证号", "网格"], ["网格人", ids(1)[0], written]]
    batch = run(world.users["staff"], xlsx(rows), commit=True)
    assert batch.status == S.COMMITTED, problems(batch)
    assert Person.objects.get(name="网格人").region_id == world.grid_a.pk


def test_problem_rows_file_of_a_csv_and_its_purge(world, settings):
    import datetime as dt

    from django.utils import timezone

    from linli.core import attachments
    from linli.privacy.services import retention_purge

    text = f"姓名,身份证号,楼栋,单元,房号\n陈好,{ids(1)[0]},3,2,501\n陈坏,123,3,2,501\n"
    batch = run(world.users["grid1"], text.encode("gb18030"), name="台账.csv")
    data = services.import_error_file(batch=batch, actor=world.users["grid1"])
    table = [list(r) for r in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)]
    assert table[0] == ["姓名", "身份证号", "楼栋", "单元", "房号", "错误原因"] and table[1][0] == "陈坏"
    key = batch.report["error_file"]
    with attachments.open(key) as fh:
        assert not fh.read().startswith(b"PK")  # sealed at rest
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    retention_purge()
    assert not attachments.exists(key)
