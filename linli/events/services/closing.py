"""核查 (pass or rework), 结案 and 返工."""

from django.db import transaction
from django.utils import timezone

from linli.core.models import User
from linli.events.models import (
    Event,
)
from linli.events.services.notices import _notify_closed, _notify_handlers, _notify_reporter, _notify_rework
from linli.events.services.workflow import _after_commit, _check, _fresh, _move, _need, _set_deadline_fields, _sync


@transaction.atomic
def event_verify(*, event: Event, actor: User | None, passed: bool = True, note: str = "") -> Event:
    """已办结 → 已核查 (passed) or back to 处置中 (返工) when the check fails."""
    if not passed:
        note = _need(note, "note", "核查意见")
        _check(event, "verify_fail", actor)
        _move(
            event, action="verify_fail", actor=actor, note=note, resolved_at=None, rework_count=event.rework_count + 1
        )
        _after_commit(_notify_handlers, event.pk, "核查不通过，请返工")
        _after_commit(_notify_rework, event.pk)
        return event
    _check(event, "verify", actor)
    _move(event, action="verify", actor=actor, note=note, verified_at=timezone.now())
    if event.reporter_user_id:
        _after_commit(_notify_reporter, event.pk, "event_verified", "请评价", "问题已办结，请评价处置结果。")
    return event


@transaction.atomic
def event_close(*, event: Event, actor: User | None, note: str = "") -> Event:
    """已核查 → 已结案. After a 不满意 rating, closing needs an explanation (回访 outcome)."""
    _check(event, "close", actor)
    if event.needs_revisit:
        note = _need(note, "note", "结案说明（不满意件需说明回访情况）")
    _move(event, action="close", actor=actor, note=note, closed_at=timezone.now(), needs_revisit=False,
          close_note=note[:500])  # fmt: skip
    _after_commit(_notify_closed, event.pk)
    return event


def _close_by_system(event: Event, note: str) -> None:
    _move(event, action="close", actor=None, note=note, closed_at=timezone.now(), close_note=note[:500])
    _after_commit(_notify_closed, event.pk)


@transaction.atomic
def event_rework(*, event: Event, actor: User | None, reason: str) -> Event:
    """返工: back to 处置中 with a fresh deadline (after 不满意 or a failed check)."""
    reason = _need(reason, "reason", "返工原因")
    original, event = event, _fresh(event)
    _check(event, "rework", actor)
    fields = _set_deadline_fields(event, timezone.now()) if event.category else {}
    _move(event, action="rework", actor=actor, note=reason, resolved_at=None, verified_at=None, closed_at=None,
          needs_revisit=False, rework_count=event.rework_count + 1, **fields)  # fmt: skip
    _after_commit(_notify_handlers, event.pk, "返工")
    _after_commit(_notify_rework, event.pk)
    return _sync(original, event)
