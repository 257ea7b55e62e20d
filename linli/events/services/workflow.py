"""The event state machine: which action moves which status, who may take it, and the compare-and-set move.

Every transition is a compare-and-set on (status, version) through ``linli.core.workflow.transition``: of two
dispatchers who click 受理 at the same moment exactly one wins, the other gets a ConflictError. Each writes an
EventTransition row; side effects run only after the transaction commits.
"""

import datetime as dt
import functools

from django.db import transaction
from django.utils import timezone

from linli.core import tallies, workflow
from linli.core.compiled import insert_one
from linli.core.errors import DomainError
from linli.core.models import User
from linli.core.roles import Role
from linli.core.scoping import allows_in_region, restrict
from linli.events import deadlines
from linli.events.models import (
    FINAL_STATUSES,
    TIMED_STATUSES,
    Event,
    EventTransition,
    HandlerKind,
)
from linli.events.services.common import S, _user

# --- the state machine -------------------------------------------------------------------------------

ACTIONS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    # action: (label, from statuses, to status (None: unchanged))
    "accept": ("受理", (S.PENDING,), S.ACCEPTED),
    "reject": ("不予受理", (S.PENDING,), S.REJECTED),
    "merge": ("合并", (S.PENDING, S.ACCEPTED), S.MERGED),
    "dispatch": ("派遣", (S.ACCEPTED,), S.DISPATCHED),
    "escalate": ("吹哨报到", (S.ACCEPTED, S.DISPATCHED, S.PROCESSING), S.DISPATCHED),
    "reassign": ("改派", (S.DISPATCHED, S.PROCESSING), S.DISPATCHED),
    "sign": ("签收", (S.DISPATCHED,), S.PROCESSING),
    "return": ("退回", (S.DISPATCHED, S.PROCESSING), S.ACCEPTED),
    "resolve": ("办结", (S.PROCESSING,), S.RESOLVED),
    "verify": ("核查通过", (S.RESOLVED,), S.VERIFIED),
    "verify_fail": ("核查不通过（返工）", (S.RESOLVED,), S.PROCESSING),
    "close": ("结案", (S.VERIFIED,), S.CLOSED),
    "rework": ("返工", (S.VERIFIED, S.CLOSED), S.PROCESSING),
    "suspend": ("挂起", (S.ACCEPTED, S.DISPATCHED, S.PROCESSING), S.SUSPENDED),
    "resume": ("恢复", (S.SUSPENDED,), None),
    "extension_request": ("申请延期", (S.DISPATCHED, S.PROCESSING), None),
    "extension_approve": ("同意延期", (S.DISPATCHED, S.PROCESSING), None),
    "extension_refuse": ("不同意延期", (S.DISPATCHED, S.PROCESSING), None),
    "rate": ("评价", (S.VERIFIED, S.CLOSED), None),
    "revisit": ("回访", (S.VERIFIED,), None),
    "reopen": ("重新打开", (S.CLOSED,), S.VERIFIED),
    "categorise": ("修改分类", (S.PENDING, S.ACCEPTED, S.DISPATCHED, S.PROCESSING, S.SUSPENDED), None),
    "flag": ("挂牌督办", (S.ACCEPTED, S.DISPATCHED, S.PROCESSING, S.SUSPENDED), None),
    "warn": ("预警", TIMED_STATUSES, None),
    "urge": ("催办", TIMED_STATUSES, None),
    "supervise": ("督办", TIMED_STATUSES, None),
    "task_sign": ("部门报到", (S.DISPATCHED, S.PROCESSING), None),
    "task_done": ("协办完成", (S.DISPATCHED, S.PROCESSING), None),
}
# Who may do what: the role action checked on the event (handlers are checked separately).
PERMISSIONS = {
    "accept": "event.dispatch", "reject": "event.dispatch", "merge": "event.dispatch", "dispatch": "event.dispatch",
    "escalate": "event.dispatch", "reassign": "event.dispatch", "verify": "event.verify", "verify_fail": "event.verify",
    "close": "event.dispatch", "rework": "event.dispatch", "suspend": "event.dispatch", "resume": "event.dispatch",
    "extension_approve": "event.dispatch", "extension_refuse": "event.dispatch", "revisit": "event.dispatch",
    "categorise": "event.dispatch", "flag": "event.supervise",
}  # fmt: skip
HANDLER_ACTIONS = {"sign", "return", "resolve", "extension_request"}


def allowed_actions(event: Event, user: User | None) -> list[str]:
    """The actions the user may take on the event now (for buttons); checked again when taken."""
    out = []
    for action, (_, sources, _) in ACTIONS.items():
        if event.status not in sources or action in ("warn", "urge", "supervise", "reopen", "task_sign", "task_done"):
            continue
        if action == "rate":
            if user is not None and event.reporter_user_id == user.pk and not event.rating:
                out.append(action)
            continue
        if action in HANDLER_ACTIONS:
            if is_handler(user, event) and not (action == "extension_request" and event.extension_requested_until):
                out.append(action)
            continue
        if action in ("extension_approve", "extension_refuse") and not event.extension_requested_until:
            continue
        if action == "revisit" and not event.needs_revisit:
            continue
        if action in ("verify", "verify_fail") and user is not None and event.handler_user_id == user.pk:
            continue
        perm = PERMISSIONS.get(action)
        if perm and user is not None and restrict(user, perm, Event.objects.filter(pk=event.pk)).exists():
            out.append(action)
    return out


def is_handler(user: User | None, event: Event) -> bool:
    """Whether ``user`` is (one of) the event's handlers."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if event.handler_user_id:
        return event.handler_user_id == user.pk
    if event.handler_org_id:
        return any(g.organisation_id == event.handler_org_id for g in user.active_grants())
    if event.handler_kind == HandlerKind.GRID:
        return allows_in_region(user, "event.handle", event.region)
    if event.handler_kind in (HandlerKind.CARE, HandlerKind.SERVICE_CENTRE):
        return any(
            g.role in (Role.COMMUNITY_STAFF, Role.STREET_STAFF)
            and g.region_id
            and event.region_path.startswith(g.region.path)
            for g in user.active_grants()
        )
    return False


def _check(event: Event, action: str, actor: User | None) -> None:
    label, sources, _ = ACTIONS[action]
    if event.status not in sources:
        allowed = "、".join(S(s).label for s in sources)
        raise DomainError(
            f"状态：事件当前为“{event.get_status_display()}”，不能{label}（仅{allowed}的事件可以{label}）",
            field="status",
            code="illegal_transition",
        )
    if actor is None:
        return
    if action in HANDLER_ACTIONS:
        if not is_handler(actor, event):
            raise DomainError(f"权限：您不是该事件的处置人，不能{label}", field="status", code="forbidden")
        return
    if action in ("verify", "verify_fail") and event.handler_user_id == actor.pk and not actor.is_superuser:
        raise DomainError("核查：处置人不能核查自己办结的事件，请由社区或网格长核查", field="status", code="forbidden")
    perm = PERMISSIONS.get(action)
    if perm and not restrict(actor, perm, Event.objects.filter(pk=event.pk)).exists():
        raise DomainError(f"权限：您没有{label}该事件的权限", field="status", code="forbidden")


def _move(event: Event, *, action: str, actor: User | None, note: str = "", public: bool = True, **fields) -> Event:
    """Compare-and-set the event from its current (status, version) to the action's target; record it."""
    label, _, target = ACTIONS[action]
    new = target if target is not None else fields.pop("status", event.status)
    if target is not None:
        fields.pop("status", None)
    after = []
    if event.external_source == "12345" and action in ("accept", "reject", "resolve", "close"):
        from linli.events import hotline

        after.append(functools.partial(hotline.push_status, event.pk, action))
    return workflow.transition(
        event,
        to=new,
        version_field="version",
        record=lambda old: (
            tallies.touch("event", event.pk),  # queued in the move's transaction: the big screen's counters
            _record(event, actor=actor, action=action, from_status=old, note=note, public=public, label=label),
        )[1],
        conflict=_conflict,
        after_commit=after,
        updated_at=timezone.now(),
        **fields,
    )


def _conflict(event: Event) -> str:
    """The loser of a race is told what the event has become meanwhile."""
    current = Event.objects.filter(pk=event.pk).values_list("status", flat=True).first()
    shown = S(current).label if current else "已删除"
    return f"该事件刚刚已被他人处理（当前状态：{shown}），请刷新后重试。"


def _record(event, *, actor, action, from_status, note="", public=True, label=None) -> EventTransition:
    if label is None:
        label = ACTIONS[action][0] if action in ACTIONS else "上报"
    return insert_one(
        EventTransition(
            event=event,
            action=action,
            action_label=label,
            from_status=from_status,
            to_status=event.status,
            actor=_user(actor),
            actor_name=str(actor) if actor else "系统",
            note=note[:2000],
            public=public,
        )
    )


def _after_commit(fn, *args, **kwargs) -> None:
    transaction.on_commit(lambda: fn(*args, **kwargs))


def _need(value: str, field: str, label: str, *, min_len: int = 2) -> str:
    value = (value or "").strip()
    if len(value) < min_len:
        raise DomainError(f"{label}：请填写（至少 {min_len} 个字）", field=field)
    return value


def _fresh(event: Event) -> Event:
    """Re-read the row inside the transaction: decisions are taken on what is committed now."""
    return Event.objects.select_related("category__parent", "region__level", "building__compound").get(pk=event.pk)


def _sync(target: Event, source: Event) -> Event:
    """Copy the fresh state back onto the caller's instance, so callers can keep using the object they passed."""
    if target is not source:
        for field in Event._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))
        for name in ("category", "handler_user", "handler_org", "region", "parent"):
            field = Event._meta.get_field(name)
            if field.is_cached(source):
                setattr(target, name, getattr(source, name))
            elif field.is_cached(target):
                field.delete_cached_value(target)
    return target


def _set_deadline_fields(event: Event, start: dt.datetime) -> dict:
    cat = event.category
    dl = deadlines.deadline_for(start, cat.deadline_value, cat.deadline_unit)
    return {"due_at": dl.due_at, "warn_at": dl.warn_at, "deadline_estimated": dl.estimated, "supervision": 0}


def terminal(event: Event) -> bool:
    return event.status in FINAL_STATUSES
