"""The API contract of issue 12 and who sees what: organisations, members, meetings, check-in, compliance."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.factories import UserFactory
from linli.core.roles import Role
from linli.party import services
from linli.party.factories import MeetingFactory, MemberFactory, OrganizationFactory, held_meeting
from linli.people.factories import PersonFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


def at(y, m, d, h=19):
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


@pytest.fixture
def party(world):
    """彩虹社区党支部 (with a member who has an account) and 塔西社区党支部, a secretary of each community."""
    rainbow = OrganizationFactory(name="彩虹社区党支部", region=world.community)
    taxi = OrganizationFactory(name="塔西社区党支部", region=world.other_community)
    member_user = UserFactory(username="member1", grants=[(Role.PARTY_MEMBER, None)])
    person = PersonFactory(house=world.house_a, name="赵党员")
    person.user = member_user
    person.save(update_fields=["user"])
    member = MemberFactory(organization=rainbow, person=person)
    other_member = MemberFactory(organization=taxi, person=PersonFactory(house=world.house_c, name="钱党员"))
    secretary = UserFactory(username="sec1", grants=[(Role.PARTY_SECRETARY, world.community)])
    return {
        "rainbow": rainbow, "taxi": taxi, "member_user": member_user, "member": member,
        "other_member": other_member, "secretary": secretary,
    }  # fmt: skip


def test_secretary_lists_own_community_organizations_and_members_only(client, login, party):
    login(party["secretary"])
    orgs = client.get("/api/v1/party/organizations/").json()
    assert [o["name"] for o in orgs["results"]] == ["彩虹社区党支部"]
    members = client.get("/api/v1/party/members/").json()["results"]
    assert [m["id"] for m in members] == [party["member"].pk]
    assert "*" in members[0]["phone"]  # masked
    assert client.get(f"/api/v1/party/members/{party['other_member'].pk}/").status_code == 404


def test_resident_who_is_not_a_member_gets_403_on_members_and_meetings(client, login, world, party):
    login(world.users["resident"])
    assert client.get("/api/v1/party/members/").status_code == 403
    assert client.get("/api/v1/party/meetings/").status_code == 403
    assert client.get("/api/v1/party/compliance/?year=2025").status_code == 403


def test_community_staff_see_meetings_but_no_member_details(client, login, world, party):
    login(world.users["staff"])
    assert client.get("/api/v1/party/members/").status_code == 403
    assert client.get("/api/v1/party/meetings/").status_code == 200


def test_member_sees_own_branch_meetings_and_no_other_branch_member_list(client, login, party):
    mine = MeetingFactory(organization=party["rainbow"], starts_at=at(2025, 3, 5))
    MeetingFactory(organization=party["taxi"], starts_at=at(2025, 3, 6))
    login(party["member_user"])
    meetings = client.get("/api/v1/party/meetings/").json()["results"]
    assert [m["id"] for m in meetings] == [mine.pk]
    members = client.get(f"/api/v1/party/members/?organization={party['taxi'].pk}").json()["results"]
    assert members == []
    own = client.get("/api/v1/party/members/").json()["results"]
    assert [m["id"] for m in own] == [party["member"].pk]  # only themselves, not the branch's list


def test_meetings_filter_by_organization_kind_and_year(client, login, party):
    rainbow = party["rainbow"]
    a = MeetingFactory(organization=rainbow, kind="assembly", starts_at=at(2025, 3, 5))
    MeetingFactory(organization=rainbow, kind="lecture", starts_at=at(2025, 4, 5))
    MeetingFactory(organization=rainbow, kind="assembly", starts_at=at(2024, 3, 5))
    login(party["secretary"])
    got = client.get(f"/api/v1/party/meetings/?organization={rainbow.pk}&kind=assembly&year=2025").json()["results"]
    assert [m["id"] for m in got] == [a.pk]
    assert got[0]["kind"] == "assembly" and got[0]["kind_label"] == "支部党员大会"


def test_member_checks_in_with_the_code_and_a_wrong_code_is_refused(client, login, party):
    meeting = MeetingFactory(organization=party["rainbow"], starts_at=timezone.now())
    login(party["member_user"])
    wrong = "000000" if meeting.code != "000000" else "111111"
    bad = client.post(f"/api/v1/party/meetings/{meeting.pk}/checkin", {"code": wrong}, content_type="application/json")
    assert bad.status_code == 400 and "签到码" in bad.json()["code"][0]
    ok = client.post(
        f"/api/v1/party/meetings/{meeting.pk}/checkin", {"code": meeting.code}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["attendance"] == "present"
    assert meeting.attendances.get().member == party["member"]


def test_member_of_another_branch_cannot_check_in(client, login, party, world):
    meeting = MeetingFactory(organization=party["taxi"], starts_at=timezone.now())
    login(party["member_user"])
    r = client.post(
        f"/api/v1/party/meetings/{meeting.pk}/checkin", {"code": meeting.code}, content_type="application/json"
    )
    assert r.status_code == 404


def test_only_flowing_members_attend_online(client, login, party):
    meeting = MeetingFactory(organization=party["rainbow"], starts_at=timezone.now())
    login(party["member_user"])
    url = f"/api/v1/party/meetings/{meeting.pk}/checkin"
    r = client.post(url, {"code": meeting.code, "online": True}, content_type="application/json")
    assert r.status_code == 400 and "流动党员" in r.json()["online"][0]
    party["member"].work_status = "flowing"
    party["member"].save(update_fields=["work_status"])
    r = client.post(url, {"code": meeting.code, "online": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["attendance"] == "online"


def test_compliance_held_equals_what_meetings_lists(client, login, party):
    rainbow = party["rainbow"]
    for month in (2, 5, 8):
        held_meeting(rainbow, when=at(2025, month, 10))
    MeetingFactory(organization=rainbow, kind="assembly", starts_at=at(2025, 11, 10))  # planned, never held
    held_meeting(rainbow, when=at(2025, 6, 1), kind="lecture")
    login(party["secretary"])
    rows = client.get("/api/v1/party/compliance/?year=2025").json()
    assembly = next(r for r in rows if r["organization"] == rainbow.pk and r["kind"] == "assembly")
    assert assembly == {"organization": rainbow.pk, "kind": "assembly", "required": 4, "held": 3, "behind": True}
    listed = client.get(f"/api/v1/party/meetings/?organization={rainbow.pk}&kind=assembly&year=2025").json()["results"]
    assert assembly["held"] == sum(1 for m in listed if m["meeting_status"] == "held")
    kinds = {r["kind"]: r for r in rows if r["organization"] == rainbow.pk}
    assert set(kinds) == {"assembly", "committee", "lecture", "theme_day"}
    assert kinds["committee"]["required"] == 12 and kinds["committee"]["held"] == 0


def test_a_configured_cycle_changes_what_is_required(client, login, party):
    rainbow = party["rainbow"]
    services.cycle_set(actor=None, organization=rainbow, kind="assembly", per_year=2)
    held_meeting(rainbow, when=at(2025, 2, 10))
    held_meeting(rainbow, when=at(2025, 8, 10))
    login(party["secretary"])
    rows = client.get("/api/v1/party/compliance/?year=2025").json()
    assembly = next(r for r in rows if r["organization"] == rainbow.pk and r["kind"] == "assembly")
    assert (assembly["required"], assembly["held"], assembly["behind"]) == (2, 2, False)


def test_compliance_rejects_a_bad_year_in_chinese(client, login, party):
    login(party["secretary"])
    r = client.get("/api/v1/party/compliance/?year=abc")
    assert r.status_code == 400 and "年度" in r.json()["year"][0]


def test_a_bad_filter_value_is_a_400_naming_the_field(client, login, party):
    login(party["secretary"])
    r = client.get("/api/v1/party/meetings/?year=-4.1e16&organization=1.5")
    assert r.status_code == 400 and {"year", "organization"} <= set(r.json())
