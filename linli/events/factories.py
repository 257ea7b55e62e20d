"""Test factories for events: an event placed in a region, written directly (no taxonomy, no dispatch)."""

import factory

from linli.core.factories import RegionFactory, places
from linli.events.models import Channel, Event, EventStatus


class EventFactory(factory.django.DjangoModelFactory):
    """A pending event in ``region`` (``EventFactory(region=grid)``); open one through ``services.event_open``
    when the test is about intake, classification or dispatch."""

    class Meta:
        model = Event

    number = factory.Sequence(lambda n: f"SJ20260101-{n + 1:05d}")
    channel = Channel.RESIDENT_APP
    title = factory.Sequence(lambda n: f"测试事件{n}")
    description = "楼道灯坏了，晚上看不清楼梯"
    region = factory.SubFactory(RegionFactory, level="grid")
    region_path = factory.LazyAttribute(lambda o: o.region.path)
    status = EventStatus.PENDING


@places("events.Event")
def _event_in(grid) -> Event:
    return EventFactory(region=grid)
