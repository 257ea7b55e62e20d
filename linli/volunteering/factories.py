"""Test factories for volunteering, and where the permission matrix places one row of each scoped kind."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from linli.core.factories import RegionFactory, UserFactory, places
from linli.volunteering import services
from linli.volunteering.models import Activity, ServiceRecord, Signup, Team, Volunteer, Wish


class WishFactory(factory.django.DjangoModelFactory):
    """A wish on the wall of its community (open), for nobody's account."""

    class Meta:
        model = Wish

    title = factory.Sequence(lambda n: f"想要一套儿童读物{n}")
    region = factory.SubFactory(RegionFactory, level="grid")
    region_path = factory.LazyAttribute(lambda o: o.region.path)
    beneficiary_name = "张小明"
    status = Wish.Status.OPEN
    published_at = factory.LazyFunction(timezone.now)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"志愿者{n}")
    region = factory.SubFactory(RegionFactory, level="grid")
    region_path = factory.LazyAttribute(lambda o: o.region.path)
    consent_at = factory.LazyFunction(timezone.now)
    consent_text = services.CONSENT_TEXT


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"服务队{n}")
    region = factory.SubFactory(RegionFactory, level="community")
    region_path = factory.LazyAttribute(lambda o: o.region.path)


class ActivityFactory(factory.django.DjangoModelFactory):
    """An activity open for sign-up tomorrow."""

    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"环境整治活动{n}")
    region = factory.SubFactory(RegionFactory, level="grid")
    region_path = factory.LazyAttribute(lambda o: o.region.path)
    place = "社区广场"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    quota = 10
    status = Activity.Status.OPEN


class SignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signup

    activity = factory.SubFactory(ActivityFactory)
    volunteer = factory.SubFactory(VolunteerFactory)
    status = Signup.Status.SIGNED


@places("volunteering.Wish")
def _wish_in(grid) -> Wish:
    return WishFactory(region=grid)


@places("volunteering.Volunteer")
def _volunteer_in(grid) -> Volunteer:
    """A volunteer with two confirmed hours (so the hours figure has something to count)."""
    volunteer = VolunteerFactory(region=grid)
    ServiceRecord.objects.create(user=volunteer.user, name=volunteer.name, source=ServiceRecord.Source.ACTIVITY,
                                 content="测试服务", served_on=timezone.localdate(), hours=Decimal("2"))  # fmt: skip
    return volunteer


@places("volunteering.Team", level="community")
def _team_in(community) -> Team:
    return TeamFactory(region=community)


@places("volunteering.Activity")
def _activity_in(grid) -> Activity:
    return ActivityFactory(region=grid)


@places("volunteering.Signup")
def _signup_in(grid) -> Signup:
    return SignupFactory(activity=ActivityFactory(region=grid), volunteer=VolunteerFactory(region=grid))
