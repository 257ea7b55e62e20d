"""POST /api/v1/imports/ answers the report in the agreed shape; GET polls a job; scope holds."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.dataio import services
from linli.dataio.tests.helpers import ids, xlsx
from linli.people.models import Person

pytestmark = pytest.mark.django_db


def upload(rows, name="台账.xlsx"):
    return SimpleUploadedFile(
        name, xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_dry_run_answers_counts_and_problems_by_row_and_column(world, api):
    good, bad = ids(1)[0], "520402198005170000"
    rows = [["姓名", "身份证号", "楼栋", "单元", "房号"], ["甲", good, "3", "2", "501"], ["乙", bad, "3", "2", "501"]]
    response = api(world.users["grid1"]).post(
        "/api/v1/imports/", {"kind": "persons", "file": upload(rows), "dry_run": "true"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 0, 0)
    assert body["errors"] == [
        {"row": 3, "column": "身份证号", "message": "校验位错误（应为 " + _check(bad) + "），请核对号码"}
    ]
    assert body["status"] == "validated" and body["dry_run"] is True
    assert not Person.objects.filter(name="甲").exists()


def _check(number):
    from linli.core.identity import id_check_digit

    return id_check_digit(number[:17])


def test_commit_in_one_call_and_again_changes_nothing(world, api):
    rows = [["姓名", "身份证号", "楼栋", "单元", "房号"], ["丙", ids(1)[0], "3", "2", "501"]]
    client = api(world.users["grid1"])
    first = client.post("/api/v1/imports/", {"kind": "persons", "file": upload(rows), "dry_run": "false"}).json()
    assert (first["created"], first["status"]) == (1, "committed")
    again = client.post("/api/v1/imports/", {"kind": "persons", "file": upload(rows), "dry_run": "false"}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_commit_with_a_bad_row_saves_nothing(world, api):
    rows = [
        ["姓名", "身份证号", "楼栋", "单元", "房号"],
        ["丁", ids(1)[0], "3", "2", "501"],
        ["戊", "123", "3", "2", "501"],
    ]
    body = (
        api(world.users["grid1"])
        .post("/api/v1/imports/", {"kind": "persons", "file": upload(rows), "dry_run": "false"})
        .json()
    )
    assert body["status"] == "failed" and body["errors"][0]["row"] == 3
    assert not Person.objects.filter(name="丁").exists()


def test_large_file_answers_a_job_to_poll(world, api, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "JOB_THRESHOLD_ROWS", 2)
    rows = [["姓名", "身份证号", "楼栋", "单元", "房号"]] + [
        [f"己{i}", n, "3", "2", "501"] for i, n in enumerate(ids(4))
    ]
    client = api(world.users["grid1"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/imports/", {"kind": "persons", "file": upload(rows), "dry_run": "false"})
    assert response.status_code == 202
    job = response.json()["job"]
    for callback in callbacks:
        callback()
    polled = client.get(f"/api/v1/imports/{job}/").json()
    assert (polled["status"], polled["created"], polled["progress"]) == ("committed", 4, 100)
    assert api(world.users["grid2"]).get(f"/api/v1/imports/{job}/").status_code == 404


def test_who_may_import(world, api):
    rows = [["姓名", "身份证号"], ["庚", ids(1)[0]]]
    assert api().post("/api/v1/imports/", {"kind": "persons", "file": upload(rows)}).status_code == 401
    for name in ("resident", "leader", "auditor", "dept"):
        response = api(world.users[name]).post("/api/v1/imports/", {"kind": "persons", "file": upload(rows)})
        assert response.status_code == 403, name
    bad = api(world.users["grid1"]).post("/api/v1/imports/", {"kind": "events", "file": upload(rows)})
    assert bad.status_code == 400


def test_houses_entities_and_places_through_the_api(world, api):
    client = api(world.users["staff"])
    houses = [["小区", "楼栋", "单元", "房号", "建筑面积", "房屋用途", "网格"], ["彩虹花园", "3", "2", "601", "90.5", "出租", "第一网格"],
              ["彩虹花园", "7", "1", "101", "", "", "第一网格"]]  # fmt: skip
    body = client.post("/api/v1/imports/", {"kind": "houses", "file": upload(houses), "dry_run": "false"}).json()
    assert (body["status"], body["created"], body["details"]["buildings_created"]) == ("committed", 2, 1), body
    again = client.post("/api/v1/imports/", {"kind": "houses", "file": upload(houses), "dry_run": "false"}).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    entities = [["单位名称", "类型", "统一社会信用代码", "负责人", "联系电话", "网格"],
                ["彩虹便民超市", "个体户", "", "王五", "13700000000", "第一网格"]]  # fmt: skip
    body = client.post("/api/v1/imports/", {"kind": "entities", "file": upload(entities), "dry_run": "false"}).json()
    assert (body["status"], body["created"]) == ("committed", 1), body
    places = [["场所名称", "场所类型", "经营单位", "联系电话", "网格", "消防风险等级"],
              ["彩虹小吃", "小吃店", "彩虹便民超市", "137 0000 0001", "第一网格", "中"]]  # fmt: skip
    body = client.post("/api/v1/imports/", {"kind": "places", "file": upload(places), "dry_run": "false"}).json()
    assert (body["status"], body["created"]) == ("committed", 1), body
    places[1][3] = "13700000002"
    body = client.post("/api/v1/imports/", {"kind": "places", "file": upload(places), "dry_run": "true"}).json()
    assert (body["updated"], body["unchanged"]) == (1, 0)
    grid2 = (
        api(world.users["grid2"])
        .post("/api/v1/imports/", {"kind": "places", "file": upload(places), "dry_run": "true"})
        .json()
    )
    assert grid2["errors"][0]["message"].startswith("未找到“第一网格”")
