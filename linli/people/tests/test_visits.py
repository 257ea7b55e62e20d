"""走访 (visits): recording in scope, the overdue reminder list, visit history, opening an event, permissions."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from linli.core.errors import ConflictError, DomainError
from linli.people import selectors, services
from linli.people.models import Household, Tag, Visit, VisitCycle
from linli.testing import add_person

pytestmark = pytest.mark.django_db


def _png(color=(200, 80, 80)) -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, format="PNG")
    return SimpleUploadedFile("现场.png", buf.getvalue(), content_type="image/png")


@pytest.fixture
def cycles(world):
    """独居老人 every 7 days (张三 in grid A, 李四 in grid B carry it), 社区矫正 (sensitivity 3) every 30 days."""
    alone = Tag.objects.add_root(create_kwargs=dict(name="独居老人", code="living_alone_elderly", sensitivity=1))
    correction = Tag.objects.add_root(
        create_kwargs=dict(name="社区矫正人员", code="community_correction", sensitivity=3)
    )
    VisitCycle.objects.create(tag=alone, every_days=7)
    VisitCycle.objects.create(tag=correction, every_days=30)
    for person in (world.person_a, world.person_b):
        services.tag_assign(actor=None, person=person, tag=alone)
    world.alone, world.correction = alone, correction
    return world


def _visit(person, *, days_ago=0, actor=None, **kw):
    return services.visit_record(
        actor=actor, person=person, visited_on=timezone.localdate() - dt.timedelta(days=days_ago),
        notes=kw.pop("notes", "老人身体不错，按时吃药"), **kw,
    )  # fmt: skip


def _due_names(user, **kw):
    return {p.name for p in selectors.visits_due(user=user, **kw)}


# --- recording ------------------------------------------------------------------------------------------


def test_grid_worker_records_a_visit_with_a_photo_and_the_overdue_list_changes(cycles):
    grid1 = cycles.users["grid1"]
    assert _due_names(grid1) == {"张三"}  # never visited
    visit = _visit(cycles.person_a, actor=grid1, photos=[_png()], follow_up_needed=True, follow_up="楼道扶手松动")
    assert visit.region_path == cycles.person_a.region_path and visit.visitor == grid1
    assert visit.photos.count() == 1
    assert visit.photos.get().image.read(3) == b"\xff\xd8\xff"  # re-encoded as JPEG
    assert _due_names(grid1) == set()
    assert _due_names(grid1, overdue_only=False) == {"张三"}


def test_grid2_cannot_add_a_visit_to_a_person_of_grid1(cycles, login):
    with pytest.raises(DomainError) as exc:
        _visit(cycles.person_a, actor=cycles.users["grid2"])
    assert exc.value.code == "forbidden"
    c = login(cycles.users["grid2"])
    assert c.get("/console/people/visits/add/", {"person": cycles.person_a.pk}).status_code == 404
    r = c.post("/console/people/visits/add/", {"person": cycles.person_a.pk, "visited_on": timezone.localdate(),
                                               "kind": "home", "notes": "越权走访"})  # fmt: skip
    assert r.status_code == 404 and not Visit.objects.exists()


def test_visit_form_refuses_future_dates_long_notes_and_missing_follow_up_in_chinese(cycles):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        services.visit_record(
            actor=cycles.users["grid1"],
            person=cycles.person_a,
            visited_on=tomorrow,
            notes="x" * 2001,
            follow_up_needed=True,
            photos=[SimpleUploadedFile("a.jpg", b"nope")],
        )
    messages = dict(exc.value.errors)
    assert "不能晚于今天" in messages["visited_on"]
    assert "不能超过 2000 字" in messages["notes"]
    assert "请写明要跟进什么" in messages["follow_up"]
    assert "不是有效的图片" in messages["photos"]
    assert not Visit.objects.exists()


def test_grid_worker_records_a_visit_through_the_page_with_a_camera_photo(cycles, login):
    c = login(cycles.users["grid1"])
    page = c.get("/console/people/visits/add/", {"person": cycles.person_a.pk}).content.decode()
    assert 'capture="environment"' in page and "张三" in page
    r = c.post("/console/people/visits/add/", {"person": cycles.person_a.pk, "visited_on": timezone.localdate(),
                                               "kind": "home", "notes": "老人在家，精神很好", "photos": _png(),
                                               "next": "/console/m/"})  # fmt: skip
    assert r.status_code == 302 and r["Location"] == "/console/m/"
    visit = Visit.objects.get()
    assert visit.photos.count() == 1
    assert c.get(f"/console/people/visits/photos/{visit.photos.get().pk}/").status_code == 200
    history = c.get(f"/console/people/persons/{cycles.person_a.pk}/", {"tab": "visits"}).content.decode()
    assert "老人在家，精神很好" in history


def test_a_foreign_next_url_is_ignored(cycles, login):
    c = login(cycles.users["grid1"])
    r = c.post("/console/people/visits/add/", {"person": cycles.person_a.pk, "visited_on": timezone.localdate(),
                                               "kind": "phone", "notes": "电话随访", "next": "https://evil.example/"})  # fmt: skip
    assert r["Location"] == Visit.objects.get().get_absolute_url()


# --- overdue -------------------------------------------------------------------------------------------


def test_overdue_follows_the_cycle_of_the_tag(cycles):
    staff = cycles.users["staff"]
    _visit(cycles.person_a, days_ago=8)
    _visit(cycles.person_b, days_ago=7)  # due today: not yet overdue
    assert _due_names(staff) == {"张三"}
    rows = selectors.with_due(selectors.visits_due(user=staff, overdue_only=False), user=staff)
    by_name = {p.name: p for p in rows}
    assert by_name["张三"].days_late == 1 and by_name["李四"].days_late == 0
    assert [c.tag.name for c in by_name["张三"].cycle_tags] == ["独居老人"]


def test_the_shortest_cycle_of_a_persons_tags_applies(cycles):
    services.tag_assign(actor=None, person=cycles.person_b, tag=cycles.correction)
    _visit(cycles.person_b, days_ago=10)
    assert "李四" in _due_names(cycles.users["staff"])  # 7 days (独居老人), not 30 (社区矫正)


def test_a_visit_to_the_whole_household_counts_for_its_members(cycles):
    household = Household.objects.get(householder=cycles.person_a)
    services.visit_record(actor=cycles.users["grid1"], household=household, notes="全户走访，家里都好")
    assert "张三" not in _due_names(cycles.users["grid1"])


def test_grid_worker_sees_only_cycles_of_tags_they_may_see(cycles):
    Visit.objects.all().delete()
    services.tag_assign(actor=None, person=cycles.person_c, tag=cycles.correction)
    assert "王五" not in _due_names(cycles.users["grid1"])  # other community
    assert "王五" not in _due_names(cycles.users["leader"])  # a leader's sensitivity (内部) hides 社区矫正
    assert "王五" in _due_names(cycles.users["admin"])
    assert [c.tag.name for c in selectors.visit_cycles(user=cycles.users["grid1"])] == ["独居老人"]


def test_community_overdue_list_covers_every_grid_and_grid_worker_only_theirs(cycles, login):
    assert _due_names(cycles.users["staff"]) == {"张三", "李四"}
    assert _due_names(cycles.users["grid2"]) == {"李四"}
    body = login(cycles.users["grid2"]).get("/console/people/visits/due/").content.decode()
    assert "李四" in body and "张三" not in body


def test_overdue_page_does_not_grow_queries_with_rows(cycles, login, django_assert_max_num_queries):
    for i in range(25):
        person = add_person(house=cycles.house_a, name=f"独居{i}", kind="family")
        services.tag_assign(actor=None, person=person, tag=cycles.alone)
        if i % 2:
            _visit(person, days_ago=i)
    c = login(cycles.users["grid1"])
    for url in ("/console/people/visits/due/?show=all", "/console/people/visits/", "/console/m/"):
        c.get(url)
        with django_assert_max_num_queries(16):
            assert c.get(url).status_code == 200


# --- visit → event ---------------------------------------------------------------------------------------


def test_a_visit_opens_an_event_once(cycles, login):
    from linli.events.models import Channel, Event

    visit = _visit(
        cycles.person_a, actor=cycles.users["grid1"], follow_up_needed=True, follow_up="楼道扶手松动需要维修"
    )
    c = login(cycles.users["grid1"])
    r = c.post(f"/console/events/from-visit/{visit.pk}/", {"text": ""})
    event = Event.objects.get()
    assert r.status_code == 302 and r["Location"] == event.get_absolute_url()
    assert event.channel == Channel.PATROL and "楼道扶手松动需要维修" in event.description
    assert event.region_path.startswith(cycles.grid_a.path)
    visit.refresh_from_db()
    assert visit.event_id == event.pk and visit.event_number == event.number
    c.post(f"/console/events/from-visit/{visit.pk}/")
    assert Event.objects.count() == 1
    from linli.events.visits import event_from_visit

    with pytest.raises(ConflictError):
        event_from_visit(visit=visit, actor=cycles.users["grid1"])
    assert event.number in c.get(visit.get_absolute_url()).content.decode()


def test_grid2_cannot_open_an_event_from_a_visit_of_grid1(cycles, login):
    from linli.events.models import Event

    visit = _visit(cycles.person_a, actor=cycles.users["grid1"])
    assert login(cycles.users["grid2"]).post(f"/console/events/from-visit/{visit.pk}/").status_code == 404
    assert not Event.objects.exists()


# --- permissions -----------------------------------------------------------------------------------------


@pytest.fixture
def visit(cycles):
    return _visit(cycles.person_a, actor=cycles.users["grid1"], photos=[_png()])


def test_anonymous_is_sent_to_login(visit, client):
    for url in ("/console/people/visits/", visit.get_absolute_url(), "/console/people/visits/due/",
                f"/console/people/visits/photos/{visit.photos.get().pk}/", "/console/m/"):  # fmt: skip
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_user_without_grant_sees_nothing(visit, cycles, login):
    c = login(cycles.users["outsider"])
    assert c.get("/console/people/visits/").status_code in (302, 403)
    assert c.get(visit.get_absolute_url()).status_code in (302, 403, 404)
    assert c.get(f"/console/people/visits/photos/{visit.photos.get().pk}/").status_code in (302, 404)


def test_in_scope_lists_and_opens(visit, cycles, login):
    for name in ("grid1", "staff", "leader"):
        c = login(cycles.users[name])
        assert "张三" in c.get("/console/people/visits/").content.decode()
        assert c.get(visit.get_absolute_url()).status_code == 200
        assert c.get(f"/console/people/visits/photos/{visit.photos.get().pk}/").status_code == 200


def test_out_of_scope_gets_404_and_a_list_without_it(visit, cycles, login):
    c = login(cycles.users["grid2"])
    r = c.get("/console/people/visits/")
    assert r.status_code == 200 and "张三" not in r.content.decode()
    assert c.get(visit.get_absolute_url()).status_code == 404
    assert c.get(f"/console/people/visits/photos/{visit.photos.get().pk}/").status_code == 404
    assert c.get(f"/console/people/persons/{cycles.person_a.pk}/", {"tab": "visits"}).status_code == 404


def test_export_holds_exactly_the_permitted_rows(visit, cycles, login):
    def rows(user):
        r = login(user).get("/console/people/visits/", {"export": "xlsx"})
        sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).active
        return [" ".join(str(v) for v in row) for row in sheet.iter_rows(values_only=True)]

    assert any("张三" in row for row in rows(cycles.users["grid1"]))
    assert not any("张三" in row for row in rows(cycles.users["grid2"]))
    assert login(cycles.users["leader"]).get("/console/people/visits/", {"export": "xlsx"}).status_code == 403


def test_demo_sets_cycles_and_recent_visits_that_leave_some_overdue(cycles):
    from linli.people import demo

    for i in range(40):
        person = add_person(house=cycles.house_a, name=f"老人{i}", kind="family")
        services.tag_assign(actor=None, person=person, tag=cycles.alone)
    created = demo.build(2026)
    assert created > 20
    assert VisitCycle.objects.get(tag=cycles.alone).every_days == 7
    assert VisitCycle.objects.get(tag=cycles.correction).every_days == 30
    grid1 = cycles.users["grid1"]
    overdue, everyone = len(_due_names(grid1)), len(_due_names(grid1, overdue_only=False))
    assert 0 < overdue < everyone
    assert Visit.objects.filter(visitor=grid1).exists()


def test_grid_worker_records_a_visit_to_the_whole_household_from_its_page(cycles, login):
    household = Household.objects.get(householder=cycles.person_a)
    c = login(cycles.users["grid1"])
    assert "记录全户走访" in c.get(household.get_absolute_url()).content.decode()
    r = c.post("/console/people/visits/add/", {"household": household.pk, "visited_on": timezone.localdate(),
                                               "kind": "home", "notes": "全户走访，家里都好"})  # fmt: skip
    visit = Visit.objects.get()
    assert r.status_code == 302 and visit.person is None and visit.household == household
    assert "张三户" in c.get(visit.get_absolute_url()).content.decode()
    assert (
        login(cycles.users["grid2"]).get("/console/people/visits/add/", {"household": household.pk}).status_code == 404
    )
