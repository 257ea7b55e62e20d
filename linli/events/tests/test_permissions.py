"""Who sees which events: anonymous, no grant, in scope, out of scope, export — console, resident app and API."""

import pytest
from django.urls import reverse

from linli.core.models import AuditLog
from linli.events import services


@pytest.fixture
def events(world, open_event):
    """One event in grid A (resident's home), one in grid B, one in 塔西社区 dispatched to the department."""
    u = world.users
    a = open_event()
    b = open_event(house=world.house_b, text="5栋路灯不亮", category_code="0303", reporter=None, actor=u["staff"])
    c = open_event(house=world.house_c, text="塔西小区井盖松动", category_code="0302", reporter=None, actor=None)
    services.event_accept(event=c, actor=None)
    services.event_dispatch(event=c, actor=None, handler_org=world.department)
    return {"a": a, "b": b, "c": c}


def detail(e):
    return reverse("events:event_detail", args=[e.pk])


def test_anonymous_is_sent_to_login(client, events):
    response = client.get(detail(events["a"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/events/").status_code in (401, 403)


def test_user_without_grant_sees_nothing(world, events, login, api):
    c = login(world.users["outsider"])
    response = c.get(detail(events["a"]))
    assert response.status_code in (302, 404) and "SJ" not in response.content.decode()
    assert api(world.users["outsider"]).get("/api/v1/events/").status_code == 403


def test_grid1_sees_own_grid_event(world, events, login):
    assert login(world.users["grid1"]).get(detail(events["a"])).status_code == 200


def test_grid2_cannot_open_event_of_grid1(world, events, login, api):
    c = login(world.users["grid2"])
    assert c.get(detail(events["a"])).status_code == 404
    assert c.get(detail(events["b"])).status_code == 200
    ids = [row["id"] for row in api(world.users["grid2"]).get("/api/v1/events/").json()["results"]]
    assert ids == [events["b"].pk]


def test_community_staff_sees_both_grids_but_not_the_other_community(world, events, login):
    c = login(world.users["staff"])
    assert c.get(detail(events["a"])).status_code == 200
    assert c.get(detail(events["b"])).status_code == 200
    assert c.get(detail(events["c"])).status_code == 404


def test_department_sees_only_what_was_dispatched_to_it(world, events, login, api):
    c = login(world.users["dept"])
    assert c.get(detail(events["c"])).status_code == 200
    assert c.get(detail(events["a"])).status_code == 404
    ids = [row["id"] for row in api(world.users["dept"]).get("/api/v1/events/").json()["results"]]
    assert ids == [events["c"].pk]


def test_property_company_sees_what_was_sent_to_it(world, events, login):
    u = world.users
    c = login(u["property"])
    assert c.get(detail(events["a"])).status_code == 404
    services.event_accept(event=events["a"], actor=u["staff"])
    services.event_dispatch(event=events["a"], actor=u["staff"], handler_org=world.property_company)
    assert c.get(detail(events["a"])).status_code == 200


def test_resident_sees_own_reports_only(world, events, login, api):
    c = login(world.users["resident"])
    assert c.get(reverse("events:my_event_detail", args=[events["a"].pk])).status_code == 200
    assert c.get(reverse("events:my_event_detail", args=[events["b"].pk])).status_code == 404
    ids = [row["id"] for row in api(world.users["resident"]).get("/api/v1/events/").json()["results"]]
    assert ids == [events["a"].pk]


def test_resident_cannot_use_the_console_queue(world, events, login):
    response = login(world.users["resident"]).get(reverse("events:event_queue"))
    assert response.status_code in (302, 403) and response.get("Location", "/m/").startswith("/m/")


def test_leader_sees_everything_below_but_cannot_dispatch(world, events, login):
    c = login(world.users["leader"])
    assert c.get(detail(events["c"])).status_code == 200
    assert c.get(reverse("events:event_queue")).status_code == 403
    c.post(reverse("events:event_act", args=[events["a"].pk, "accept"]), {"category": "0201"})
    events["a"].refresh_from_db()
    assert events["a"].status == "pending"


def test_export_writes_masked_phones_and_an_audit_row(world, open_event, login):
    open_event(reporter=None, actor=world.users["staff"], contact_phone="13812345678", channel="phone")
    c = login(world.users["staff"])
    response = c.get(reverse("events:event_list") + "?export=xlsx")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    values = [str(cell.value) for row in sheet.iter_rows() for cell in row]
    assert "138****5678" in values and "13812345678" not in values
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, actor=world.users["staff"]).exists()


def test_export_refused_without_the_grant(world, events, login):
    response = login(world.users["resident"]).get(reverse("events:event_list") + "?export=xlsx")
    assert response.status_code in (302, 403) and not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()
    response = login(world.users["dept"]).get(reverse("events:event_queue") + "?export=xlsx")
    assert response.status_code == 403


def test_export_contains_only_the_scope(world, events, login):
    import io

    from openpyxl import load_workbook

    response = login(world.users["grid2"]).get(reverse("events:event_list") + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [events["b"].number]


def test_photo_is_served_only_in_scope(world, open_event, login):
    from .conftest import png

    e = open_event(photos=[png()])
    url = e.photos.get().get_absolute_url()
    assert login(world.users["grid1"]).get(url).status_code == 200
    assert login(world.users["grid2"]).get(url).status_code == 404


def test_public_reporter_is_anonymous_when_asked(world, open_event, api):
    e = open_event(anonymous=True)
    assert e.public_reporter == "匿名"
    row = api(world.users["staff"]).get(f"/api/v1/events/{e.pk}/").json()
    assert row["reporter"] == "resident"  # staff still see who reported
