"""Test factories for participation's deliberation part; @places for every scoped model of the part."""

import datetime as dt

import factory
from django.utils import timezone

from linli.core.factories import RegionFactory, places
from linli.participation.deliberation.models import Matter, Poll, PollOption

__all__ = ["MatterFactory", "PollFactory", "PollOptionFactory"]


class MatterFactory(factory.django.DjangoModelFactory):
    """A matter in discussion (written directly: use ``services.matter_create`` to test the proposal itself)."""

    class Meta:
        model = Matter

    title = factory.Sequence(lambda n: f"测试议题{n}")
    description = "议题说明"
    region = factory.SubFactory(RegionFactory, level="community")
    proposer_kind = Matter.ProposerKind.STAFF
    proposer_name = "社区工作人员"
    status = Matter.Status.DISCUSSION
    discussion_ends = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class PollFactory(factory.django.DjangoModelFactory):
    """An open poll with two options (``options__n`` is ignored; add more with ``PollOptionFactory``)."""

    class Meta:
        model = Poll
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"测试投票{n}")
    region = factory.SubFactory(RegionFactory, level="community")
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if create:
            for i, label in enumerate(extracted or ("赞成", "反对")):
                PollOption.objects.create(poll=self, label=label, position=i)


class PollOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PollOption

    poll = factory.SubFactory(PollFactory)
    label = factory.Sequence(lambda n: f"选项{n}")


@places("participation.Matter")
def _matter_in(grid) -> Matter:
    return MatterFactory(region=grid)


@places("participation.Poll")
def _poll_in(grid) -> Poll:
    return PollFactory(region=grid)
