"""Writing the audit trail: business events (AuditLog) and generic change rows (ObjectChange)."""

import datetime as dt
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from linli.core import context
from linli.core.compiled import insert_one
from linli.core.models import AuditLog, ObjectChange, User

# Never copied into the change log: ciphertexts and keyed hashes are not for human eyes.
SECRET_SUFFIXES = ("_enc", "_hash")
SKIPPED_FIELDS = {
    "password", "path", "region_path", "version", "depth", "numchild", "name_pinyin", "name_initials",
    "birth_year_index",  # a keyed hash like the *_hash fields
}  # fmt: skip


def _value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


_PLANS: dict[type, list] = {}  # model class → its snapshot plan (model metadata never changes in a process)


def _plan(model: type[models.Model]) -> list[tuple[str, models.Field, dict | None]]:
    """What ``snapshot`` copies of a model: (kind, field, choices as a dict), worked out once per process."""
    plan = _PLANS.get(model)
    if plan is None:
        plan = []
        for field in model._meta.concrete_fields:
            if field.name.endswith(SECRET_SUFFIXES) or field.name in SKIPPED_FIELDS:
                continue
            if isinstance(field, models.ForeignKey):
                plan.append(("fk", field, None))
            elif field.choices:
                plan.append(("choice", field, dict(make_hashable(field.flatchoices))))
            else:
                plan.append(("value", field, None))
        _PLANS[model] = plan
    return plan


def snapshot(obj: models.Model) -> dict:
    """A JSON-safe copy of the concrete fields, secrets left out, foreign keys as their display text."""
    data = {}
    for kind, field, choices in _plan(obj.__class__):
        if kind == "fk":
            if getattr(obj, field.attname) is None:
                data[field.verbose_name] = None
            else:
                data[str(field.verbose_name)] = str(getattr(obj, field.name))
            continue
        value = getattr(obj, field.attname)
        if choices is not None:  # what get_<field>_display() answers, without rebuilding the choices per call
            value = force_str(choices.get(make_hashable(value), value), strings_only=True)
        data[str(field.verbose_name)] = _value(value)
    return data


def log_change(*, actor: User | None, obj: models.Model, action: str, before: dict | None) -> ObjectChange:
    info = context.current()
    # Append-only rows (ObjectChange.save only refuses an update): inserted with the SQL compiled once.
    return insert_one(
        ObjectChange(
            actor=actor if actor and actor.pk else None,
            actor_name=str(actor) if actor else "系统",
            action=action,
            target_type=ContentType.objects.get_for_model(obj.__class__),
            target_id=str(obj.pk),
            target_repr=str(obj)[:200],
            before=before,
            after=None if action == ObjectChange.Action.DELETE else snapshot(obj),
            request_id=info.get("request_id", ""),
            ip=info.get("ip"),
        )
    )


def record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    field: str = "",
    reason: str = "",
    result: str = "ok",
    extra: dict | None = None,
) -> AuditLog:
    info = context.current()
    return AuditLog.objects.create(
        actor=actor if actor and actor.pk else None,
        actor_name=str(actor) if actor else "匿名",
        action=action,
        target_type=ContentType.objects.get_for_model(target.__class__) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        field=field,
        reason=reason,
        result=result,
        ip=info.get("ip"),
        extra=extra or {},
    )


def changes_for(obj: models.Model):
    ct = ContentType.objects.get_for_model(obj.__class__)
    return ObjectChange.objects.filter(target_type=ct, target_id=str(obj.pk)).select_related("actor")
