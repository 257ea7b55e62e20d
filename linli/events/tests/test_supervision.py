"""The timer (预警 → 催办 → 督办), default satisfaction, duplicates and notifications after commit."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.events import services
from linli.events.models import Event, Notification, OutboundMessage


def _dispatched(world, open_event, **kw):
    e = open_event(**kw)
    services.event_accept(event=e, actor=world.users["staff"])
    return services.event_dispatch(event=e, actor=world.users["staff"])


def test_warn_then_urge_then_supervise(world, open_event, django_capture_on_commit_callbacks):
    u = world.users
    e = _dispatched(world, open_event)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.supervise_tick(now=e.warn_at + dt.timedelta(seconds=1)) == {
            "warn": 1,
            "urge": 0,
            "supervise": 0,
        }
    e.refresh_from_db()
    assert e.supervision == 1
    assert Notification.objects.filter(recipient=u["grid1"], kind="warn").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.supervise_tick(now=e.due_at + dt.timedelta(minutes=1))["urge"] == 1
    assert Notification.objects.filter(recipient=u["grid1"], kind="urge").exists()
    assert OutboundMessage.objects.filter(template="event_urge").count() == 0  # grid1 has no phone on file
    # 24 working hours later (three working days) the supervisors of the community and street hear of it.
    later = e.due_at + dt.timedelta(days=6)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.supervise_tick(now=later)["supervise"] == 1
    assert set(Notification.objects.filter(kind="supervise").values_list("recipient__username", flat=True)) == {
        "staff",
        "street",
    }
    # Ticking again changes nothing.
    assert services.supervise_tick(now=later) == {"warn": 0, "urge": 0, "supervise": 0}
    e.refresh_from_db()
    assert e.supervision == 3
    assert list(e.transitions.filter(public=False).values_list("action", flat=True)) == ["warn", "urge", "supervise"]


def test_supervise_waits_for_24_working_hours_not_clock_hours(world, open_event):
    e = _dispatched(world, open_event)
    services.supervise_tick(now=e.due_at + dt.timedelta(minutes=1))
    # A day and a bit of clock time after the deadline is fewer than 24 working hours.
    assert services.supervise_tick(now=e.due_at + dt.timedelta(hours=25))["supervise"] == 0


def test_resolved_events_are_not_chased(world, open_event):
    e = _dispatched(world, open_event)
    services.event_sign(event=e, actor=world.users["grid1"])
    services.event_resolve(event=e, actor=world.users["grid1"], result="已处理完毕")
    assert services.supervise_tick(now=e.due_at + dt.timedelta(days=10)) == {"warn": 0, "urge": 0, "supervise": 0}


def test_supervised_events_are_on_the_leaders_list(world, open_event, login):
    from django.urls import reverse

    e = _dispatched(world, open_event)
    services.supervise_tick(now=e.due_at + dt.timedelta(days=6))
    page = login(world.users["leader"]).get(reverse("events:supervision_list"))
    assert e.number in page.content.decode()


def test_leader_flags_an_event(world, open_event):
    e = _dispatched(world, open_event)
    services.event_flag(event=e, actor=world.users["leader"], note="群众反映强烈，挂牌督办")
    assert Event.objects.get(pk=e.pk).flagged


def _verified(world, open_event):
    e = _dispatched(world, open_event)
    services.event_sign(event=e, actor=world.users["grid1"])
    services.event_resolve(event=e, actor=world.users["grid1"], result="已处理完毕")
    return services.event_verify(event=e, actor=world.users["staff"])


def test_no_rating_within_seven_days_is_default_satisfied_and_closed(world, open_event):
    e = _verified(world, open_event)
    assert services.apply_default_ratings(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert services.apply_default_ratings(now=timezone.now() + dt.timedelta(days=7, minutes=1)) == 1
    e.refresh_from_db()
    assert (e.rating, e.status) == ("default", "closed")


def test_rating_window_is_a_setting(world, open_event, settings):
    settings.EVENTS_RATING_DAYS = 2
    _verified(world, open_event)
    assert services.apply_default_ratings(now=timezone.now() + dt.timedelta(days=2, minutes=1)) == 1


def test_notifications_are_sent_only_after_commit(world, open_event, django_capture_on_commit_callbacks):
    e = open_event()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.event_accept(event=e, actor=world.users["staff"])
    assert not Notification.objects.filter(kind="event_accepted").exists()
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(recipient=world.users["resident"], kind="event_accepted").exists()
    assert OutboundMessage.objects.filter(channel="wechat", template="event_accepted").exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transition_notifies_nobody():
    from django.db import transaction

    from linli.events.taxonomy import ensure_seeded
    from linli.testing import build_world

    ensure_seeded()
    world = build_world()
    e = services.event_open(channel="app", category_code="0201", text="垃圾没人清运", reporter=world.users["resident"],
                            actor=world.users["resident"], house=world.house_a)  # fmt: skip
    Notification.objects.all().delete()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.event_accept(event=e, actor=world.users["staff"])
            raise RuntimeError("boom")
    assert not Notification.objects.exists()
    services.event_accept(event=Event.objects.get(pk=e.pk), actor=world.users["staff"])
    assert Notification.objects.filter(kind="event_accepted").exists()


def test_dispatch_notifies_the_handler_by_sms(world, open_event, django_capture_on_commit_callbacks):
    from linli.core.models import User

    grid1 = world.users["grid1"]
    grid1.set_phone("13500001111")
    grid1.save()
    with django_capture_on_commit_callbacks(execute=True):
        _dispatched(world, open_event)
    msg = OutboundMessage.objects.get(template="event_dispatched")
    assert msg.to_masked == "135****1111" and msg.recipient == User.objects.get(pk=grid1.pk)


# --- duplicates -------------------------------------------------------------------------------------------


def test_similar_report_nearby_is_flagged_as_possible_duplicate(world, open_event):
    first = open_event(text="3栋楼下垃圾堆了三天没人清运，味道很大")
    second = open_event(text="3栋楼下的垃圾三天没人清运了", reporter=None, actor=world.users["staff"], channel="phone")
    assert second.possible_duplicate_of == first


def test_different_text_or_category_or_place_is_not_a_duplicate(world, open_event):
    open_event(text="3栋楼下垃圾堆了三天没人清运")
    assert open_event(text="单元门禁坏了进不去").possible_duplicate_of is None
    assert open_event(category_code="0204", text="3栋楼下垃圾堆了三天没人清运").possible_duplicate_of is None
    assert open_event(house=world.house_c, text="3栋楼下垃圾堆了三天没人清运").possible_duplicate_of is None


def test_old_report_is_not_a_duplicate(world, open_event):
    first = open_event(text="3栋楼下垃圾堆了三天没人清运")
    Event.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(hours=73))
    assert open_event(text="3栋楼下垃圾堆了三天没人清运").possible_duplicate_of is None


def test_merged_reporters_hear_the_result(world, open_event, django_capture_on_commit_callbacks):
    from linli.core import services as core_services
    from linli.core.roles import Role

    u = world.users
    neighbour = core_services.user_create(actor=None, username="neighbour", password="x" * 14)
    core_services.grant_add(actor=None, user=neighbour, role=Role.RESIDENT)
    with django_capture_on_commit_callbacks(execute=True):
        parent = open_event()
        child = open_event(reporter=neighbour, actor=neighbour, text="3栋楼下的垃圾很多天没人清理")
        services.event_merge(event=child, parent=parent, actor=u["staff"])
        services.event_accept(event=parent, actor=u["staff"])
        services.event_dispatch(event=parent, actor=u["staff"])
        services.event_sign(event=parent, actor=u["grid1"])
        services.event_resolve(event=parent, actor=u["grid1"], result="已清运")
        services.event_verify(event=parent, actor=u["staff"])
        services.event_close(event=parent, actor=u["staff"])
    kinds = set(Notification.objects.filter(recipient=neighbour).values_list("kind", flat=True))
    assert {"event_merged", "event_resolved", "event_closed"} <= kinds
    from linli.events.selectors import public_timeline

    assert "close" in [t.action for t in public_timeline(event=Event.objects.get(pk=child.pk))]


def test_admin_warns_while_next_years_calendar_is_missing(world, login):
    c = login(world.users["admin"])
    page = c.get("/admin/events/holiday/", follow=True).content.decode()
    assert "2027 年的放假与调休安排尚未录入" in page


def test_periodic_task_runs_the_timer(world, open_event):
    from linli.events.tasks import supervise_deadlines

    result = supervise_deadlines.call_local()
    assert set(result) == {"warn", "urge", "supervise", "default_rated"}


def test_every_events_admin_page_opens(world, login, open_event):
    from django.apps import apps
    from django.contrib import admin

    open_event()
    c = login(world.users["admin"])
    for model in apps.get_app_config("events").get_models():
        assert model in admin.site._registry, model
        url = f"/admin/events/{model._meta.model_name}/"
        assert c.get(url, follow=True).status_code == 200, url
