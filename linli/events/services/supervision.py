"""挂牌督办 and the periodic 预警 / 催办 / 督办 tick."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from linli.core.models import User
from linli.events import deadlines
from linli.events.models import (
    TIMED_STATUSES,
    Event,
    Supervision,
)
from linli.events.services.notices import _notify_handlers, _notify_supervision
from linli.events.services.workflow import _after_commit, _check, _move, _need, _record


@transaction.atomic
def event_flag(*, event: Event, actor: User | None, flagged: bool = True, note: str = "") -> Event:
    """挂牌督办 (a leader puts the event on the supervised list) or takes it off."""
    _check(event, "flag", actor)
    if flagged:
        note = _need(note, "note", "挂牌说明")
    _move(event, action="flag", actor=actor, note=note if flagged else "摘牌", public=False, flagged=flagged,
          flag_note=note[:200] if flagged else "")  # fmt: skip
    if flagged:
        _after_commit(_notify_handlers, event.pk, "挂牌督办")
    return event


# --- supervision -----------------------------------------------------------------------------------------


def supervise_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """预警 at 80% of the time, 催办 when overdue, 督办 to the supervisors 24 working hours after."""
    now = now or timezone.now()
    counts = {"warn": 0, "urge": 0, "supervise": 0}
    base = Event.objects.filter(status__in=TIMED_STATUSES, due_at__isnull=False)
    for pk in base.filter(warn_at__lte=now, due_at__gt=now, supervision__lt=Supervision.WARNED).values_list(
        "pk", flat=True
    )[:2000]:
        counts["warn"] += _raise_level(pk, Supervision.WARNED, "warn", now)
    for pk in base.filter(due_at__lte=now, supervision__lt=Supervision.URGED).values_list("pk", flat=True)[:2000]:
        counts["urge"] += _raise_level(pk, Supervision.URGED, "urge", now)
    cal = deadlines.calendar()
    # 24 working hours are at least 24 clock hours: a cheap bound before the exact check.
    late = base.filter(due_at__lte=now - dt.timedelta(hours=24), supervision__lt=Supervision.SUPERVISED)
    for pk, due in late.values_list("pk", "due_at")[:2000]:
        if cal.between(due, now) >= 24 * 3600:
            counts["supervise"] += _raise_level(pk, Supervision.SUPERVISED, "supervise", now)
    return counts


def _raise_level(pk: int, level: int, action: str, now: dt.datetime) -> int:
    with transaction.atomic():
        if not Event.objects.filter(pk=pk, supervision__lt=level, status__in=TIMED_STATUSES).update(
            supervision=level, updated_at=now
        ):
            return 0
        event = Event.objects.select_related("handler_user", "handler_org").get(pk=pk)
        note = {"warn": "已用去 80% 的处置时限", "urge": "已超过处置时限", "supervise": "超期已逾 24 个工作小时"}[
            action
        ]
        _record(event, actor=None, action=action, from_status=event.status, note=note, public=False)
        _after_commit(_notify_supervision, pk, action)
    return 1
