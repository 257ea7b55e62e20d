"""The text an event shows in the public Open311 feed, reviewed by staff."""

from django.db import transaction
from django.utils import timezone

from linli.core.errors import ConflictError, DomainError
from linli.core.models import User
from linli.core.scoping import restrict
from linli.events.models import (
    Channel,
    Event,
)
from linli.events.services.workflow import _record

# --- public text (Open311) -------------------------------------------------------------------------------


def public_text_reviewable(event: Event, user: User | None) -> bool:
    """Whether ``user`` may review what Open311 publishes of this event (dispatchers of Open311 events)."""
    return (
        event.channel == Channel.OPEN311
        and user is not None
        and restrict(user, "event.dispatch", Event.objects.filter(pk=event.pk)).exists()
    )


@transaction.atomic
def event_review_public_text(*, event: Event, actor: User, text: str, version: int | None = None) -> Event:
    """A staff member reviews the text Open311 publishes for the event; it is redacted again before it is stored.

    Until this is done the public description is empty (``OPEN311_PUBLISH = "reviewed"``). Reviewing again
    replaces the text. Compare-and-set on the version, like every other step, and recorded as an internal step.
    """
    from linli.core.redaction import redact

    if not public_text_reviewable(event, actor):
        raise DomainError("公开内容：只有负责受理分拨的工作人员可以审核 Open311 请求的公开内容", code="forbidden")
    text = redact((text or "").strip())
    if len(text) > 4000:
        raise DomainError("公开描述：不能超过 4000 字", field="public_description")
    expected = event.version if version is None else version
    now = timezone.now()
    fields = {"public_description": text, "public_reviewed_at": now, "public_reviewed_by": actor,
              "version": expected + 1, "updated_at": now}  # fmt: skip
    if not Event.objects.filter(pk=event.pk, version=expected).update(**fields):
        raise ConflictError("该事件刚刚已被他人处理，请刷新后重试。")
    for key, value in fields.items():
        setattr(event, key, value)
    _record(event, actor=actor, action="public_review", from_status=event.status, public=False,
            label="审核公开内容", note=f"对外公开描述：{text}" if text else "对外公开描述：（不公开描述）")  # fmt: skip
    return event
