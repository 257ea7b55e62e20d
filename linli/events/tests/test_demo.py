"""The demo builder: ~300 realistic events in 彩虹社区 across channels and states, and the Open311 demo key."""

from linli.events import demo
from linli.events.models import ApiKey, Event


def test_demo_builds_events_across_channels_and_states(world):
    created = demo.build(2026, count=120)
    assert created >= 110
    assert Event.objects.values("channel").distinct().count() >= 5
    states = set(Event.objects.values_list("status", flat=True))
    assert {"pending", "dispatched", "processing", "closed"} <= states
    assert ApiKey.lookup(demo.DEMO_OPEN311_KEY) is not None
    assert all(e.transitions.exists() for e in Event.objects.all()[:20])
    assert not Event.objects.filter(number__startswith="TMP").exists()
