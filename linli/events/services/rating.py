"""The reporter's rating, 回访, the default rating after the waiting days, and revealing the reporter's phone."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from linli.core import audit, crypto
from linli.core.errors import ConflictError, DomainError
from linli.core.models import User
from linli.core.scoping import restrict
from linli.events.models import (
    Event,
    Rating,
)
from linli.events.services.closing import _close_by_system, event_close, event_rework
from linli.events.services.common import S
from linli.events.services.notices import _notify_dispatchers
from linli.events.services.workflow import _after_commit, _check, _move, _need, _record

# --- rating ----------------------------------------------------------------------------------------------


@transaction.atomic
def event_rate(*, event: Event, actor: User | None, rating: str, comment: str = "") -> Event:
    """The reporter rates the result: 满意/基本满意 closes; 不满意 asks the community to call back (回访)."""
    if rating not in (Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED):
        raise DomainError("评价：请选择满意、基本满意或不满意", field="rating")
    _check(event, "rate", None)
    if actor is not None and event.reporter_user_id != actor.pk:
        raise DomainError("评价：只有报告人可以评价", field="rating", code="forbidden")
    if event.rating:
        raise DomainError("评价：该事件已评价", field="rating")
    if rating == Rating.UNSATISFIED and len((comment or "").strip()) < 2:
        raise DomainError("评价意见：不满意时请说明原因", field="comment")
    now = timezone.now()
    fields = {"rating": rating, "rating_comment": (comment or "")[:500], "rated_at": now}
    if rating == Rating.UNSATISFIED:
        fields["needs_revisit"] = True
        if event.status == S.CLOSED:
            _move(event, action="reopen", actor=actor, note="报告人不满意，重新打开", **fields)
        else:
            _move(event, action="rate", actor=actor, note=f"{Rating(rating).label}：{comment}", **fields)
        _after_commit(_notify_dispatchers, event.pk, "unsatisfied", f"不满意，请回访：{event.number}", comment)
        return event
    _move(
        event,
        action="rate",
        actor=actor,
        note=f"{Rating(rating).label}" + (f"：{comment}" if comment else ""),
        **fields,
    )
    if event.status == S.VERIFIED:
        _close_by_system(event, "报告人评价后自动结案")
    return event


@transaction.atomic
def event_revisit(*, event: Event, actor: User | None, note: str, outcome: str) -> Event:
    """回访 after 不满意: either 返工 (rework) or close with an explanation."""
    note = _need(note, "note", "回访情况")
    _check(event, "revisit", actor)
    if not event.needs_revisit:
        raise DomainError("回访：该事件不需要回访", field="note")
    _record(event, actor=actor, action="revisit", from_status=event.status, note=note)
    if outcome == "rework":
        return event_rework(event=event, actor=actor, reason=note)
    if outcome == "close":
        return event_close(event=event, actor=actor, note=note)
    raise DomainError("回访结果：请选择返工或结案说明", field="outcome")


def rating_days() -> int:
    return int(getattr(settings, "EVENTS_RATING_DAYS", 7))


def apply_default_ratings(*, now: dt.datetime | None = None) -> int:
    """No rating within EVENTS_RATING_DAYS of verification → 默认满意 (and closed)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=rating_days())
    ids = list(
        Event.objects.filter(
            status__in=[S.VERIFIED, S.CLOSED], rating="", verified_at__lte=cutoff, needs_revisit=False
        ).values_list("pk", flat=True)[:1000]
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            event = Event.objects.get(pk=pk)
            if event.rating:
                continue
            try:
                _move(event, action="rate", actor=None, note=f"{rating_days()} 天内未评价，默认满意",
                      rating=Rating.DEFAULT, rated_at=now)  # fmt: skip
                if event.status == S.VERIFIED:
                    _close_by_system(event, "默认满意，自动结案")
            except ConflictError:
                continue
        done += 1
    return done


# --- the reporter's phone for 回访 -------------------------------------------------------------------------


def event_reveal_reporter_phone(*, actor: User, event: Event, reason: str) -> str:
    """The reporter's phone in clear for a call back (回访): a permission, a stated reason, an access record.

    Not one transaction on purpose (as ``person_unmask``): a refused attempt is recorded and stays recorded.
    """
    from linli.core.models import AuditLog

    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("事由：请填写查看报告人电话的事由（至少 2 个字），如“回访不满意件”", field="reason")
    if not restrict(actor, "event.unmask_reporter", Event.objects.filter(pk=event.pk)).exists():
        audit.record(actor=actor, action=AuditLog.Action.UNMASK, target=event, field="报告人电话", reason=reason,
                     result="denied")  # fmt: skip
        raise DomainError("您没有查看该事件报告人电话的权限", field="reason", code="forbidden")
    enc = event.contact_phone_enc or (event.reporter_user.phone_enc if event.reporter_user_id else "")
    if not enc:
        raise DomainError("该事件没有留下联系电话", field="reason")
    phone = crypto.decrypt(enc)
    audit.record(actor=actor, action=AuditLog.Action.UNMASK, target=event, field="报告人电话", reason=reason)
    return phone
