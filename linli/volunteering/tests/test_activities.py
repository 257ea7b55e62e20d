"""Volunteers, activities with quotas and a waiting list, QR check-in/out, hours and their corrections."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.errors import ConflictError, DomainError
from linli.core.factories import UserFactory
from linli.core.roles import Role
from linli.volunteering import selectors, services
from linli.volunteering.models import ServiceRecord, Signup, Volunteer, star_for

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def _volunteer(world, name="赵志愿") -> Volunteer:
    user = UserFactory(full_name=name, grants=[(Role.VOLUNTEER, None)])
    return services.volunteer_register(user=user, consent=True, region=world.grid_a)


def _activity(world, start=None, end=None, quota=10, **kw):
    start = start or timezone.now() + dt.timedelta(days=1)
    return services.activity_create(actor=world.users["staff"], region=world.grid_a, title="楼道清理", place="3 栋",
                                    starts_at=start, ends_at=end or start + dt.timedelta(hours=2), quota=quota, **kw)  # fmt: skip


def test_registration_needs_consent_and_links_the_person(world):
    resident = world.users["resident"]
    with pytest.raises(DomainError, match="勾选同意"):
        services.volunteer_register(user=resident, consent=False)
    v = services.volunteer_register(user=resident, consent=True, skills="理发")
    assert v.person == world.person_a and v.region == world.person_a.region and v.consent_at is not None


def test_the_quota_fills_then_the_waiting_list_moves_up_on_a_cancel(world):
    activity = _activity(world, quota=1)
    first, second = _volunteer(world, "甲"), _volunteer(world, "乙")
    s1 = services.activity_signup(activity=activity, volunteer=first)
    s2 = services.activity_signup(activity=activity, volunteer=second)
    assert (s1.status, s2.status) == ("signed", "waiting")
    services.signup_cancel(signup=s1, actor=first.user)
    assert Signup.objects.get(pk=s2.pk).status == "signed"


def test_overlapping_activities_cannot_both_be_signed_up_for(world):
    v = _volunteer(world)
    start = timezone.now() + dt.timedelta(days=2)
    services.activity_signup(activity=_activity(world, start=start), volunteer=v)
    clash = _activity(world, start=start + dt.timedelta(hours=1))
    with pytest.raises(DomainError, match="时间冲突"):
        services.activity_signup(activity=clash, volunteer=v)
    later = _activity(world, start=start + dt.timedelta(hours=2))  # starts when the first ends: no overlap
    assert services.activity_signup(activity=later, volunteer=v).status == "signed"


def test_check_in_and_out_by_qr_computes_hours_within_the_activity(world):
    v = _volunteer(world)
    activity = _activity(world, start=at(12, 9), end=at(12, 12))
    Signup.objects.create(activity=activity, volunteer=v, status="signed")  # signed up earlier (the start is past)
    with pytest.raises(DomainError, match="签到码无效"):
        services.check_in(activity=activity, token="wrong", user=v.user, now=at(12, 8, 50))
    services.check_in(activity=activity, token=activity.checkin_token, user=v.user, now=at(12, 8, 30))
    s = services.check_out(activity=activity, token=activity.checkin_token, user=v.user, now=at(12, 12, 40))
    assert s.hours == Decimal("3.0") and s.hours_status == "pending"  # 08:30–12:40 counts only 09:00–12:00


def test_hours_across_midnight_count_the_real_time(world):
    v = _volunteer(world)
    activity = _activity(world, start=at(31, 22), end=at(31, 22) + dt.timedelta(hours=4))  # 跨年夜守岁巡逻
    Signup.objects.create(activity=activity, volunteer=v, status="signed")
    services.check_in(activity=activity, token=activity.checkin_token, user=v.user, now=at(31, 22, 5))
    s = services.check_out(activity=activity, token=activity.checkin_token, user=v.user,
                           now=at(31, 22) + dt.timedelta(hours=3, minutes=35))  # fmt: skip
    assert s.hours == Decimal("3.5")


def test_no_check_out_waits_for_the_organisers_hours(world):
    v = _volunteer(world)
    activity = _activity(world, start=at(12, 9), end=at(12, 11))
    s = Signup.objects.create(activity=activity, volunteer=v, status="signed")
    services.check_in(activity=activity, token=activity.checkin_token, user=v.user, now=at(12, 9))
    assert services.activity_finish(activity=activity, actor=world.users["staff"]) == 1
    s.refresh_from_db()
    assert s.hours_status == "pending" and "未签退" in s.hours_note
    with pytest.raises(DomainError, match="未签退"):
        services.signup_confirm(signup=s, actor=world.users["staff"])
    services.signup_confirm(signup=s, actor=world.users["staff"], hours="1.5")
    assert services.confirmed_hours(v.user) == Decimal("1.5")


def test_checking_in_elsewhere_needs_a_check_out_first(world):
    v = _volunteer(world)
    a = _activity(world, start=at(12, 9), end=at(12, 12))
    b = _activity(world, start=at(12, 10), end=at(12, 11))
    for activity in (a, b):
        Signup.objects.create(activity=activity, volunteer=v, status="signed")
    services.check_in(activity=a, token=a.checkin_token, user=v.user, now=at(12, 9))
    with pytest.raises(DomainError, match="还没有签退"):
        services.check_in(activity=b, token=b.checkin_token, user=v.user, now=at(12, 10))


def test_a_correction_after_confirmation_adds_the_difference_as_a_new_record(world):
    v = _volunteer(world)
    activity = _activity(world, start=at(12, 9), end=at(12, 12))
    s = Signup.objects.create(activity=activity, volunteer=v, status="signed")
    services.check_in(activity=activity, token=activity.checkin_token, user=v.user, now=at(12, 9))
    services.check_out(activity=activity, token=activity.checkin_token, user=v.user, now=at(12, 10))
    services.signup_confirm(signup=Signup.objects.get(pk=s.pk), actor=world.users["staff"])
    with pytest.raises(ConflictError):
        services.signup_confirm(signup=Signup.objects.get(pk=s.pk), actor=world.users["staff"], hours="3")
    c = services.correction_request(signup=s, actor=v.user, hours="3", reason="手机没电，11:00 后才签退不了")
    services.correction_decide(correction=c, actor=world.users["staff"], approve=True)
    records = list(ServiceRecord.objects.filter(user=v.user).order_by("pk").values_list("source", "hours"))
    assert records == [("activity", Decimal("1.0")), ("correction", Decimal("2.0"))]
    assert services.confirmed_hours(v.user) == Decimal("3.0")
    with pytest.raises(ConflictError):
        services.correction_decide(correction=c, actor=world.users["staff"], approve=False)


def test_only_the_volunteer_asks_for_a_correction_of_their_own_record(world):
    v, other = _volunteer(world), _volunteer(world, "钱")
    s = Signup.objects.create(activity=_activity(world), volunteer=v, status="signed")
    with pytest.raises(DomainError):
        services.correction_request(signup=s, actor=other.user, hours="2", reason="x")


@pytest.mark.parametrize(("hours", "star"), [("0", 0), ("99.9", 0), ("100", 1), ("299", 1), ("300", 2), ("600", 3),
                                             ("1000", 4), ("1499.9", 4), ("1500", 5), ("4000", 5)])  # fmt: skip
def test_star_levels_follow_100_300_600_1000_1500_hours(hours, star):
    assert star_for(Decimal(hours)) == star


def test_my_hours_api_answers_a_decimal_string_and_the_star(world, api):
    v = _volunteer(world)
    ServiceRecord.objects.create(user=v.user, name=v.name, source="activity", content="测试", served_on=at(1, 9).date(),
                                 hours=Decimal("100.5"))  # fmt: skip
    assert api(v.user).get("/api/v1/volunteers/me/hours").json() == {"confirmed_hours": "100.5", "star": 1}
    assert api().get("/api/v1/volunteers/me/hours").status_code in (401, 403)


def test_confirming_hours_credits_points_at_the_activitys_rate(world):
    v = _volunteer(world)
    activity = _activity(world, start=at(12, 9), end=at(12, 11))
    s = Signup.objects.create(activity=activity, volunteer=v, status="signed")
    services.check_in(activity=activity, token=activity.checkin_token, user=v.user, now=at(12, 9))
    services.check_out(activity=activity, token=activity.checkin_token, user=v.user, now=at(12, 11))
    services.signup_confirm(signup=Signup.objects.get(pk=s.pk), actor=world.users["staff"])
    assert selectors.my_points(user=v.user)["balance"] == Decimal("20.00")
