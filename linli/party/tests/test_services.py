"""Rules a secretary or a member notices: transfers keep history, absences need reasons, minutes close a meeting,
disclosure needs a second person's review, quotas hold, study hours add up, unmasking is recorded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.errors import DomainError
from linli.core.factories import UserFactory
from linli.core.models import AuditLog
from linli.core.roles import Role
from linli.party import selectors, services
from linli.party.factories import MeetingFactory, MemberFactory, OrganizationFactory, held_meeting
from linli.party.models import Attendance, Disclosure, Meeting, StudyMaterial
from linli.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch(world):
    return OrganizationFactory(name="彩虹社区第一党支部", region=world.community)


def test_a_party_group_needs_a_branch_above_it(world):
    with pytest.raises(DomainError, match="党小组须隶属于一个党支部"):
        OrganizationFactory(kind="group", region=world.grid_a)


def test_small_three_levels_branch_on_community_group_on_compound_leader_on_building(world, branch):
    group = services.organization_create(
        actor=None, name="彩虹花园党小组", kind="group", region=world.grid_a, parent=branch,
        compound=world.house_a.building.compound, building=world.house_a.building, leader_name="王组长",
    )  # fmt: skip
    assert group.region_path.startswith(branch.region_path)
    assert (group.compound.name, group.building.number, group.leader_name) == ("彩虹花园", "3", "王组长")
    with pytest.raises(DomainError, match="须在上级组织"):
        services.organization_create(actor=None, name="越界党小组", kind="group", region=world.grid_c, parent=branch)


def test_probationary_member_needs_the_probation_start_and_gets_a_year(world, branch):
    with pytest.raises(DomainError, match="预备期开始"):
        MemberFactory(organization=branch, person=PersonFactory(house=world.house_b), status="probationary")
    m = MemberFactory(
        organization=branch, person=PersonFactory(house=world.house_b), status="probationary",
        probation_start=dt.date(2026, 3, 1),
    )  # fmt: skip
    assert m.probation_end == dt.date(2027, 3, 1)


def test_transfer_moves_the_member_and_keeps_where_they_were(world, branch):
    other = OrganizationFactory(name="塔西社区党支部", region=world.other_community)
    m = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b))
    services.member_transfer(actor=None, member=m, to_org=other, on=dt.date(2026, 5, 1), reason="搬家")
    m.refresh_from_db()
    assert m.organization == other and m.region_path == other.region_path
    t = m.transfers.get()
    assert (t.from_org, t.to_org, t.reason) == (branch, other, "搬家")
    with pytest.raises(DomainError, match="相同"):
        services.member_transfer(actor=None, member=m, to_org=other)


def test_leave_needs_a_reason_and_recording_minutes_marks_the_rest_absent(world, branch):
    a = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b))
    b = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b))
    meeting = MeetingFactory(organization=branch, starts_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(DomainError, match="请假，请填写原因"):
        services.attendance_mark(actor=None, meeting=meeting, member=a, status="leave")
    services.attendance_mark(actor=None, meeting=meeting, member=a, status="leave", reason="住院")
    with pytest.raises(DomainError, match="请填写会议记录"):
        services.meeting_record(actor=None, meeting=meeting, minutes="  ")
    services.meeting_record(actor=None, meeting=meeting, minutes="传达学习")
    assert meeting.status == Meeting.Status.HELD
    assert Attendance.objects.get(meeting=meeting, member=b).status == "absent"
    assert Attendance.objects.get(meeting=meeting, member=a).reason == "住院"


def test_a_future_meeting_cannot_be_archived(branch):
    meeting = MeetingFactory(organization=branch, starts_at=timezone.now() + dt.timedelta(days=3))
    with pytest.raises(DomainError, match="尚未召开"):
        services.meeting_record(actor=None, meeting=meeting, minutes="记录")


def test_planning_announces_the_meeting_to_members_with_accounts(world, branch, django_capture_on_commit_callbacks):
    user = UserFactory(grants=[(Role.PARTY_MEMBER, None)])
    person = PersonFactory(house=world.house_b)
    person.user = user
    person.save(update_fields=["user"])
    MemberFactory(organization=branch, person=person)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = MeetingFactory(organization=branch, title="七一主题党日")
    note = user.notifications.get()
    assert "七一主题党日" in note.title and note.url.endswith(f"/m/party/meetings/{meeting.pk}/")


def test_disclosure_is_published_only_after_someone_else_reviews_it(world, branch):
    secretary = UserFactory(grants=[(Role.PARTY_SECRETARY, world.community)])
    office = UserFactory(grants=[(Role.PARTY_OFFICE, world.district)])
    d = services.disclosure_create(
        actor=secretary, organization=branch, title="党费", body="公示", audience="residents"
    )
    assert d.status == Disclosure.Status.PENDING
    assert not selectors.published_disclosures(user=world.users["resident"]).exists()
    with pytest.raises(DomainError, match="审核"):
        services.disclosure_review(actor=secretary, disclosure=d, approve=True)
    with pytest.raises(DomainError, match="退回时请写明原因"):
        services.disclosure_review(actor=office, disclosure=d, approve=False)
    services.disclosure_review(actor=office, disclosure=d, approve=True)
    assert list(selectors.published_disclosures(user=world.users["resident"])) == [d]


def test_members_only_disclosure_is_not_shown_to_residents(world, branch):
    office = UserFactory(grants=[(Role.PARTY_OFFICE, world.district)])
    d = services.disclosure_create(actor=None, organization=branch, title="发展党员公示", body="x", audience="members")
    services.disclosure_review(actor=office, disclosure=d, approve=True)
    assert not selectors.published_disclosures(user=world.users["resident"]).exists()


def test_position_quota_is_kept(world, branch):
    position = services.position_create(actor=None, community=world.community, name="党建指导员", quota=1)
    a = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b))
    b = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b))
    services.position_claim(actor=None, position=position, member=a)
    with pytest.raises(DomainError, match="名额（1）已满"):
        services.position_claim(actor=None, position=position, member=b)


def test_study_hours_add_up_per_member_and_year(world, branch, monkeypatch):
    """Without the participation app (its hooks taken away), a member marks materials done: each counts once."""
    from linli.core.modules import registry

    monkeypatch.setattr(registry, "services", {k: v for k, v in registry.services.items() if "learning." not in k})
    user = UserFactory(grants=[(Role.PARTY_MEMBER, None)])
    person = PersonFactory(house=world.house_b)
    person.user = user
    person.save(update_fields=["user"])
    m = MemberFactory(organization=branch, person=person)
    for hours in ("2", "1.5"):
        material = services.material_assign(actor=None, organization=branch, title=f"学习{hours}", hours=Decimal(hours))
        services.study_complete(user=user, material=material)
        services.study_complete(user=user, material=material)  # twice counts once
    assert selectors.study_hours(member=m, year=timezone.localdate().year) == Decimal("3.5")
    other = StudyMaterial.objects.create(organization=OrganizationFactory(region=world.other_community), title="x")
    with pytest.raises(DomainError, match="不是布置给您所在党组织"):
        services.study_complete(user=user, material=other)


def test_unmasking_a_member_needs_a_party_role_and_is_recorded(world, branch):
    m = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b, phone="13811112222"))
    secretary = UserFactory(grants=[(Role.PARTY_SECRETARY, world.community)])
    assert services.member_unmask(actor=secretary, member=m, field="phone", reason="通知开会") == "13811112222"
    with pytest.raises(DomainError, match="没有查看"):
        services.member_unmask(actor=world.users["staff"], member=m, field="phone", reason="好奇")
    rows = AuditLog.objects.filter(action="unmask").order_by("pk")
    assert [r.result for r in rows] == ["ok", "denied"]


def test_half_year_report_counts_what_members_and_units_did(world, branch, login):
    unit = services.unit_register(actor=None, name="区人民医院", community=world.community, unit_party_org="医院党委")
    position = services.position_create(actor=None, community=world.community, name="便民服务员", quota=3)
    m = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b, name="周在职"))
    services.position_claim(actor=None, position=position, member=m, unit=unit)
    services.service_add(actor=None, member=m, on=dt.date(2026, 3, 1), activity="义诊", hours=Decimal("3"), wishes=1)
    services.service_add(actor=None, member=m, on=dt.date(2026, 8, 1), activity="下半年", hours=Decimal("5"))
    services.project_save(actor=None, unit=unit, year=2026, title="健康义诊进社区", progress=60, funds=Decimal("8000"))
    secretary = UserFactory(grants=[(Role.PARTY_SECRETARY, world.community)])
    data = selectors.half_year_report(user=secretary, year=2026, half=1)
    assert data["members"] == [
        {
            "name": "周在职",
            "unit": "区人民医院",
            "position": "便民服务员",
            "hours": Decimal("3"),
            "wishes": 1,
            "activities": 1,
            "visits": 0,
            "help": "",
        }
    ]
    assert data["units"][0]["projects"] == "健康义诊进社区（60%）"
    client = login(secretary)
    r = client.get("/console/party/report/?year=2026&half=1&format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    page = client.get("/console/party/report/?year=2026&half=1").content.decode()
    assert "周在职" in page and "打印" in page


def test_a_photo_of_the_meeting_raises_its_quality_score_counted_from_the_files(world, branch):
    admin = world.users["admin"]
    year = timezone.localdate().year
    meeting = held_meeting(branch, when=timezone.now().replace(month=1, day=5, hour=9))

    def quality():
        rows = selectors.compliance(user=admin, year=year, organization=branch)
        return next(r.quality for o in rows for r in o.rows if r.kind == meeting.kind)

    before = quality()
    services.meeting_add_file(actor=None, meeting=meeting, name="minutes.pdf", content=b"%PDF-1.4 x")
    assert quality() == before  # a document is not a photo
    services.meeting_add_file(actor=None, meeting=meeting, name="现场.jpg", content=b"\xff\xd8\xff\xe0 photo")
    assert quality() == before + 10
