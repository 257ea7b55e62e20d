"""Test factories for party building, made through the services that copy the region paths."""

import datetime as dt

import factory
from django.utils import timezone

from linli.core.factories import RegionFactory, places
from linli.party import services
from linli.party.models import (
    Cadre,
    Disclosure,
    Meeting,
    OrgKind,
    PartyMember,
    PartyOrganization,
    Position,
    ReportingUnit,
)
from linli.people.factories import PersonFactory


class OrganizationFactory(factory.Factory):
    """A 党支部 on a community (``region=``), or any ``kind`` with ``parent``."""

    class Meta:
        model = PartyOrganization

    name = factory.Sequence(lambda n: f"测试党支部{n}")
    kind = OrgKind.BRANCH
    region = factory.SubFactory(RegionFactory, level="community")
    parent = None

    @classmethod
    def _create(cls, model_class, **kwargs) -> PartyOrganization:
        return services.organization_create(actor=None, **kwargs)


class MemberFactory(factory.Factory):
    """A member of ``organization`` linked to a new person (``person=`` to link one, e.g. with an account)."""

    class Meta:
        model = PartyMember

    organization = factory.SubFactory(OrganizationFactory)
    person = factory.SubFactory(PersonFactory)
    status = PartyMember.Status.FULL
    joined_on = dt.date(2010, 7, 1)

    @classmethod
    def _create(cls, model_class, **kwargs) -> PartyMember:
        return services.member_add(actor=None, **kwargs)


class MeetingFactory(factory.Factory):
    class Meta:
        model = Meeting

    organization = factory.SubFactory(OrganizationFactory)
    kind = "assembly"
    title = factory.Sequence(lambda n: f"第{n + 1}次支部党员大会")
    starts_at = factory.LazyFunction(timezone.now)
    place = "党群服务中心"

    @classmethod
    def _create(cls, model_class, **kwargs) -> Meeting:
        return services.meeting_plan(actor=None, **kwargs)


def held_meeting(organization, *, when, kind="assembly", minutes="会议记录") -> Meeting:
    """A meeting that took place at ``when`` and whose minutes are recorded."""
    meeting = MeetingFactory(organization=organization, kind=kind, starts_at=when)
    return services.meeting_record(actor=None, meeting=meeting, minutes=minutes)


@places("party.PartyOrganization", level="community")
def _org_in(community) -> PartyOrganization:
    return OrganizationFactory(region=community)


@places("party.PartyMember", level="community")
def _member_in(community) -> PartyMember:
    return MemberFactory(organization=OrganizationFactory(region=community))


@places("party.Meeting", level="community")
def _meeting_in(community) -> Meeting:
    return MeetingFactory(organization=OrganizationFactory(region=community))


@places("party.Disclosure", level="community")
def _disclosure_in(community) -> Disclosure:
    org = OrganizationFactory(region=community)
    return services.disclosure_create(
        actor=None, organization=org, title="党费收缴情况", body="内容", audience="members"
    )


@places("party.ReportingUnit", level="community")
def _unit_in(community) -> ReportingUnit:
    return services.unit_register(actor=None, name="测试报到单位", community=community)


@places("party.Position", level="community")
def _position_in(community) -> Position:
    return services.position_create(actor=None, community=community, name="便民服务员", quota=3)


@places("party.Cadre", level="community")
def _cadre_in(community) -> Cadre:
    return services.cadre_add(
        actor=None, name="王某", unit="区直机关", community=community, assignment="包保小区", start=dt.date(2026, 1, 5)
    )
