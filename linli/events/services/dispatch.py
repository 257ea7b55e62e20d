"""受理, 不予受理, 合并, 派遣, 改派, 吹哨报到 and the co-handling departments' tasks; changing the category."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from linli.core.errors import ConflictError, DomainError
from linli.core.models import Organisation, User
from linli.core.roles import Role
from linli.core.scoping import restrict
from linli.events import deadlines, routing
from linli.events.models import (
    TIMED_STATUSES,
    ClassificationFeedback,
    Event,
    EventTask,
    HandlerKind,
)
from linli.events.services.common import S, _category, _user
from linli.events.services.notices import _notify_handlers, _notify_reporter, _notify_tasks
from linli.events.services.workflow import (
    _after_commit,
    _check,
    _fresh,
    _move,
    _need,
    _record,
    _set_deadline_fields,
    _sync,
)


@transaction.atomic
def event_accept(*, event: Event, actor: User | None, category_code: str | None = None, note: str = "") -> Event:
    """待受理 → 已受理: the deadline clock starts (category needed)."""
    expected, original = event.version, event
    event = _fresh(event)
    if event.version != expected:
        raise ConflictError(f"该事件刚刚已被他人处理（当前状态：{event.get_status_display()}），请刷新后重试。")
    _check(event, "accept", actor)
    fields = {}
    if category_code and (event.category is None or event.category.code != category_code):
        event.category = _category(category_code)
        fields.update(category=event.category, urgency=event.category.urgency, emergency=event.category.emergency)
    if event.category is None:
        raise DomainError("分类：受理前请先确定事件分类", field="category")
    now = timezone.now()
    fields.update(_set_deadline_fields(event, now))
    _move(event, action="accept", actor=actor, note=note, accepted_at=now, **fields)
    _after_commit(_notify_reporter, event.pk, "event_accepted", "已受理", "您反映的问题已受理。")
    return _sync(original, event)


@transaction.atomic
def event_reject(*, event: Event, actor: User | None, reason: str) -> Event:
    """待受理 → 不予受理, with the reason the reporter is told."""
    reason = _need(reason, "reason", "不予受理理由")
    _check(event, "reject", actor)
    _move(event, action="reject", actor=actor, note=reason, reject_reason=reason[:200], closed_at=timezone.now())
    _after_commit(_notify_reporter, event.pk, "event_rejected", "不予受理", reason, extra={"reason": reason})
    return event


@transaction.atomic
def event_merge(*, event: Event, parent: Event, actor: User | None, note: str = "") -> Event:
    """Merge a duplicate into ``parent``: it follows the parent, and its reporter hears the result."""
    _check(event, "merge", actor)
    while parent.parent_id:
        parent = parent.parent
    if parent.pk == event.pk:
        raise DomainError("合并：不能合并到事件自身", field="parent")
    if parent.status in (S.REJECTED, S.MERGED):
        raise DomainError(
            f"合并：目标事件 {parent.number} 为“{parent.get_status_display()}”，不能合并到它", field="parent"
        )
    if actor is not None and not restrict(actor, "event.view", Event.objects.filter(pk=parent.pk)).exists():
        raise DomainError("合并：目标事件不存在或不在您的范围内", field="parent")
    _move(event, action="merge", actor=actor, note=note or f"合并到 {parent.number}", parent=parent)
    Event.objects.filter(parent=event).update(parent=parent)
    _record(parent, actor=actor, action="merge", from_status=parent.status, note=f"并入 {event.number}", public=False)
    _after_commit(
        _notify_reporter,
        event.pk,
        "event_merged",
        "已合并处理",
        f"与 {parent.number} 合并处理",
        extra={"parent": parent.number},
    )
    return event


def _handler_fields(kind: str, org: Organisation | None, user: User | None) -> dict:
    if kind not in HandlerKind.values:
        raise DomainError(f"处置方：类型“{kind}”无效", field="handler")
    if org is None and user is None and kind in (HandlerKind.DEPARTMENT, HandlerKind.PROPERTY):
        raise DomainError("处置方：请选择处置机构", field="handler")
    return {"handler_kind": kind, "handler_org": org, "handler_user": user}


# Who may be named as the handler of an event: a holder of a region role whose region covers the event (so they can
# open it), or the staff of an organisation that serves the event's community, dispatched with that organisation.
HANDLER_REGION_ROLES = (Role.GRID_WORKER, Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF)
HANDLER_ORG_ROLES = (Role.DEPT_STAFF, Role.PROPERTY_STAFF)


def _serving_paths(event: Event) -> tuple[str, list[str]]:
    """(community path, paths above it) of the event: the area its handlers must work in."""
    community = routing.community_of(event.region) if event.region_id else None
    base = community.path if community is not None else event.region_path
    return base, routing.ancestor_paths(base)


def _check_handler(event: Event, org: Organisation | None, user: User | None) -> None:
    """Refuse a handler outside the event's area: a resident, a worker of another grid, a foreign organisation."""
    base, above = _serving_paths(event)

    def serves(path: str) -> bool:
        return path.startswith(base) or path in above

    if org is not None and not serves(org.region_path or org.region.path):
        raise DomainError(f"处置方：“{org.name}”不服务本事件所在社区，不能派遣给它", field="handler")
    if user is None:
        return
    if not user.is_active:
        raise DomainError("处置方：该处置人不存在", field="handler")
    grants = user.active_grants()
    # A region grant must cover the event's place (so the handler can open it); an organisation's staff only
    # together with that organisation (the event is then theirs through the organisation).
    by_region = any(
        g.role in HANDLER_REGION_ROLES and g.region_id and event.region_path.startswith(g.region.path) for g in grants
    )
    by_org = org is not None and any(g.role in HANDLER_ORG_ROLES and g.organisation_id == org.pk for g in grants)
    if not (by_region or by_org):
        raise DomainError(
            f"处置方：{user.display_name} 不负责本事件所在的网格或社区，不能派遣给他/她（请选择属地网格员或处置机构）",
            field="handler",
        )


def _resolve_handler(event: Event, kind: str | None, org: Organisation | None, user: User | None) -> dict:
    if org is not None or user is not None:
        _check_handler(event, org, user)
    if kind is None and org is None and user is None:
        choice = routing.suggest_handler(event)
        if choice is None or not choice.is_concrete:
            raise DomainError("处置方：无法按规则自动确定，请选择处置人或处置机构", field="handler")
        return _handler_fields(choice.kind, choice.organisation, choice.user)
    if kind is None:
        if org is not None:
            kind = {"property": HandlerKind.PROPERTY, "service_centre": HandlerKind.SERVICE_CENTRE}.get(
                org.kind, HandlerKind.DEPARTMENT
            )
        else:
            kind = HandlerKind.GRID
    return _handler_fields(kind, org, user)


@transaction.atomic
def event_dispatch(
    *,
    event: Event,
    actor: User | None,
    handler_kind: str | None = None,
    handler_org: Organisation | None = None,
    handler_user: User | None = None,
    note: str = "",
) -> Event:
    """已受理 → 已派遣 to a handler (by the dispatch rules when none is given). A 待受理 event is accepted first."""
    original, event = event, _fresh(event)
    if event.version != original.version:
        raise ConflictError(f"该事件刚刚已被他人处理（当前状态：{event.get_status_display()}），请刷新后重试。")
    if event.status == S.PENDING:
        event = event_accept(event=event, actor=actor)
    _check(event, "dispatch", actor)
    fields = _resolve_handler(event, handler_kind, handler_org, handler_user)
    label = _label(fields)
    _move(event, action="dispatch", actor=actor, note=note or f"派遣给 {label}", dispatched_at=timezone.now(), **fields)
    _after_commit(_notify_handlers, event.pk, "派遣")
    return _sync(original, event)


def _label(fields: dict) -> str:
    if fields.get("handler_user"):
        return fields["handler_user"].display_name
    if fields.get("handler_org"):
        return fields["handler_org"].name
    return HandlerKind(fields["handler_kind"]).label


@transaction.atomic
def event_reassign(
    *,
    event: Event,
    actor: User | None,
    reason: str,
    handler_kind: str | None = None,
    handler_org: Organisation | None = None,
    handler_user: User | None = None,
) -> Event:
    """改派: send a dispatched event to another handler."""
    reason = _need(reason, "reason", "改派理由")
    _check(event, "reassign", actor)
    fields = _resolve_handler(event, handler_kind, handler_org, handler_user)
    if (fields["handler_org"], fields["handler_user"]) == (event.handler_org, event.handler_user) and fields[
        "handler_kind"
    ] == event.handler_kind:
        raise DomainError("改派：新的处置方与当前相同", field="handler")
    _move(event, action="reassign", actor=actor, note=f"改派给 {_label(fields)}：{reason}", signed_at=None,
          dispatched_at=timezone.now(), **fields)  # fmt: skip
    _after_commit(_notify_handlers, event.pk, "改派")
    return event


@transaction.atomic
def event_escalate(
    *,
    event: Event,
    actor: User | None,
    lead: Organisation,
    assists: Iterable[Organisation] = (),
    note: str,
    days: int | None = None,
) -> Event:
    """吹哨报到: the community whistles; a lead department and assisting departments each get a task."""
    note = _need(note, "note", "吹哨事由")
    _check(event, "escalate", actor)
    assists = [o for o in assists if o.pk != lead.pk]
    for org in [lead, *assists]:
        if org.kind != "department":
            raise DomainError(f"吹哨报到：“{org.name}”不是职能部门", field="lead")
        _check_handler(event, org, None)  # a department of another street or community gets no task, no title
    cal = deadlines.calendar()
    now = timezone.now()
    if days:
        due, _ = cal.add(now, int(days) * cal.day_seconds)
    else:
        due = deadlines.deadline_for(now, event.category.deadline_value, event.category.deadline_unit, cal).due_at
    for org, role in [(lead, EventTask.Role.LEAD)] + [(o, EventTask.Role.ASSIST) for o in assists]:
        EventTask.objects.update_or_create(
            event=event, organisation=org, defaults={"role": role, "status": EventTask.Status.PENDING, "due_at": due,
                                                      "instructions": note[:500]},
        )  # fmt: skip
    names = "、".join(o.name for o in assists)
    _move(event, action="escalate", actor=actor, note=f"牵头：{lead.name}" + (f"；协办：{names}" if names else "") + f"。{note}",
          handler_kind=HandlerKind.DEPARTMENT, handler_org=lead, handler_user=None, signed_at=None,
          dispatched_at=now, due_at=max(due, event.due_at) if event.due_at else due)  # fmt: skip
    _after_commit(_notify_tasks, event.pk)
    return event


def _task_check(task: EventTask, actor: User | None) -> None:
    if (
        actor is not None
        and not actor.is_superuser
        and not any(g.organisation_id == task.organisation_id for g in actor.active_grants())
    ):
        raise DomainError(f"权限：您不是“{task.organisation.name}”的工作人员", field="task", code="forbidden")


@transaction.atomic
def task_sign(*, task: EventTask, actor: User | None) -> EventTask:
    """A department reports for its part of a 吹哨 (报到)."""
    _task_check(task, actor)
    if not EventTask.objects.filter(pk=task.pk, status=EventTask.Status.PENDING).update(
        status=EventTask.Status.SIGNED, signed_at=timezone.now()
    ):
        raise ConflictError("该任务已报到或已完成。")
    task.refresh_from_db()
    _record(task.event, actor=actor, action="task_sign", from_status=task.event.status, note=task.organisation.name,
            public=False)  # fmt: skip
    return task


@transaction.atomic
def task_complete(*, task: EventTask, actor: User | None, result: str) -> EventTask:
    result = _need(result, "result", "办理结果")
    _task_check(task, actor)
    if (
        not EventTask.objects.filter(pk=task.pk)
        .exclude(status=EventTask.Status.DONE)
        .update(status=EventTask.Status.DONE, done_at=timezone.now(), done_by=_user(actor), result=result)
    ):
        raise ConflictError("该任务已完成。")
    task.refresh_from_db()
    _record(task.event, actor=actor, action="task_done", from_status=task.event.status,
            note=f"{task.organisation.name}：{result}", public=False)  # fmt: skip
    return task


@transaction.atomic
def event_set_category(
    *, event: Event, actor: User | None, category_code: str, suggested_code: str = "", text: str | None = None
) -> Event:
    """Correct the category (one click on a suggestion); the correction is kept as training feedback."""
    category = _category(category_code)
    if category is None:
        raise DomainError("分类：请选择小类", field="category")
    _check(event, "categorise", actor)
    old = event.category.code if event.category_id else ""
    if old == category.code:
        return event
    fields: dict = {"category": category, "urgency": category.urgency, "emergency": category.emergency}
    if event.accepted_at and event.status in TIMED_STATUSES:
        fields.update(_set_deadline_fields(Event(category=category), event.accepted_at))
    _move(event, action="categorise", actor=actor, note=f"{old or '未分类'} → {category}", public=False, **fields)
    ClassificationFeedback.objects.create(
        event=event,
        text=text if text is not None else f"{event.title}\n{event.description}",
        suggested_code=suggested_code or old,
        chosen_code=category.code,
        actor=_user(actor),
    )
    return event
