"""Security review item 8: a dispatcher names only handlers who may open the event; Open311 stays in its region."""

import pytest
from django.urls import reverse

from linli.core.errors import DomainError
from linli.events import services
from linli.events.demo import DEMO_OPEN311_KEY, ensure_demo_key
from linli.events.models import Event, Notification
from linli.housing.models import Building


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["resident", "grid2", "outsider", "dept"])
def test_dispatcher_cannot_name_a_handler_outside_the_event(world, open_event, who):
    event = open_event()
    with pytest.raises(DomainError) as exc:
        services.event_dispatch(event=event, actor=world.users["staff"], handler_user=world.users[who])
    assert exc.value.field == "handler" and "不能派遣" in exc.value.message
    event.refresh_from_db()
    assert event.handler_user_id is None
    assert not Notification.objects.filter(recipient=world.users[who], event=event).exists()


@pytest.mark.django_db
def test_resident_named_as_handler_in_the_console_is_refused(world, open_event, login):
    event = open_event()
    client = login(world.users["staff"])
    client.post(reverse("events:event_act", args=[event.pk, "dispatch"]),
                {"handler": f"user:{world.users['resident'].pk}", "version": event.version})  # fmt: skip
    event.refresh_from_db()
    assert event.handler_user_id is None
    assert not services.is_handler(world.users["resident"], event)


@pytest.mark.django_db
def test_grid_worker_of_the_events_grid_and_a_serving_organisation_are_accepted(
    world, open_event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = services.event_dispatch(
            event=open_event(), actor=world.users["staff"], handler_user=world.users["grid1"]
        )
    assert event.handler_user == world.users["grid1"]
    note = Notification.objects.get(recipient=world.users["grid1"], event=event)
    assert event.title in note.title
    other = services.event_dispatch(event=open_event(), actor=world.users["staff"], handler_org=world.department)
    assert other.handler_org == world.department


@pytest.mark.django_db
def test_inbox_never_carries_the_title_to_someone_who_cannot_open_the_event(world, open_event):
    event = services.event_dispatch(event=open_event(), actor=world.users["staff"], handler_user=world.users["grid1"])
    # A handler named before the rule existed (or whose grant has gone): no title in their inbox.
    Event.objects.filter(pk=event.pk).update(handler_user=world.users["grid2"])
    services._notify_handlers(event.pk, "改派")
    assert not Notification.objects.filter(recipient=world.users["grid2"], event=event).exists()


@pytest.mark.django_db
def test_open311_address_id_resolves_only_buildings_in_the_keys_region(client, world):
    ensure_demo_key(world.community)
    elsewhere = Building.objects.get(grid=world.grid_c)
    r = client.post("/open311/v2/requests.json",
                    {"api_key": DEMO_OPEN311_KEY, "service_code": "0201", "address_id": str(elsewhere.pk)})  # fmt: skip
    assert r.status_code == 400 and "address_id not found" in r.json()[0]["description"]
    assert not Event.objects.filter(building=elsewhere).exists()
    mine = Building.objects.get(grid=world.grid_a)
    r = client.post("/open311/v2/requests.json",
                    {"api_key": DEMO_OPEN311_KEY, "service_code": "0201", "address_id": str(mine.pk)})  # fmt: skip
    assert r.status_code == 200
    assert Event.objects.get(number=r.json()[0]["service_request_id"]).building == mine


@pytest.mark.django_db
@pytest.mark.parametrize("as_lead", [True, False])
def test_whistle_names_only_departments_serving_the_events_community(world, open_event, as_lead):
    """吹哨报到 hands the event to departments: one of another street or community gets no task and no title."""
    from linli.core import services as core_services
    from linli.core.models import Region
    from linli.events.models import EventTask

    street2 = Region.objects.get(name="南街街道")
    foreign = core_services.organisation_create(actor=None, name="南街综合执法队", kind="department", region=street2)
    event = open_event()
    services.event_accept(event=event, actor=world.users["staff"])
    lead, assists = (foreign, []) if as_lead else (world.department, [foreign])
    with pytest.raises(DomainError) as exc:
        services.event_escalate(event=event, actor=world.users["staff"], lead=lead, assists=assists, note="联合处置")
    assert "南街综合执法队" in exc.value.message and "不服务" in exc.value.message
    assert not EventTask.objects.filter(event=event).exists()
