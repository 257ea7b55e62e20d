"""Console lists export what their filters show, masked unless unmasking is allowed and a reason given; audited."""

import pytest

from linli.core import crypto
from linli.core.models import AuditLog
from linli.dataio import exports
from linli.dataio.models import ExportDisclosure, ExportJob
from linli.dataio.tests.helpers import read_xlsx

pytestmark = pytest.mark.django_db


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_masked_export_of_the_filtered_list_is_audited(world, login):
    client = login(world.users["staff"])
    response = client.get("/console/people/persons/", {"export": "xlsx", "name": "张"})
    assert response.status_code == 200
    rows = read_xlsx(content(response))
    header = rows[0]
    assert header[:3] == ["姓名", "证件类型", "身份证号"]
    assert [r[0] for r in rows[1:]] == ["张三"]
    person = dict(zip(header, rows[1], strict=False))
    assert person["身份证号"] == world.person_a.id_number_masked and person["联系电话"] == "138****5678"
    assert person["住址"] == "彩虹花园3栋2单元501室"
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert log.actor == world.users["staff"] and log.extra["count"] == 1 and log.extra["masked"] is True
    assert log.extra["filters"] == {"name": "张"}
    assert ExportDisclosure.objects.filter(person_id=world.person_a.pk).exists()


def test_export_holds_scope(world, login):
    rows = read_xlsx(content(login(world.users["grid2"]).get("/console/people/persons/", {"export": "xlsx"})))
    assert [r[0] for r in rows[1:]] == ["李四"]
    assert login(world.users["auditor"]).get("/console/people/persons/", {"export": "xlsx"}).status_code == 403
    assert login(world.users["unitleader"]).get("/console/people/persons/", {"export": "xlsx"}).status_code == 403


def test_clear_export_needs_the_unmask_permission_and_a_reason(world, login):
    client = login(world.users["grid1"])
    page = client.get("/console/exports/new/", {"list": "/console/people/persons/"})
    assert page.status_code == 200 and "明文" in page.content.decode()
    refused = client.post("/console/exports/new/", {"list": "/console/people/persons/", "mode": "clear", "reason": ""})
    assert refused.status_code == 200 and "事由" in refused.content.decode()
    assert not ExportJob.objects.exists()
    done = client.post(
        "/console/exports/new/",
        {"list": "/console/people/persons/", "mode": "clear", "reason": "协助派出所核查 2026-031"},
    )
    job = ExportJob.objects.get()
    assert done.status_code == 302 and not job.masked and job.status == "done"
    rows = read_xlsx(content(client.get(f"/console/exports/{job.pk}/download/")))
    assert rows[1][2] == crypto.decrypt(world.person_a.id_number_enc) and rows[1][5] == "13812345678"
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert log.extra["masked"] is False and log.reason == "协助派出所核查 2026-031"
    # The file is its owner's alone.
    assert login(world.users["admin"]).get(f"/console/exports/{job.pk}/download/").status_code == 404


def test_users_without_unmask_get_masked_only(world, login):
    client = login(world.users["leader"])  # leaders view and... may not export people at all
    assert client.get("/console/exports/new/", {"list": "/console/people/persons/"}).status_code == 403
    from linli.core.roles import ROLE_ACTIONS, Role

    assert "person.unmask" not in ROLE_ACTIONS[Role.UNIT_LEADER]
    assert exports._validate(world.users["staff"], "house", True, "") == ""
    from linli.core.errors import DomainError

    with pytest.raises(DomainError):
        exports._validate(world.users["staff"], "house", False, "核查需要核查")


def test_large_export_runs_as_a_job_and_streams_to_a_file(
    world, login, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    client = login(world.users["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/console/people/persons/", {"export": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/exports/{job.pk}/"
    assert job.status == "done" and job.rows_done == 2 and job.file.startswith("exports/")
    assert client.get(f"/console/exports/{job.pk}/").status_code == 200
    rows = read_xlsx(content(client.get(f"/console/exports/{job.pk}/download/")))
    assert sorted(r[0] for r in rows[1:]) == ["张三", "李四"]
    assert login(world.users["grid1"]).get(f"/console/exports/{job.pk}/download/").status_code == 404
    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.created_at)
    assert client.get(f"/console/exports/{job.pk}/download/").status_code == 404


@pytest.mark.parametrize("path", ["/console/people/households/", "/console/housing/houses/", "/console/people/entities/",
                                  "/console/people/places/"])  # fmt: skip
def test_every_console_list_exports(world, login, path):
    response = login(world.users["staff"]).get(path, {"export": "xlsx"})
    assert response.status_code == 200, path
    assert read_xlsx(content(response))[0]


def test_export_query_count_does_not_grow_with_rows(world, login, django_assert_max_num_queries):
    from linli.testing import add_person

    for i in range(15):
        add_person(house=world.house_a, name=f"批量{i}")
    client = login(world.users["staff"])
    with django_assert_max_num_queries(30):
        client.get("/console/people/persons/", {"export": "xlsx"})
