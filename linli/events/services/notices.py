"""Who hears of what: inbox messages, SMS and WeChat messages, all sent after the transaction commits."""

from django.utils import timezone

from linli.core import notifications
from linli.core.models import User
from linli.core.roles import Role
from linli.core.scoping import restrict
from linli.events import routing
from linli.events.models import (
    Event,
)

# --- notifications (run after commit) --------------------------------------------------------------------


def _event(pk: int) -> Event | None:
    return Event.objects.select_related("reporter_user", "handler_user", "handler_org", "region").filter(pk=pk).first()


def _notify_new(event: Event) -> None:
    """The dispatchers' inbox messages of a new event, written in the event's own transaction.

    Inbox rows live in the same database: written with the event they appear exactly when it commits and
    vanish with it on rollback, which is what the after-commit rule guarantees for the other notifications,
    without a second transaction (and a second flush to disk) per report.
    """
    title = f"新事件待受理：{event.number}"
    if event.needs_triage:
        title = f"待分拨事件：{event.number}"
    notifications.inbox(routing.dispatchers_for(event), target=event, kind="new", title=title, body=event.title,
                 url=event.get_absolute_url())  # fmt: skip


def _resident_url(event: Event) -> str:
    from django.urls import reverse

    return reverse("events:my_event_detail", args=[event.pk])


def _notify_reporter(
    pk: int, template: str, title: str, body: str, *, extra: dict | None = None, sms: bool = True
) -> None:
    event = _event(pk)
    if event is None:
        return
    params = {"number": event.number, "title": event.title, **(extra or {})}
    for target in [event, *Event.objects.filter(parent=event).select_related("reporter_user")]:
        user = target.reporter_user
        if user is not None:
            notifications.inbox([user], target=target, kind=template, title=f"{title}：{target.title}", body=body,
                         url=_resident_url(target))  # fmt: skip
            notifications.wechat(
                user=user, template=template, params={**params, "number": target.number}, target=target
            )
        if sms and (target.contact_phone_enc or (user is not None and user.phone_enc)):
            notifications.sms(phone_enc=target.contact_phone_enc or user.phone_enc, template=template,
                       params={**params, "number": target.number}, recipient=user, target=target)  # fmt: skip


def _notify_rework(pk: int) -> None:
    """The reporter learns that the event is open again for 返工 (after a failed check or 不满意)."""
    _notify_reporter(
        pk, "event_rework", "返工处理中", "您反映的问题重新处理（返工）：上次的处理结果没有通过，处理人员正在重新处理。"
    )


def _notify_closed(pk: int) -> None:
    _notify_reporter(pk, "event_closed", "已结案", "您反映的问题已结案，感谢您的参与。")


def _notify_handlers(pk: int, what: str) -> None:
    event = _event(pk)
    if event is None:
        return
    due = timezone.localtime(event.due_at).strftime("%m-%d %H:%M") if event.due_at else "—"
    # Only those who can open the event get its title (a handler named before this rule existed may not).
    users = [u for u in routing.handlers_for(event) if _can_open(u, event)]
    notifications.inbox(users, target=event, kind="task", title=f"{what}：{event.number} {event.title}",
                 body=f"处置时限 {due}", url=event.get_absolute_url())  # fmt: skip
    if what in ("派遣", "改派"):
        for user in users:
            notifications.sms(phone_enc=user.phone_enc, template="event_dispatched",
                       params={"number": event.number, "title": event.title, "due": due}, recipient=user, target=event)  # fmt: skip


def _can_open(user: User, event: Event) -> bool:
    return user.is_active and restrict(user, "event.view", Event.objects.filter(pk=event.pk)).exists()


def _notify_tasks(pk: int) -> None:
    event = _event(pk)
    if event is None:
        return
    for task in event.tasks.select_related("organisation"):
        users = routing.users_with([Role.DEPT_STAFF], org_ids=[task.organisation_id])
        notifications.inbox(users, target=event, kind="whistle", title=f"吹哨报到（{task.get_role_display()}）：{event.number}",
                     body=task.instructions, url=event.get_absolute_url())  # fmt: skip


def _notify_dispatchers(pk: int, kind: str, title: str, body: str = "") -> None:
    event = _event(pk)
    if event is None:
        return
    notifications.inbox(routing.dispatchers_for(event), target=event, kind=kind, title=title, body=body[:500],
                 url=event.get_absolute_url())  # fmt: skip


def _notify_supervision(pk: int, action: str) -> None:
    event = _event(pk)
    if event is None:
        return
    url = event.get_absolute_url()
    if action == "warn":
        notifications.inbox(routing.handlers_for(event), target=event, kind="warn", title=f"【预警】{event.number} 即将超期",
                     body=event.title, url=url)  # fmt: skip
    elif action == "urge":
        handlers = routing.handlers_for(event)
        notifications.inbox(
            handlers, target=event, kind="urge", title=f"【催办】{event.number} 已超期", body=event.title, url=url
        )
        for user in handlers:
            notifications.sms(phone_enc=user.phone_enc, template="event_urge", params={"number": event.number},
                       recipient=user, target=event)  # fmt: skip
    else:
        notifications.inbox(routing.supervisors_for(event), target=event, kind="supervise",
                     title=f"【督办】{event.number} 超期逾 24 个工作小时", body=f"{event.title}（处置方：{event.handler_label}）",
                     url=url)  # fmt: skip
