"""The console forms that complete the module, and the hooks into participation's learning and people's visits.

Each test does what a secretary does on the page and checks what they (or a member) then see."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.factories import UserFactory
from linli.core.modules import ask, registry
from linli.core.roles import Role
from linli.party import selectors, services
from linli.party.factories import MeetingFactory, MemberFactory, OrganizationFactory
from linli.party.models import Disclosure, Meeting, Pairing, Position, Project, ReportingUnit, StudyMaterial
from linli.people.factories import PersonFactory
from linli.people.models import Household, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    branch = OrganizationFactory(name="彩虹社区第一党支部", region=world.community)
    member_user = UserFactory(username="member", grants=[(Role.PARTY_MEMBER, None)])
    person = PersonFactory(house=world.house_b, name="孙党员")
    person.user = member_user
    person.save(update_fields=["user"])
    member = MemberFactory(organization=branch, person=person)
    secretary = UserFactory(username="secretary", grants=[(Role.PARTY_SECRETARY, world.community)])
    return branch, member, member_user, secretary


@pytest.fixture
def without(monkeypatch):
    """Take a provided service away, as if the app providing it were not installed."""

    def _without(*names):
        kept = {k: v for k, v in registry.services.items() if k not in names}
        monkeypatch.setattr(registry, "services", kept)

    return _without


# --- transfer, resubmit, cancel -----------------------------------------------------------------------------------


def test_secretary_transfers_a_member_on_the_page_and_the_history_stays(login, world, setup):
    branch, member, _, secretary = setup
    second = OrganizationFactory(name="彩虹社区第二党支部", region=world.community)
    client = login(secretary)
    r = client.post(f"/console/party/members/{member.pk}/transfer/", {"to_org": second.pk, "reason": "搬到二网格"})
    assert r.status_code == 302
    body = client.get(member.get_absolute_url()).content.decode()
    assert "彩虹社区第二党支部" in body and "彩虹社区第一党支部" in body and "搬到二网格" in body


def test_secretary_of_another_community_cannot_transfer_the_member(login, world, setup):
    other = UserFactory(grants=[(Role.PARTY_SECRETARY, world.other_community)])
    assert login(other).get(f"/console/party/members/{setup[1].pk}/transfer/").status_code == 404


def test_rejected_disclosure_is_fixed_and_goes_back_to_review(login, world, setup):
    branch, _, _, secretary = setup
    d = services.disclosure_create(
        actor=secretary, organization=branch, title="党费收缴", body="略", audience="members"
    )
    office = UserFactory(grants=[(Role.PARTY_OFFICE, world.district)])
    services.disclosure_review(actor=office, disclosure=d, approve=False, note="请列明金额")
    client = login(secretary)
    assert "修改后重新提交" in client.get(d.get_absolute_url()).content.decode()
    r = client.post(f"/console/party/disclosures/{d.pk}/resubmit/", {"title": "党费收缴", "body": ""})
    assert "内容：请填写" in r.content.decode()
    d.refresh_from_db()
    assert d.status == Disclosure.Status.REJECTED
    client.post(f"/console/party/disclosures/{d.pk}/resubmit/", {"title": "党费收缴情况", "body": "共收 1200 元"})
    d.refresh_from_db()
    assert (d.status, d.body) == (Disclosure.Status.PENDING, "共收 1200 元")


def test_cancelling_a_meeting_needs_a_reason_and_members_see_it(login, setup):
    branch, _, member_user, secretary = setup
    meeting = MeetingFactory(organization=branch, starts_at=timezone.now() + dt.timedelta(days=2))
    client = login(secretary)
    client.post(f"/console/party/meetings/{meeting.pk}/cancel/", {"reason": " "})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    client.post(f"/console/party/meetings/{meeting.pk}/cancel/", {"reason": "与街道会议冲突"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == (Meeting.Status.CANCELLED, "与街道会议冲突")
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "与街道会议冲突" in body and "保存会议记录" not in body  # closed: no minutes, no attendance
    with pytest.raises(services.DomainError, match="已取消"):
        services.attendance_mark(actor=None, meeting=meeting, member=setup[1], status="present")
    client.force_login(member_user)
    assert "会议已取消：与街道会议冲突" in client.get(f"/m/party/meetings/{meeting.pk}/").content.decode()


def test_meeting_page_shows_a_qr_code_that_opens_checkin_with_the_code_filled(login, setup):
    branch, _, member_user, secretary = setup
    meeting = MeetingFactory(organization=branch, starts_at=timezone.now() + dt.timedelta(hours=1))
    body = login(secretary).get(meeting.get_absolute_url()).content.decode()
    assert 'data-testid="checkin-qr"' in body and "<svg" in body
    import qrcode  # noqa: F401  (the project's QR library draws it)
    from django.test import Client

    c = Client()
    c.force_login(member_user)
    page = c.get(f"/m/party/meetings/{meeting.pk}/?code={meeting.code}").content.decode()
    assert f'value="{meeting.code}"' in page


# --- 双报到: units, positions, claims, projects, services, cadres -------------------------------------------------


def test_secretary_registers_a_unit_adds_a_position_and_claims_up_to_the_quota(login, world, setup):
    branch, member, _, secretary = setup
    client = login(secretary)
    client.post("/console/party/units/new/", {"name": "区税务局", "community": world.community.pk})
    unit = ReportingUnit.objects.get(name="区税务局")
    r = client.post("/console/party/positions/new/", {"community": world.community.pk, "preset": "", "quota": 1})
    assert "请填写岗位名称" in r.content.decode()
    client.post("/console/party/positions/new/", {"community": world.community.pk, "preset": "便民服务员", "quota": 1})
    position = Position.objects.get(name="便民服务员")
    client.post(f"/console/party/positions/{position.pk}/claim/", {"member": member.pk, "unit": unit.pk})
    body = client.get(position.get_absolute_url()).content.decode()
    assert "孙党员" in body and "1 / 1 已满" in body
    other = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b))
    r = client.post(f"/console/party/positions/{position.pk}/claim/", {"member": other.pk})
    assert "名额（1）已满" in r.content.decode()


def test_staff_see_positions_but_not_who_claimed_them(login, world, setup):
    branch, member, _, _ = setup
    position = services.position_create(actor=None, community=world.community, name="民意收集员", quota=3)
    services.position_claim(actor=None, position=position, member=member)
    body = login(world.users["staff"]).get(position.get_absolute_url()).content.decode()
    assert "民意收集员" in body and "孙党员" not in body


def test_project_progress_evidence_and_funds_are_kept(login, world, setup):
    secretary = setup[3]
    unit = services.unit_register(actor=None, name="区供电局", community=world.community)
    client = login(secretary)
    client.post(
        f"/console/party/units/{unit.pk}/projects/new/",
        {"year": 2026, "title": "楼道照明改造", "progress": 10, "funds": "5000"},
    )
    project = Project.objects.get(unit=unit)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(f"/console/party/projects/{project.pk}/", {"progress": 120, "funds": "5000", "evidence": ""})
    assert "进度" in r.content.decode() and r.status_code == 200
    client.post(f"/console/party/projects/{project.pk}/", {
        "progress": 60, "funds": "8000.50", "materials": "LED 灯 40 盏", "evidence": "已完成 3 栋",
        "file": SimpleUploadedFile("现场.jpg", b"jpegdata", content_type="image/jpeg"),
    })  # fmt: skip
    project.refresh_from_db()
    assert (project.progress, project.funds, project.materials) == (60, Decimal("8000.50"), "LED 灯 40 盏")
    body = client.get(unit.get_absolute_url()).content.decode()
    assert "现场.jpg" in body and "已完成 3 栋" in body


def test_service_records_count_in_the_report_and_export(login, world, setup):
    secretary = setup[3]
    unit = services.unit_register(actor=None, name="区供电局", community=world.community)
    client = login(secretary)
    r = client.post(
        "/console/party/services/new/", {"on": timezone.localdate(), "activity": "义诊", "hours": "3", "wishes": 0}
    )
    assert "请选择党员或单位之一" in r.content.decode()
    client.post("/console/party/services/new/", {"unit": unit.pk, "on": timezone.localdate(), "activity": "义诊", "hours": "3", "wishes": 2})  # fmt: skip
    assert "义诊" in client.get("/console/party/services/?kind=unit").content.decode()
    assert "义诊" not in client.get("/console/party/services/?kind=member").content.decode()
    r = client.get("/console/party/services/?export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_cadre_end_cannot_be_before_the_start(login, world, setup):
    client = login(setup[3])
    data = {"name": "刘干部", "unit": "区发改局", "community": world.community.pk, "assignment": "协助物业整治",
            "start": "2026-06-01", "end": "2026-05-01"}  # fmt: skip
    assert "结束日期：不能早于下沉日期" in client.post("/console/party/cadres/new/", data).content.decode()
    data["end"] = ""
    client.post("/console/party/cadres/new/", data)
    assert "刘干部" in client.get("/console/party/cadres/?current=true").content.decode()


# --- learning through participation ---------------------------------------------------------------------------


def test_assigned_material_is_studied_in_participation_and_the_time_counts(login, setup):
    branch, member, member_user, secretary = setup
    client = login(secretary)
    client.post("/console/party/learning/new/", {"organization": branch.pk, "title": "二十大报告", "hours": "0.5"})
    material = StudyMaterial.objects.get(title="二十大报告")
    assert material.learning_id
    # the member finds it in 学习园地 (participation) and studies there
    client.force_login(member_user)
    assert "二十大报告" in client.get("/m/notices/learning/").content.decode()
    for _ in range(15):  # 15 heartbeats of two minutes: the 30 minutes required
        ask("learning.record_study", material.learning_id, member.person, 120)
    assert selectors.study_hours(member=member, year=timezone.localdate().year) == Decimal("0.5")
    body = client.get("/m/party/learning/").content.decode()
    assert "已学完" in body and "0.5" in body
    client = login(secretary)
    assert "已完成 1 / 1" in client.get(material.get_absolute_url()).content.decode()


def test_learning_degrades_to_mark_done_without_participation(login, setup, without):
    without("learning.assign", "learning.progress", "learning.study_seconds", "learning.url", "learning.record_study")
    branch, member, member_user, _ = setup
    material = services.material_assign(actor=None, organization=branch, title="党章", hours=Decimal("2"))
    assert material.learning_id is None
    client = login(member_user)
    assert "我已学完" in client.get("/m/party/learning/").content.decode()
    client.post("/m/party/learning/", {"material": material.pk})
    client.post("/m/party/learning/", {"material": material.pk})  # twice counts once
    assert selectors.study_hours(member=member, year=timezone.localdate().year) == Decimal("2")


def test_material_hours_are_checked(setup):
    with pytest.raises(services.DomainError, match="学时"):
        services.material_assign(actor=None, organization=setup[0], title="x", hours=Decimal("0"))


# --- 结对帮扶 through people's visit log ---------------------------------------------------------------------------


def _pair(login, world, setup):
    branch, member, _, secretary = setup
    client = login(secretary)
    from linli.people.services import id_hash  # noqa: F401  (the person is found by ID number, never listed)

    household = Household.objects.get(householder=world.person_a)
    pairing = services.pairing_create(
        actor=secretary, member=member, household=household, need="独居老人",
        start=timezone.localdate() - dt.timedelta(days=40),
    )  # fmt: skip
    return client, pairing


def test_pairing_visit_lands_in_the_people_visit_log(login, world, setup):
    client, pairing = _pair(login, world, setup)
    day = timezone.localdate() - dt.timedelta(days=2)
    r = client.post(pairing.get_absolute_url(), {"on": day, "help_given": "送米面油，帮忙挂号"})
    assert r.status_code == 302
    visit = Visit.objects.get(household=pairing.household)
    assert visit.visited_on == day and "送米面油" in visit.notes and visit.visitor_name == "孙党员（结对党员）"
    body = client.get(pairing.get_absolute_url()).content.decode()
    assert "已写入人口库走访记录" in body and "张*" in body and "张三" not in body
    # the grid worker of that grid sees it in the household's visit log
    assert "送米面油" in login(world.users["grid1"]).get("/console/people/visits/").content.decode()


def test_pairing_visit_refuses_a_future_date_and_keeps_nothing(login, world, setup):
    client, pairing = _pair(login, world, setup)
    r = client.post(
        pairing.get_absolute_url(), {"on": timezone.localdate() + dt.timedelta(days=1), "help_given": "送药"}
    )
    assert "走访日期：不能晚于今天" in r.content.decode()
    assert not pairing.visits.exists() and not Visit.objects.filter(household=pairing.household).exists()


def test_pairing_visit_is_kept_without_the_people_hook(login, world, setup, without):
    client, pairing = _pair(login, world, setup)
    without("people.record_visit", "people.visits_of")
    client.post(pairing.get_absolute_url(), {"on": timezone.localdate(), "help_given": "打扫卫生"})
    v = pairing.visits.get()
    assert v.visit_id is None and "打扫卫生" in client.get(pairing.get_absolute_url()).content.decode()


def test_pairings_are_party_only(login, world, setup):
    _, pairing = _pair(login, world, setup)
    assert login(world.users["staff"]).get("/console/party/pairings/").status_code == 403
    assert login(world.users["staff"]).get(pairing.get_absolute_url()).status_code == 404
    other = UserFactory(grants=[(Role.PARTY_SECRETARY, world.other_community)])
    assert login(other).get(pairing.get_absolute_url()).status_code == 404
    assert Pairing.objects.count() == 1


def test_pairing_with_a_household_outside_the_secretary_area_is_refused(world, setup):
    branch, member, _, secretary = setup
    household = Household.objects.create(region_path=world.other_community.path + "99/")
    with pytest.raises(services.DomainError, match="不在您负责的区域内"):
        services.pairing_create(actor=secretary, member=member, household=household, need="困难")


# --- start page ------------------------------------------------------------------------------------------------


def test_start_page_cards_for_a_member_and_for_a_secretary(world, setup):
    from linli.core.home import HomeCard, HomeList

    branch, member, member_user, secretary = setup
    MeetingFactory(organization=branch, title="学习贯彻全会精神", starts_at=timezone.now() + dt.timedelta(days=3))
    cards = {c.label: c for c in selectors.home_cards(member_user) if isinstance(c, HomeCard)}
    assert cards["我的党组织"].value == "彩虹社区第一党支部"
    assert "学习贯彻全会精神" in cards["下次组织生活"].hint
    assert "组织生活未达标" not in cards  # a member is not told about branches' compliance
    items = selectors.home_cards(secretary)
    cards = {c.label: c for c in items if isinstance(c, HomeCard)}
    assert cards["组织生活未达标"].value == 1 and cards["组织生活未达标"].tone == "danger"  # nothing held this year
    soon = next(i for i in items if isinstance(i, HomeList))
    assert "彩虹社区第一党支部 · 支部党员大会" in soon.rows[0].text
    assert selectors.home_cards(world.users["resident"]) == []


def test_list_filters_offer_only_what_the_user_may_see(login, world, setup):
    services.unit_register(actor=None, name="区供电局", community=world.community)
    services.unit_register(actor=None, name="塔西水厂", community=world.other_community)
    client = login(setup[3])
    body = client.get("/console/party/units/").content.decode()
    assert "区供电局" in body and "塔西水厂" not in body
    assert f'<option value="{world.other_community.pk}"' not in body  # the filter does not even offer it
    body = client.get(f"/console/party/units/?community={world.other_community.pk}").content.decode()
    assert "塔西水厂" not in body
    assert "区供电局" in client.get(f"/console/party/units/?community={world.community.pk}").content.decode()


@pytest.mark.parametrize("which", ["services", "pairings", "learning", "positions", "cadres"])
def test_new_lists_do_not_grow_queries_with_rows(login, world, setup, which):
    from linli.testing import assert_queries_constant

    branch, member, _, secretary = setup
    unit = services.unit_register(actor=None, name="区供电局", community=world.community)
    household = Household.objects.get(householder=world.person_a)

    def make(k):
        for _ in range(k):
            if which == "services":
                services.service_add(actor=None, unit=unit, on=timezone.localdate(), activity="义诊", hours=2)
            elif which == "pairings":
                m = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b))
                services.pairing_create(actor=None, member=m, household=household, need="独居老人")
            elif which == "learning":
                services.material_assign(actor=None, organization=branch, title="学习", hours=Decimal("1"))
            elif which == "positions":
                services.position_create(actor=None, community=world.community, name="便民服务员", quota=2)
            else:
                services.cadre_add(actor=None, name="刘干部", unit="区发改局", community=world.community,
                                   assignment="包保网格", start=dt.date(2026, 3, 1))  # fmt: skip

    assert_queries_constant(login(secretary), f"/console/party/{which}/", make)


def test_member_claims_a_position_in_the_resident_app_within_the_quota(client, world, setup):
    branch, member, member_user, _ = setup
    position = services.position_create(actor=None, community=world.community, name="民意收集员", quota=1)
    far = services.position_create(actor=None, community=world.other_community, name="塔西岗位", quota=5)
    client.force_login(member_user)
    body = client.get("/m/party/positions/").content.decode()
    assert "民意收集员" in body and "塔西岗位" not in body
    client.post("/m/party/positions/", {"position": far.pk})
    assert not far.claims.exists()
    client.post("/m/party/positions/", {"position": position.pk})
    assert position.claims.get().member == member
    assert "我已认领" in client.get("/m/party/positions/").content.decode()
    assert "民意收集员" in client.get("/m/party/").content.decode()
    other_user = UserFactory(grants=[(Role.PARTY_MEMBER, None)])
    person = PersonFactory(house=world.house_b)
    person.user = other_user
    person.save(update_fields=["user"])
    MemberFactory(organization=branch, person=person)
    client.force_login(other_user)
    client.post("/m/party/positions/", {"position": position.pk})
    assert position.claims.count() == 1  # the quota holds


def test_ending_a_pairing_needs_a_reason_keeps_the_visits_and_stops_new_ones(login, world, setup):
    client, pairing = _pair(login, world, setup)
    client.post(pairing.get_absolute_url(), {"on": timezone.localdate(), "help_given": "送米面油"})
    r = client.post(pairing.get_absolute_url(), {"reason": " "})
    assert "结束原因" in r.content.decode()
    pairing.refresh_from_db()
    assert pairing.end is None
    client.post(pairing.get_absolute_url(), {"reason": "低保已落实，困难解除"})
    pairing.refresh_from_db()
    assert (pairing.end, pairing.end_reason) == (timezone.localdate(), "低保已落实，困难解除")
    body = client.get(pairing.get_absolute_url()).content.decode()
    assert "送米面油" in body and "保存走访" not in body
    with pytest.raises(services.DomainError, match="已于"):
        services.pairing_visit(actor=None, pairing=pairing, on=timezone.localdate(), help_given="再去看看")
    assert "独居老人" not in client.get("/console/party/pairings/?active=true").content.decode()
