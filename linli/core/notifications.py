"""Messages to people about any record: the in-app inbox, and SMS / WeChat subscription messages behind an adapter.

Any module tells people of a change in three calls, each about a ``target`` (any model instance, or None)::

    from linli.core import notifications

    notifications.register_templates({"wish_claimed": "您的微心愿（{title}）已被认领。"})  # once, in apps.py
    notifications.inbox([user], target=wish, kind="wish_claimed", title="微心愿已被认领", url=wish_url)
    notifications.wechat(user=user, template="wish_claimed", params={"title": wish.title}, target=wish)
    notifications.sms(phone_enc=person.phone_enc, template="wish_claimed", params={...}, target=wish)

Call them from ``transaction.on_commit`` (the workflow helper's ``after_commit``): nobody hears of a change that
was rolled back. The inbox is ``core.Notification`` (the 消息 pages read it); what leaves the machine goes through
the backend of ``settings.MESSAGE_BACKEND`` (environment ``LINLI_MESSAGE_BACKEND``, default ``"log"``)::

    class Backend:
        name: str
        def send(self, *, channel: str, to: str, template: str, params: dict,
                 recipient: User | None = None, target: Model | None = None) -> OutboundMessage: ...

``channel`` is ``"sms"`` (``to`` is a mainland phone number in clear) or ``"wechat"`` (``to`` is the user's
openid, or their username while accounts are not bound to WeChat). ``template`` is one of the registered
``TEMPLATES`` and ``params`` fills its placeholders; a real SMS gateway maps template names to the templates
registered with the operator (短信签名 + 模板 ID), configured in ``settings.SMS_GATEWAY`` (``LINLI_SMS_*``).
``send`` must not raise for a delivery failure: it records the outcome in ``OutboundMessage.status``. The ``log``
backend writes the ``OutboundMessage`` row (with the number masked) and delivers nothing; tests and demos use it.
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db.models import Model
from django.utils.module_loading import import_string

from linli.core import crypto, masking

TEMPLATES: dict[str, str] = {}  # template name → text with {placeholders}; filled by the modules


def register_templates(templates: Mapping[str, str]) -> None:
    """Add a module's message templates (names are global: prefix them with the module, e.g. ``event_``)."""
    for name, text in templates.items():
        if TEMPLATES.get(name, text) != text:
            raise ValueError(f"message template {name!r} is registered twice with different texts")
        TEMPLATES[name] = text


class LogBackend:
    """Writes an OutboundMessage row and sends nothing: the default, and what tests use."""

    name = "log"

    def send(self, *, channel: str, to: str, template: str, params: dict, recipient=None, target=None):
        from linli.core.models import OutboundMessage

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
            target=target,
        )


BACKENDS = {"log": "linli.core.notifications.LogBackend"}


def backend():
    """The configured backend: ``settings.MESSAGE_BACKEND`` is a short name or the dotted path of a class."""
    name = settings.MESSAGE_BACKEND
    return import_string(BACKENDS.get(name, name))()


def render(template: str, params: dict) -> str:
    return TEMPLATES[template].format(**{k: v for k, v in params.items()})


def inbox(users: Iterable, *, target: Model | None = None, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Put one message about ``target`` in each user's inbox (duplicates, inactive and missing users skipped)."""
    from linli.core.models import Notification

    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, target=target, kind=kind, title=title[:100], body=body[:500], url=url))
    Notification.objects.bulk_create(rows)
    return len(rows)


def sms(*, phone_enc: str = "", phone: str = "", template: str, params: dict, recipient=None, target=None):
    """Send an SMS to an encrypted or clear number; nothing when there is no number."""
    number = phone or (crypto.decrypt(phone_enc) if phone_enc else "")
    if not number:
        return None
    return backend().send(
        channel="sms", to=number, template=template, params=params, recipient=recipient, target=target
    )


def wechat(*, user, template: str, params: dict, target=None):
    """A WeChat subscription message to a resident account (by username until openids are bound)."""
    if user is None:
        return None
    openid = getattr(user, "wechat_openid", "") or user.username
    return backend().send(channel="wechat", to=openid, template=template, params=params, recipient=user, target=target)
