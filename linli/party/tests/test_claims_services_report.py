"""撤销认岗 (the place frees up, the history stays), correcting and deleting service records, and the half-year
report counting 结对帮扶 visits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.factories import UserFactory
from linli.core.models import AuditLog, ObjectChange
from linli.core.roles import Role
from linli.party import selectors, services
from linli.party.factories import MemberFactory, OrganizationFactory
from linli.party.models import PositionClaim, ServiceRecord
from linli.people.factories import PersonFactory
from linli.people.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    branch = OrganizationFactory(name="彩虹社区第一党支部", region=world.community)
    member_user = UserFactory(username="member", grants=[(Role.PARTY_MEMBER, None)])
    person = PersonFactory(house=world.house_b, name="孙党员")
    type(person).objects.filter(pk=person.pk).update(user=member_user)
    person.refresh_from_db()
    member = MemberFactory(organization=branch, person=person)
    secretary = UserFactory(username="secretary", grants=[(Role.PARTY_SECRETARY, world.community)])
    position = services.position_create(actor=None, community=world.community, name="便民服务员", quota=1)
    claim = services.position_claim(actor=None, position=position, member=member)
    return branch, member, member_user, secretary, position, claim


# --- 撤销认岗 ------------------------------------------------------------------------------------------------------


def test_secretary_withdraws_a_claim_with_a_reason_and_the_place_frees_up(world, login, setup):
    branch, member, _, secretary, position, claim = setup
    other = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b, name="钱在职"))
    with pytest.raises(services.DomainError, match="名额（1）已满"):
        services.position_claim(actor=None, position=position, member=other)
    client = login(secretary)
    assert f'data-testid="withdraw-{claim.pk}"' in client.get(position.get_absolute_url()).content.decode()
    r = client.post(f"/console/party/claims/{claim.pk}/withdraw/", {"reason": "工作调动到外区"})
    assert r.status_code == 302
    page = client.get(position.get_absolute_url()).content.decode()
    assert "已撤销的认岗" in page and "工作调动到外区" in page and 'data-testid="quota">0 / 1' in page
    services.position_claim(actor=None, position=position, member=other)  # the place is free again
    log = AuditLog.objects.get(field="双报到·撤销认岗")
    assert (log.actor, log.reason) == (secretary, "工作调动到外区")
    assert ObjectChange.objects.filter(target_id=str(claim.pk), action="update").exists()
    # a withdrawn holder is no longer offered to volunteering's 派单
    assert [h["name"] for h in selectors.position_holders(region_path=world.community.path)] == ["钱在职"]


def test_withdrawing_needs_a_reason_and_changes_nothing_without_it(world, login, setup):
    *_, secretary, position, claim = setup
    page = login(secretary).post(f"/console/party/claims/{claim.pk}/withdraw/", {"reason": " "}).content.decode()
    assert "撤销原因" in page
    with pytest.raises(services.DomainError, match="撤销原因：请写明"):
        services.position_withdraw(actor=secretary, claim=claim, reason="x")
    claim.refresh_from_db()
    assert claim.withdrawn_on is None and not AuditLog.objects.filter(field="双报到·撤销认岗").exists()


def test_a_withdrawn_claim_cannot_be_withdrawn_twice(world, setup):
    *_, secretary, position, claim = setup
    services.position_withdraw(actor=secretary, claim=claim, reason="搬离本社区")
    with pytest.raises(services.DomainError, match="已经撤销"):
        services.position_withdraw(actor=secretary, claim=claim, reason="再撤一次")


def test_the_member_withdraws_their_own_claim_in_the_resident_app_and_may_claim_again(world, login, setup):
    _, member, member_user, _, position, claim = setup
    client = login(member_user)
    assert 'data-testid="withdraw"' in client.get("/m/party/positions/").content.decode()
    page = client.post(f"/m/party/claims/{claim.pk}/withdraw/", {"reason": "身体原因"}, follow=True).content.decode()
    assert "已撤销认岗：便民服务员" in page and "认领此岗位" in page
    claim.refresh_from_db()
    assert claim.withdraw_reason == "身体原因"
    client.post("/m/party/positions/", {"position": position.pk})
    assert PositionClaim.objects.filter(position=position, member=member, withdrawn_on__isnull=True).count() == 1


def test_the_secretary_is_told_when_a_member_withdraws_their_own_claim(world, login, setup):
    from linli.core.models import Notification

    _, _, member_user, secretary, position, claim = setup
    far = UserFactory(username="far_secretary", grants=[(Role.PARTY_SECRETARY, world.other_community)])
    login(member_user).post(f"/m/party/claims/{claim.pk}/withdraw/", {"reason": "身体原因"})
    told = Notification.objects.get(recipient=secretary, kind="party_position")
    assert (
        "撤销了认岗：便民服务员" in told.title and "身体原因" in told.body and told.url == position.get_absolute_url()
    )
    assert not Notification.objects.filter(recipient=far).exists()  # another community's secretary is not told
    assert not Notification.objects.filter(recipient=member_user, kind="party_position").exists()


def test_the_secretary_withdrawing_a_claim_is_not_told_of_it(world, setup):
    from linli.core.models import Notification

    *_, secretary, position, claim = setup
    services.position_withdraw(actor=secretary, claim=claim, reason="工作调动到外区")
    assert not Notification.objects.filter(kind="party_position").exists()


def test_others_cannot_withdraw_a_claim(world, login, setup):
    *_, position, claim = setup
    stranger = UserFactory(grants=[(Role.PARTY_MEMBER, None)])
    assert login(stranger).post(f"/m/party/claims/{claim.pk}/withdraw/", {"reason": "捣乱一下"}).status_code == 404
    far = UserFactory(grants=[(Role.PARTY_SECRETARY, world.other_community)])
    assert login(far).get(f"/console/party/claims/{claim.pk}/withdraw/").status_code == 404
    staff = login(world.users["staff"])  # sees positions and the count, not who holds them
    assert staff.get(f"/console/party/claims/{claim.pk}/withdraw/").status_code in (403, 404)
    with pytest.raises(services.DomainError, match="没有此操作的权限"):
        services.position_withdraw(actor=far, claim=claim, reason="不在本区")
    claim.refresh_from_db()
    assert claim.withdrawn_on is None


# --- service records ------------------------------------------------------------------------------------------


def test_secretary_corrects_a_service_record_and_the_report_counts_the_new_hours(world, login, setup):
    _, member, _, secretary, *_ = setup
    record = services.service_add(actor=None, member=member, on=dt.date(2026, 3, 1), activity="义诊", hours=8)
    client = login(secretary)
    assert f'href="/console/party/services/{record.pk}/"' in client.get("/console/party/services/").content.decode()
    r = client.post(
        f"/console/party/services/{record.pk}/",
        {"on": "2026-03-01", "activity": "义诊", "hours": "3", "wishes": "1", "reason": "时长登记多了"},
    )
    assert r.status_code == 302
    record.refresh_from_db()
    assert (record.hours, record.wishes) == (Decimal("3"), 1)
    [row] = selectors.half_year_report(user=secretary, year=2026, half=1)["members"]
    assert (row["hours"], row["wishes"]) == (Decimal("3"), 1)
    log = AuditLog.objects.get(field="双报到·更正服务记录")
    assert log.reason == "时长登记多了"
    change = ObjectChange.objects.get(target_id=str(record.pk), action="update")
    assert change.before["服务时长（小时）"] == "8.0" and change.after["服务时长（小时）"] == "3.0"


def test_a_correction_without_a_reason_or_with_bad_hours_saves_nothing(world, login, setup):
    _, member, _, secretary, *_ = setup
    record = services.service_add(actor=None, member=member, on=dt.date(2026, 3, 1), activity="义诊", hours=8)
    client = login(secretary)
    url = f"/console/party/services/{record.pk}/"
    page = client.post(url, {"on": "2026-03-01", "activity": "义诊", "hours": "3", "wishes": "0", "reason": ""})
    assert "更正原因" in page.content.decode() and page.status_code == 200
    page = client.post(url, {"on": "2026-03-01", "activity": "义诊", "hours": "30", "wishes": "0", "reason": "改"})
    assert page.status_code == 200
    with pytest.raises(services.DomainError, match="日期：不能晚于今天"):
        services.service_update(
            actor=secretary, record=record, on=timezone.localdate() + dt.timedelta(days=1), activity="义诊",
            hours=1, wishes=0, reason="改日期",
        )  # fmt: skip
    record.refresh_from_db()
    assert record.hours == Decimal("8") and not AuditLog.objects.filter(field="双报到·更正服务记录").exists()


def test_secretary_deletes_a_duplicate_record_with_a_reason_kept_in_the_audit(world, login, setup):
    _, member, _, secretary, *_ = setup
    record = services.service_add(actor=None, member=member, on=dt.date(2026, 3, 1), activity="重复的义诊", hours=2)
    client = login(secretary)
    url = f"/console/party/services/{record.pk}/"
    assert "删除原因" in client.post(url, {"delete_reason": ""}).content.decode()
    assert ServiceRecord.objects.filter(pk=record.pk).exists()
    client.post(url, {"delete_reason": "重复登记"})
    assert not ServiceRecord.objects.filter(pk=record.pk).exists()
    assert "重复的义诊" not in client.get("/console/party/services/").content.decode()
    log = AuditLog.objects.get(field="双报到·删除服务记录")
    assert log.reason == "重复登记" and log.extra["record"]["活动内容"] == "重复的义诊"
    assert ObjectChange.objects.filter(target_id=str(record.pk), action="delete").exists()


def test_only_the_secretary_in_scope_may_correct_or_delete(world, login, setup):
    _, member, *_ = setup
    record = services.service_add(actor=None, member=member, on=dt.date(2026, 3, 1), activity="义诊", hours=2)
    url = f"/console/party/services/{record.pk}/"
    assert login(world.users["staff"]).get(url).status_code == 404
    far = UserFactory(grants=[(Role.PARTY_SECRETARY, world.other_community)])
    assert login(far).post(url, {"delete_reason": "不在本区"}).status_code == 404
    with pytest.raises(services.DomainError, match="没有此操作的权限"):
        services.service_delete(actor=far, record=record, reason="不在本区")
    assert ServiceRecord.objects.filter(pk=record.pk).exists()


# --- the half-year report counts 结对帮扶 ----------------------------------------------------------------------------


def test_half_year_report_counts_pairing_visits_and_help_given(world, login, setup):
    _, member, _, secretary, *_ = setup
    household = Household.objects.get(householder=world.person_a)
    today = timezone.localdate()
    pairing = services.pairing_create(
        actor=secretary, member=member, household=household, need="独居老人", start=today - dt.timedelta(days=60)
    )
    for days, help_given in ((20, "送米面油"), (3, "代办医保报销")):
        services.pairing_visit(
            actor=secretary, pairing=pairing, on=today - dt.timedelta(days=days), help_given=help_given
        )
    half = 1 if today.month <= 6 else 2
    start, _ = selectors.half_year_bounds(today.year, half)
    in_half = [d for d in (20, 3) if today - dt.timedelta(days=d) >= start]
    [row] = selectors.half_year_report(user=secretary, year=today.year, half=half)["members"]
    assert row["name"] == "孙党员" and row["visits"] == len(in_half)
    assert ("代办医保报销" in row["help"]) and (("送米面油" in row["help"]) == (20 in in_half))
    client = login(secretary)
    page = client.get(f"/console/party/report/?year={today.year}&half={half}").content.decode()
    assert "结对走访（次）" in page and "代办医保报销" in page
    # staff see the report's hours but not what a household in difficulty was given
    staff = selectors.half_year_report(user=world.users["staff"], year=today.year, half=half)["members"]
    assert all(r["visits"] == 0 and r["help"] == "" for r in staff)


def test_a_member_with_visits_but_no_position_is_in_the_report(world, setup):
    branch, _, _, secretary, *_ = setup
    other = MemberFactory(organization=branch, person=PersonFactory(house=world.house_b, name="吴退休"))
    household = Household.objects.get(householder=world.person_a)
    today = timezone.localdate()
    pairing = services.pairing_create(
        actor=secretary, member=other, household=household, need="低保家庭", start=today - dt.timedelta(days=10)
    )
    services.pairing_visit(actor=secretary, pairing=pairing, on=today, help_given="辅导孩子作业")
    rows = selectors.half_year_report(user=secretary, year=today.year, half=1 if today.month <= 6 else 2)["members"]
    row = next(r for r in rows if r["name"] == "吴退休")
    assert (row["position"], row["visits"], row["hours"]) == ("—", 1, Decimal("0"))
