"""Notifications: the in-app inbox, and SMS / WeChat subscription messages behind an adapter.

Interface of a message backend (``EVENTS_MESSAGE_BACKEND``, default ``"log"``)::

    class Backend:
        name: str
        def send(self, *, channel: str, to: str, template: str, params: dict,
                 recipient: User | None = None, event: Event | None = None) -> OutboundMessage: ...

``channel`` is ``"sms"`` (``to`` is a mainland phone number in clear) or ``"wechat"`` (``to`` is the
user's openid, or their username while accounts are not bound to WeChat). ``template`` is one of
``TEMPLATES`` and ``params`` fills its placeholders; a real SMS gateway maps template names to the
templates registered with the operator (短信签名 + 模板 ID). ``send`` must not raise for a delivery
failure: it records the outcome in ``OutboundMessage.status``. The ``log`` backend writes the
``OutboundMessage`` row (with the number masked) and delivers nothing; it is what tests and demos use.
Everything here is called from ``transaction.on_commit``: nobody hears of a change that was rolled back.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils.module_loading import import_string

from linli.core import crypto, masking

TEMPLATES = {
    "event_accepted": "您反映的问题（{number}）已受理，我们将尽快处理。",
    "event_rejected": "您反映的问题（{number}）未予受理：{reason}",
    "event_merged": "您反映的问题（{number}）已与同类问题（{parent}）合并处理，结果将一并告知。",
    "event_resolved": "您反映的问题（{number}）已处置完毕：{result}",
    "event_verified": "您反映的问题（{number}）已办结并核查，请在“我的上报”中评价。",
    "event_closed": "您反映的问题（{number}）已结案，感谢您的参与。",
    "event_rework": "您反映的问题（{number}）重新处理（返工）：上次的处理结果没有通过，处理人员正在重新处理。",
    "event_dispatched": "新的派遣任务（{number}）：{title}，请在 {due} 前处置。",
    "event_urge": "【催办】事件（{number}）已超过处置时限，请尽快处置。",
    "event_supervise": "【督办】事件（{number}）超期已逾 24 个工作小时，请督促处置。",
}


class LogBackend:
    """Writes an OutboundMessage row and sends nothing: the default, and what tests use."""

    name = "log"

    def send(self, *, channel: str, to: str, template: str, params: dict, recipient=None, event=None):
        from linli.events.models import OutboundMessage

        if template not in TEMPLATES:
            raise ValueError(f"unknown message template {template!r}")
        to_masked = masking.mask_phone(to) if channel == "sms" else to
        return OutboundMessage.objects.create(
            channel=channel,
            backend=self.name,
            recipient=recipient if recipient is not None and recipient.pk else None,
            to_masked=to_masked[:40],
            template=template,
            params={k: str(v) for k, v in params.items()},
            status="logged",
            event=event,
        )


BACKENDS = {"log": "linli.events.notify.LogBackend"}


def backend():
    name = getattr(settings, "EVENTS_MESSAGE_BACKEND", "log")
    return import_string(BACKENDS.get(name, name))()


def render(template: str, params: dict) -> str:
    return TEMPLATES[template].format(**{k: v for k, v in params.items()})


def inbox(users: Iterable, *, event=None, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Put one message in each user's inbox (duplicates and missing users skipped)."""
    from linli.events.models import Notification

    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, event=event, kind=kind, title=title[:100], body=body[:500], url=url))
    Notification.objects.bulk_create(rows)
    return len(rows)


def sms(*, phone_enc: str = "", phone: str = "", template: str, params: dict, recipient=None, event=None):
    """Send an SMS to an encrypted or clear number; nothing when there is no number."""
    number = phone or (crypto.decrypt(phone_enc) if phone_enc else "")
    if not number:
        return None
    return backend().send(channel="sms", to=number, template=template, params=params, recipient=recipient, event=event)


def wechat(*, user, template: str, params: dict, event=None):
    """A WeChat subscription message to a resident account (by username until openids are bound)."""
    if user is None:
        return None
    openid = getattr(user, "wechat_openid", "") or user.username
    return backend().send(channel="wechat", to=openid, template=template, params=params, recipient=user, event=event)
