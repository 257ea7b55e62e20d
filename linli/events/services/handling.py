"""The handler's side: 签收, 退回, 办结; 挂起 and 恢复; asking for and deciding on more time."""

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from linli.core.errors import DomainError
from linli.core.models import User
from linli.events import deadlines
from linli.events.models import (
    Event,
    EventPhoto,
    EventTask,
    Supervision,
)
from linli.events.services.common import S, _check_photos, _save_photos, _user
from linli.events.services.notices import _notify_dispatchers, _notify_handlers, _notify_reporter
from linli.events.services.workflow import _after_commit, _check, _move, _need


@transaction.atomic
def event_sign(*, event: Event, actor: User | None, note: str = "") -> Event:
    """已派遣 → 处置中: the handler signs for the task."""
    _check(event, "sign", actor)
    fields = {"signed_at": timezone.now()}
    if event.handler_user_id is None and event.handler_org_id is None and actor is not None:
        fields["handler_user"] = actor  # the grid worker who signs becomes the named handler
    return _move(event, action="sign", actor=actor, note=note, **fields)


@transaction.atomic
def event_return(*, event: Event, actor: User | None, reason: str) -> Event:
    """退回: the handler sends the event back to the dispatcher (not theirs to handle), with a reason."""
    reason = _need(reason, "reason", "退回理由")
    _check(event, "return", actor)
    _move(event, action="return", actor=actor, note=reason, handler_user=None, handler_org=None, handler_kind="",
          signed_at=None, dispatched_at=None)  # fmt: skip
    _after_commit(_notify_dispatchers, event.pk, "returned", f"事件被退回：{event.number}", reason)
    return event


@transaction.atomic
def event_resolve(*, event: Event, actor: User | None, result: str, photos: Iterable[UploadedFile] = ()) -> Event:
    """处置中 → 已办结 with the result text and photos."""
    result = _need(result, "result", "处置结果")
    _check(event, "resolve", actor)
    existing = event.photos.filter(kind=EventPhoto.Kind.RESULT).count()
    checked = _check_photos(photos, existing=existing)
    open_tasks = list(event.tasks.exclude(role=EventTask.Role.LEAD).exclude(status=EventTask.Status.DONE))
    if open_tasks:
        names = "、".join(t.organisation.name for t in open_tasks)
        raise DomainError(f"协办：{names} 尚未完成协办任务，暂不能办结", field="result")
    now = timezone.now()
    _move(event, action="resolve", actor=actor, note=result, result=result, resolved_at=now)
    event.tasks.filter(role=EventTask.Role.LEAD).exclude(status=EventTask.Status.DONE).update(
        status=EventTask.Status.DONE, done_at=now, done_by=_user(actor), result=result
    )
    _save_photos(event, checked, kind=EventPhoto.Kind.RESULT, actor=actor)
    _after_commit(_notify_dispatchers, event.pk, "resolved", f"事件已办结待核查：{event.number}", result)
    _after_commit(
        _notify_reporter, event.pk, "event_resolved", "已办结", result, extra={"result": result[:60]}, sms=False
    )
    return event


@transaction.atomic
def event_suspend(*, event: Event, actor: User | None, reason: str) -> Event:
    """挂起: stop the clock (e.g. waiting for the owner to be home); 恢复 moves the deadline on."""
    reason = _need(reason, "reason", "挂起理由")
    _check(event, "suspend", actor)
    return _move(event, action="suspend", actor=actor, note=reason, suspended_from=event.status,
                 suspended_at=timezone.now())  # fmt: skip


@transaction.atomic
def event_resume(*, event: Event, actor: User | None, note: str = "") -> Event:
    _check(event, "resume", actor)
    now = timezone.now()
    fields: dict = {"status": event.suspended_from or S.ACCEPTED, "suspended_from": "", "suspended_at": None}
    if event.due_at and event.suspended_at and event.category_id and event.category.deadline_unit == deadlines.CLOCK:
        # 自然小时: the clock time that was left when the event was suspended.
        fields["due_at"] = now + (event.due_at - event.suspended_at)
        fields["warn_at"] = now + (event.warn_at - event.suspended_at) if event.warn_at else None
    elif event.due_at and event.suspended_at:
        cal = deadlines.calendar()
        remaining = max(cal.between(event.suspended_at, event.due_at), 0)
        to_warn = max(cal.between(event.suspended_at, event.warn_at), 0) if event.warn_at else 0
        fields["due_at"], est = cal.add(now, remaining)
        fields["warn_at"], _ = cal.add(now, to_warn)
        fields["deadline_estimated"] = est
    return _move(event, action="resume", actor=actor, note=note, **fields)


@transaction.atomic
def event_request_extension(*, event: Event, actor: User | None, days: int, reason: str) -> Event:
    """The handler asks for ``days`` more working days; a dispatcher approves or refuses."""
    reason = _need(reason, "reason", "延期理由")
    _check(event, "extension_request", actor)
    if not 1 <= int(days) <= 30:
        raise DomainError("延期天数：应为 1–30 个工作日", field="days")
    if event.extension_requested_until:
        raise DomainError("延期：已有待审批的延期申请", field="days")
    cal = deadlines.calendar()
    base = event.due_at or timezone.now()
    until, _ = cal.add(base, int(days) * cal.day_seconds)
    _move(event, action="extension_request", actor=actor, note=f"申请延期 {days} 个工作日：{reason}", public=False,
          extension_requested_until=until, extension_reason=reason[:200])  # fmt: skip
    _after_commit(_notify_dispatchers, event.pk, "extension", f"延期申请：{event.number}", reason)
    return event


@transaction.atomic
def event_decide_extension(*, event: Event, actor: User | None, approve: bool, note: str = "") -> Event:
    action = "extension_approve" if approve else "extension_refuse"
    _check(event, action, actor)
    if not event.extension_requested_until:
        raise DomainError("延期：没有待审批的延期申请", field="approve")
    fields: dict = {"extension_requested_until": None, "extension_reason": ""}
    if approve:
        new_due = event.extension_requested_until
        fields.update(due_at=new_due, warn_at=new_due, supervision=Supervision.NONE)
        note = note or f"时限延至 {timezone.localtime(new_due):%Y-%m-%d %H:%M}"
    else:
        note = _need(note, "note", "不同意的理由")
    _move(event, action=action, actor=actor, note=note, public=False, **fields)
    _after_commit(_notify_handlers, event.pk, "延期" + ("已同意" if approve else "未同意"))
    return event
