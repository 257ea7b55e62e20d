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


def test_demo_resident_reports_a_handful_about_their_own_home_and_compound(world):
    from linli.events.models import Notification

    demo.build(2026, count=120)
    resident = world.users["resident"]
    mine = list(Event.objects.filter(reporter_user=resident).select_related("house", "building"))
    assert 1 <= len(mine) <= demo.PERSONA_REPORTS
    compound = world.house_a.building.compound_id
    for event in mine:
        assert event.house_id in (None, world.house_a.pk)
        building = event.house.building if event.house_id else event.building
        assert building.compound_id == compound
    assert Notification.objects.filter(recipient=resident, read_at__isnull=True).count() <= 3 * len(mine)
    assert Event.objects.filter(channel="app", reporter_user__isnull=True).exists()  # neighbours report too


def test_demo_departments_receive_the_categories_they_handle(world):
    from linli.core.models import Organisation
    from linli.events.models import Category, DispatchRule

    police = Organisation.objects.create(name="新安派出所", kind="department", region=world.street)
    demo.ensure_rules(world.community)
    rule = DispatchRule.objects.get(category=Category.objects.get(code="0602"), region=world.community)
    assert rule.organisation == police
    road = DispatchRule.objects.get(category=Category.objects.get(code="0301"), region=world.community)
    assert road.organisation == world.department
