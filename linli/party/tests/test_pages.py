"""Console and resident pages answer, in Chinese, to the right people only."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.factories import UserFactory
from linli.core.roles import Role
from linli.party import services
from linli.party.factories import MeetingFactory, MemberFactory, OrganizationFactory, held_meeting
from linli.people.factories import PersonFactory

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


CONSOLE = [
    "/console/party/organizations/", "/console/party/organizations/?view=table", "/console/party/members/",
    "/console/party/meetings/", "/console/party/meetings/new/", "/console/party/meetings/calendar/",
    "/console/party/compliance/", "/console/party/disclosures/", "/console/party/units/", "/console/party/positions/",
    "/console/party/cadres/", "/console/party/report/", "/console/party/members/new/",
    "/console/party/organizations/new/", "/console/party/units/new/", "/console/party/positions/new/",
    "/console/party/services/", "/console/party/services/new/", "/console/party/cadres/new/", "/console/party/learning/",
    "/console/party/learning/new/", "/console/party/pairings/", "/console/party/pairings/new/",
    "/console/party/cadres/?current=true&unit=物业", "/console/party/positions/?full=true",
]  # fmt: skip


@pytest.mark.parametrize("url", CONSOLE)
def test_secretary_opens_every_console_page(login, setup, url):
    client = login(setup[3])
    assert client.get(url).status_code == 200


def test_grid_worker_cannot_open_member_pages(login, world, setup):
    client = login(world.users["grid1"])
    assert client.get("/console/party/members/").status_code in (403, 404)
    assert client.get(f"/console/party/members/{setup[1].pk}/").status_code in (403, 404)


def test_detail_pages_show_the_branch_meeting_and_member(login, setup):
    branch, member, _, secretary = setup
    meeting = held_meeting(branch, when=timezone.now() - dt.timedelta(days=3))
    client = login(secretary)
    assert "彩虹社区第一党支部" in client.get(branch.get_absolute_url()).content.decode()
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "已召开" in body and "孙党员" in body
    assert "孙党员" in client.get(member.get_absolute_url()).content.decode()


def test_member_checks_in_on_the_resident_page(client, setup):
    branch, member, member_user, _ = setup
    meeting = MeetingFactory(organization=branch, starts_at=timezone.now(), title="十二月主题党日")
    client.force_login(member_user)
    assert "十二月主题党日" in client.get("/m/party/").content.decode()
    r = client.post(f"/m/party/meetings/{meeting.pk}/", {"code": "abc"})
    assert "签到码：不正确" in r.content.decode()
    r = client.post(f"/m/party/meetings/{meeting.pk}/", {"code": meeting.code}, follow=True)
    assert "到会" in r.content.decode()


def test_member_of_no_branch_is_told_so_and_cannot_open_a_meeting(client, world, setup):
    meeting = MeetingFactory(organization=setup[0], starts_at=timezone.now())
    client.force_login(world.users["resident"])
    assert "未登记为党员" in client.get("/m/party/").content.decode()
    assert client.get(f"/m/party/meetings/{meeting.pk}/").status_code == 404


def test_secretary_records_minutes_and_sets_a_cycle_on_the_pages(login, setup):
    branch, member, _, secretary = setup
    meeting = MeetingFactory(organization=branch, starts_at=timezone.now() - dt.timedelta(hours=1))
    client = login(secretary)
    r = client.post(f"/console/party/meetings/{meeting.pk}/minutes/", {"minutes": ""}, follow=True)
    assert "请填写会议记录" in r.content.decode()
    client.post(f"/console/party/meetings/{meeting.pk}/minutes/", {"minutes": "传达精神"})
    meeting.refresh_from_db()
    assert meeting.status == "held"
    client.post(f"/console/party/organizations/{branch.pk}/cycle/", {"kind": "lecture", "per_year": 6})
    assert services.default_cycles_for(branch)["lecture"] == 4  # the default stays
    assert branch.cycles.get(kind="lecture").per_year == 6


def test_secretary_registers_a_member_by_id_number(login, world, setup):
    branch, _, _, secretary = setup
    client = login(secretary)
    form = {"organization": branch.pk, "status": "full", "work_status": "retired", "joined_on": "1998-07-01"}
    r = client.post("/console/party/members/new/", {**form, "id_number": "520402198001010000"})
    assert "人口库中没有该人员" in r.content.decode()
    r = client.post("/console/party/members/new/", {**form, "id_number": world.person_c.id_number_clear})
    assert r.status_code == 302
    assert branch.members.filter(person=world.person_c, work_status="retired").exists()
    r = client.post("/console/party/members/new/", {**form, "id_number": world.person_c.id_number_clear})
    assert "已是党员" in r.content.decode()


def test_member_page_shows_pairing_with_the_householder_masked(login, world, setup):
    branch, member, _, secretary = setup
    from linli.people.models import Household

    household = Household.objects.get(householder=world.person_a)
    today = timezone.localdate()
    pairing = services.pairing_create(
        actor=None, member=member, household=household, need="独居老人", start=today - dt.timedelta(days=60)
    )
    services.pairing_visit(actor=None, pairing=pairing, on=today - dt.timedelta(days=3), help_given="送米面油")
    body = login(secretary).get(member.get_absolute_url()).content.decode()
    assert "张*" in body and "张三" not in body and "送米面油" in body


def test_the_resident_home_shows_the_branch_tile_to_members_only(client, world, setup):
    _, _, member_user, _ = setup
    client.force_login(member_user)
    assert 'href="/m/party/"' in client.get("/m/").content.decode()
    client.force_login(world.users["resident"])
    assert 'href="/m/party/"' not in client.get("/m/").content.decode()
