"""The permission matrix: anonymous, no grant, in scope, out of scope and export, over pages and API.

Out of scope answers 404 exactly like a missing record; lists hold only the permitted subset.
"""

import io

import pytest
from openpyxl import load_workbook

# kind, console list URL, API list URL, world attribute, persona in scope, persona out of scope, text shown
CASES = [
    ("person", "/console/people/persons/", "/api/v1/persons/", "person_a", "grid1", "grid2", "张三"),
    ("household", "/console/people/households/", "/api/v1/households/", "household_a", "grid1", "grid2", "张三户"),
    ("house", "/console/housing/houses/", "/api/v1/houses/", "house_a", "grid1", "grid2", "3栋2单元501室"),
    ("building", "/console/housing/buildings/", "/api/v1/buildings/", "building_a", "grid1", "grid2", "彩虹花园3栋"),
    ("compound", "/console/housing/compounds/", "/api/v1/compounds/", "compound_a", "staff", "grid2", "彩虹花园"),
    ("entity", "/console/people/entities/", "/api/v1/entities/", "entity_a", "grid1", "grid2", "彩虹便利店"),
    ("place", "/console/people/places/", "/api/v1/places/", "place_a", "grid1", "grid2", "彩虹小吃店"),
    ("region", "/console/regions/", "/api/v1/regions/", "grid_a", "grid1", "grid2", "第一网格"),
]
IDS = [c[0] for c in CASES]


def target(world, attr):
    if attr == "household_a":
        from linli.people.models import Household

        return Household.objects.get(householder=world.person_a)
    if attr == "building_a":
        return world.house_a.building
    if attr == "compound_a":
        return world.house_a.building.compound
    return getattr(world, attr)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_anonymous_is_sent_to_login_and_refused_by_the_api(world, client, case):
    kind, page, api_url, attr, *_ = case
    obj = target(world, attr)
    for url in (page, obj.get_absolute_url()):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert client.get(api_url).status_code in (401, 403)
    assert client.get(f"{api_url}{obj.pk}/").status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_user_without_grant_sees_nothing(world, login, api, case):
    kind, page, api_url, attr, *_ = case
    obj = target(world, attr)
    c = login(world.users["outsider"])
    assert c.get(page).status_code in (302, 403)  # no staff role: sent to the resident app
    assert c.get(obj.get_absolute_url()).status_code in (302, 403, 404)
    assert api(world.users["outsider"]).get(f"{api_url}{obj.pk}/").status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_user_in_scope_lists_and_opens(world, login, api, case):
    kind, page, api_url, attr, inside, outside, text = case
    obj = target(world, attr)
    c = login(world.users[inside])
    assert text in c.get(page).content.decode()
    assert c.get(obj.get_absolute_url()).status_code == 200
    client = api(world.users[inside])
    ids = [row["id"] for row in client.get(api_url, {"page_size": 500}).json()["results"]]
    assert obj.pk in ids
    assert client.get(f"{api_url}{obj.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_user_out_of_scope_gets_404_and_a_list_without_it(world, login, api, case):
    kind, page, api_url, attr, inside, outside, text = case
    obj = target(world, attr)
    c = login(world.users[outside])
    r = c.get(page)
    assert r.status_code == 200 and text not in r.content.decode()
    assert c.get(obj.get_absolute_url()).status_code == 404
    client = api(world.users[outside])
    ids = [row["id"] for row in client.get(api_url, {"page_size": 500}).json()["results"]]
    assert obj.pk not in ids
    assert client.get(f"{api_url}{obj.pk}/").status_code == 404
    assert client.get(f"{api_url}999999/").status_code == 404  # exactly like a missing one


def exported_rows(response) -> list[list]:
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "region"], ids=[i for i in IDS if i != "region"])
def test_export_holds_exactly_the_permitted_rows(world, login, case):
    from linli.core.models import AuditLog

    kind, page, api_url, attr, inside, outside, text = case
    r = login(world.users[inside]).get(page, {"export": "xlsx"})
    assert r.status_code == 200
    assert any(text in " ".join(str(v) for v in row) for row in exported_rows(r))
    if outside in ("grid2",):
        rows = exported_rows(login(world.users[outside]).get(page, {"export": "xlsx"}))
        assert not any(text in " ".join(str(v) for v in row) for row in rows)
    assert AuditLog.objects.filter(action="export", actor=world.users[inside]).exists()
    assert login(world.users["leader"]).get(page, {"export": "xlsx"}).status_code == 403


@pytest.mark.django_db
def test_export_of_persons_is_masked(world, login):
    rows = exported_rows(login(world.users["grid1"]).get("/console/people/persons/", {"export": "xlsx"}))
    flat = " ".join(str(v) for row in rows for v in row)
    assert "138****5678" in flat and "13812345678" not in flat


@pytest.mark.django_db
def test_grid2_can_neither_list_nor_open_anything_of_grid1(world, login, api):
    c = login(world.users["grid2"])
    for url in ("/console/people/persons/", "/console/housing/houses/", "/console/people/households/"):
        body = c.get(url).content.decode()
        assert "张三" not in body and "彩虹花园3栋2单元501" not in body
    assert "李四" in c.get("/console/people/persons/").content.decode()
    for obj in (
        world.person_a,
        world.house_a,
        target(world, "household_a"),
        world.entity_a,
        world.place_a,
        world.grid_a,
    ):
        assert c.get(obj.get_absolute_url()).status_code == 404
    assert c.get(f"/console/people/persons/{world.person_a.pk}/edit/").status_code == 404
    assert (
        c.post(f"/console/people/persons/{world.person_a.pk}/unmask/", {"field": "phone", "reason": "x"}).status_code
        == 404
    )
    results = api(world.users["grid2"]).get("/api/v1/search", {"q": "张三"}).json()
    assert results["persons"] == []


@pytest.mark.django_db
def test_department_and_property_staff_see_only_what_is_theirs(world, api):
    prop = api(world.users["property"])
    houses = [h["id"] for h in prop.get("/api/v1/houses/").json()["results"]]
    assert houses == [world.house_a.pk]  # the only house in 彩虹花园, the compound it manages
    persons = [p["name"] for p in prop.get("/api/v1/persons/").json()["results"]]
    assert persons == ["张三"]
    dept = api(world.users["dept"])
    assert dept.get("/api/v1/persons/").status_code == 403


@pytest.mark.django_db
def test_resident_sees_only_their_household_and_home(world, api, login):
    client = api(world.users["resident"])
    assert [p["name"] for p in client.get("/api/v1/persons/").json()["results"]] == ["张三"]
    assert [h["id"] for h in client.get("/api/v1/houses/").json()["results"]] == [world.house_a.pk]
    assert client.get(f"/api/v1/persons/{world.person_b.pk}/").status_code == 404
    c = login(world.users["resident"])
    r = c.get("/console/people/persons/")
    assert r.status_code == 302 and r["Location"] == "/m/"
    body = c.get("/m/home/").content.decode()
    assert "彩虹花园3栋2单元501室" in body and "138****5678" in body and "13812345678" not in body


@pytest.mark.django_db
def test_leader_reads_everything_below_but_edits_and_unmasks_nothing(world, login):
    c = login(world.users["leader"])
    assert c.get(world.person_c.get_absolute_url()).status_code == 200
    assert c.get(f"/console/people/persons/{world.person_c.pk}/edit/").status_code == 404
    r = c.post(f"/console/people/persons/{world.person_c.pk}/unmask/", {"field": "phone", "reason": "检查工作"})
    assert "13700001111" not in r.content.decode()


@pytest.mark.django_db
def test_auditor_reads_the_audit_trail_and_nothing_else(world, login):
    c = login(world.users["auditor"])
    assert c.get("/console/audit/").status_code == 200
    assert c.get("/console/changes/").status_code == 200
    assert c.get("/console/people/persons/").status_code == 403
    assert login(world.users["staff"]).get("/console/audit/").status_code == 403
