"""Writes of privacy: consent (PIPL Art. 29/31), correction requests (Art. 46), retention and legal holds.

Status changes are compare-and-set with a transition row; audit rows are written by the service that acts. The
kinds of record with a storage limit are what the apps registered (``m.retention``), each purging its own rows.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from linli.core import audit, crypto, masking
from linli.core.errors import ConflictError, DomainError
from linli.core.identity import age_on
from linli.core.models import AuditLog, ObjectChange, User
from linli.core.modules import RetentionKind, retention_kinds
from linli.core.scoping import has_action, restrict
from linli.core.workflow import transition
from linli.privacy.models import (
    AUDIT_MINIMUM_DAYS,
    ConsentPurpose,
    ConsentRecord,
    ConsentText,
    CorrectionRequest,
    CorrectionTransition,
    LegalHold,
    RetentionPolicy,
)

GUARDIAN_AGE = 14


# --- consent (PIPL Art. 29 separate consent; Art. 31 guardians for under-14s) -------------------------------


def _is_minor(person, on: dt.date | None = None) -> bool:
    if person.birth_date is None:
        return False
    return age_on(person.birth_date, on or timezone.localdate()) < GUARDIAN_AGE


def current_consent(*, person, purpose: str, tag=None) -> ConsentRecord | None:
    """The consent that holds now for ``purpose`` (and ``tag``), or None.

    The latest record decides; it must be a grant, on a consent text still in force, and for a person under 14
    it must have been given by a guardian.
    """
    qs = ConsentRecord.objects.filter(person_id=person.pk, purpose=purpose).select_related("text")
    if tag is not None:
        qs = qs.filter(tag__isnull=True) | qs.filter(tag=tag)
    latest = qs.order_by("-at", "-pk").first()
    if latest is None or not latest.granted or not latest.text.is_active:
        return None
    if _is_minor(person) and latest.guardian_id is None:
        return None
    return latest


def require_consent_for_tag(*, person, tag) -> None:
    """Refuse a tag marked ``requires_consent`` unless a current separate consent covers it.

    Registered as the ``"people.tag_assign"`` check (``people.services.tag_assign`` asks it without importing
    privacy); the person importer calls it directly."""
    if not getattr(tag, "requires_consent", False):
        return
    if current_consent(person=person, purpose=ConsentPurpose.HEALTH, tag=tag) is not None:
        return
    who = "监护人" if _is_minor(person) else "本人"
    raise DomainError(
        f"标签：设置“{tag.name}”需要{who}的单独同意，请先在“同意记录”中登记（含凭证）",
        field="tag",
        code="consent_required",
    )


@transaction.atomic
def consent_record(
    *,
    actor: User | None,
    person,
    purpose: str,
    granted: bool,
    evidence: str,
    text: ConsentText | None = None,
    tag=None,
    guardian=None,
) -> ConsentRecord:
    """Append a grant or withdrawal; under 14 only an adult guardian can decide. Withdrawing removes covered tags."""
    from linli.people.models import TagAssignment

    if purpose not in ConsentPurpose.values:
        raise DomainError("用途：无效", field="purpose")
    if actor is not None and actor.is_staff_role and not restrict(actor, "person.change").filter(pk=person.pk).exists():
        raise DomainError("人员：您没有为该人员登记同意的权限", field="person", code="forbidden")
    evidence = (evidence or "").strip()
    if len(evidence) < 2:
        raise DomainError("凭证：请写明同意的凭证（如纸质同意书编号、签字扫描件位置）", field="evidence")
    if text is None:
        text = ConsentText.objects.filter(purpose=purpose, is_active=True).order_by("-effective_from").first()
    if text is None or text.purpose != purpose or not text.is_active:
        raise DomainError("同意书：该用途没有有效的同意书文本，请管理员先发布", field="text")
    if _is_minor(person):
        if guardian is None:
            raise DomainError("监护人：未满十四周岁的人员，须由监护人作出同意或撤回", field="guardian")
        if guardian.pk == person.pk or _is_minor(guardian) or guardian.birth_date is None:
            raise DomainError("监护人：监护人须为另一名成年人", field="guardian")
    elif guardian is not None and guardian.pk != person.pk:
        raise DomainError("监护人：已满十四周岁的人员由本人作出同意", field="guardian")
    else:
        guardian = None
    record = ConsentRecord.objects.create(
        person=person,
        region_path=person.region_path,
        purpose=purpose,
        tag=tag,
        text=text,
        version=text.version,
        granted=granted,
        guardian=guardian,
        evidence=evidence[:300],
        recorded_by=actor if actor and actor.pk else None,
    )
    audit.log_change(actor=actor, obj=record, action=ObjectChange.Action.CREATE, before=None)
    if not granted and purpose == ConsentPurpose.HEALTH:
        covered = TagAssignment.objects.filter(person=person, tag__requires_consent=True)
        if tag is not None:
            covered = covered.filter(tag=tag)
        for assignment in covered.select_related("tag"):
            if current_consent(person=person, purpose=purpose, tag=assignment.tag) is None:
                audit.log_change(
                    actor=actor, obj=assignment, action=ObjectChange.Action.DELETE, before=audit.snapshot(assignment)
                )
                assignment.delete()
    return record


# --- correction requests (PIPL Art. 46) ---------------------------------------------------------------------

SECRET_FIELDS = {CorrectionRequest.Field.ID_NUMBER, CorrectionRequest.Field.PHONE}


def _current_value(person, field: str) -> str:
    if field == "id_number":
        return person.id_number_masked
    if field == "phone":
        return person.phone_masked
    if field in ("name", "ethnicity", "hukou_address", "workplace"):
        return getattr(person, field) or ""
    if field == "political_status":
        return person.get_political_status_display()
    return ""


@transaction.atomic
def correction_submit(*, actor: User, person, field: str, requested: str, reason: str) -> CorrectionRequest:
    """A resident asks to correct one item of their own record (or of a minor in their household)."""
    from linli.people.models import Person

    if field not in CorrectionRequest.Field.values:
        raise DomainError("更正项：无效", field="field")
    if not restrict(actor, "person.view", Person.objects.filter(pk=person.pk)).exists():
        raise DomainError("人员：只能申请更正本人或本户的信息", field="person", code="forbidden")
    if person.user_id != actor.pk and not (person.household_id and _is_minor(person)):
        raise DomainError("人员：只能为本人或本户未成年人申请更正", field="person", code="forbidden")
    requested = (requested or "").strip()
    reason = (reason or "").strip()
    errors = []
    if not requested:
        errors.append(("requested", "申请更正为：不能为空"))
    if len(reason) < 2:
        errors.append(("reason", "理由：请说明理由"))
    if CorrectionRequest.objects.filter(person=person, field=field, status=CorrectionRequest.Status.SUBMITTED).exists():
        errors.append(("field", "更正项：该项已有待处理的申请"))
    shown, sealed = requested[:200], ""
    if not errors and field in SECRET_FIELDS:
        from linli.core.identity import parse_id_number, parse_phone

        try:
            value = parse_id_number(requested) if field == "id_number" else parse_phone(requested)
        except DomainError as exc:
            errors.append(("requested", exc.message))
        else:
            sealed = crypto.encrypt(value)
            shown = masking.mask_id_number(value) if field == "id_number" else masking.mask_phone(value)
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    request = CorrectionRequest.objects.create(
        person=person,
        region_path=person.region_path,
        requested_by=actor,
        field=field,
        current=_current_value(person, field)[:200],
        requested=shown,
        requested_enc=sealed,
        reason=reason[:500],
    )
    CorrectionTransition.objects.create(request=request, to_status=request.status, actor=actor, note="提交申请")
    audit.log_change(actor=actor, obj=request, action=ObjectChange.Action.CREATE, before=None)
    return request


def _correction_move(request: CorrectionRequest, *, to: str, actor: User, note: str, **fields) -> CorrectionRequest:
    before = audit.snapshot(request)
    transition(
        request,
        to=to,
        allowed_from=(CorrectionRequest.Status.SUBMITTED,),
        record=lambda old: CorrectionTransition.objects.create(
            request=request, from_status=old, to_status=to, actor=actor, note=note[:500]
        ),
        conflict="该申请已被处理，请刷新页面。",
        **fields,
    )
    request.refresh_from_db()
    audit.log_change(actor=actor, obj=request, action=ObjectChange.Action.UPDATE, before=before)
    return request


@transaction.atomic
def correction_withdraw(*, actor: User, request: CorrectionRequest) -> CorrectionRequest:
    if request.requested_by_id != actor.pk:
        raise DomainError("只能撤回自己提交的申请", code="forbidden")
    return _correction_move(request, to=CorrectionRequest.Status.WITHDRAWN, actor=actor, note="申请人撤回")


@transaction.atomic
def correction_handle(*, actor: User, request: CorrectionRequest, accept: bool, reply: str) -> CorrectionRequest:
    """Staff in scope accept (the record is corrected through people.services) or refuse with a reply."""
    from linli.people import services as people_services
    from linli.people.models import Person

    if not restrict(actor, "correction.change", CorrectionRequest.objects.filter(pk=request.pk)).exists():
        raise DomainError("您没有处理该申请的权限", code="forbidden")
    reply = (reply or "").strip()
    if not accept and len(reply) < 2:
        raise DomainError("答复：不予更正时请写明理由", field="reply")
    if accept:
        direct = {"name", "id_number", "phone", "ethnicity", "hukou_address", "workplace", "political_status"}
        if request.field in direct:
            person = Person.objects.get(pk=request.person_id)
            values = {
                "name": person.name,
                "id_type": person.id_type,
                "id_number": crypto.decrypt(person.id_number_enc),
                "phone": crypto.decrypt(person.phone_enc),
                "ethnicity": person.ethnicity,
                "hukou_address": person.hukou_address,
                "person_type": person.person_type,
                "political_status": person.political_status,
                "workplace": person.workplace,
                "notes": person.notes,
            }
            values[request.field] = (
                crypto.decrypt(request.requested_enc) if request.requested_enc else request.requested
            )
            people_services.person_update(
                actor=actor, person=person, version=person.version, data=people_services.clean_person_data(**values)
            )
        status = CorrectionRequest.Status.ACCEPTED
        reply = reply or ("已按申请更正" if request.field in direct else "已核实并更正")
    else:
        status = CorrectionRequest.Status.REJECTED
    return _correction_move(
        request, to=status, actor=actor, note=reply, handled_by=actor, handled_at=timezone.now(), reply=reply[:500]
    )


# --- retention and legal holds ------------------------------------------------------------------------------


def _kinds() -> dict[str, RetentionKind]:
    return {k.key: k for k in retention_kinds()}


def _kind(key: str) -> RetentionKind:
    kind = _kinds().get(key)
    if kind is None:
        raise DomainError(f"记录类型：“{key}”无效", field="kind")
    return kind


def _floor_message(kind: RetentionKind) -> str:
    why = f"（{kind.min_reason}）" if kind.min_reason else ""
    return f"保存天数：{kind.label}至少保存 {kind.min_days} 天{why}"


def retention_defaults() -> None:
    """A policy row for every registered kind, at its default period (existing rows are left as they are)."""
    for kind in retention_kinds():
        RetentionPolicy.objects.get_or_create(
            kind=kind.key, defaults={"days": max(kind.default_days, kind.min_days), "note": kind.note[:200]}
        )


@transaction.atomic
def retention_set(*, actor: User, kind: str, days: int, active: bool = True) -> RetentionPolicy:
    if not has_action(actor, "retention.change"):
        raise DomainError("只有系统管理员可以修改保存期限", code="forbidden")
    registered = _kind(kind)
    if days < registered.min_days:
        raise DomainError(_floor_message(registered), field="days")
    if days < 1:
        raise DomainError("保存天数：至少 1 天", field="days")
    policy, _ = RetentionPolicy.objects.get_or_create(kind=kind, defaults={"days": days})
    before = audit.snapshot(policy)
    policy.days, policy.active = days, active
    policy.save(update_fields=["days", "active", "updated_at"])
    audit.log_change(actor=actor, obj=policy, action=ObjectChange.Action.UPDATE, before=before)
    return policy


@transaction.atomic
def legal_hold_place(*, actor: User, reason: str, person=None, kind: str = "") -> LegalHold:
    if not has_action(actor, "retention.change"):
        raise DomainError("只有系统管理员可以设立法律保全", code="forbidden")
    if person is None and not kind:
        raise DomainError("保全对象：请选择人员或记录类型", field="person")
    if kind:
        _kind(kind)
    if len((reason or "").strip()) < 2:
        raise DomainError("事由：请写明保全事由（如案件编号）", field="reason")
    hold = LegalHold.objects.create(person=person, kind=kind, reason=reason.strip()[:300], created_by=actor)
    audit.log_change(actor=actor, obj=hold, action=ObjectChange.Action.CREATE, before=None)
    return hold


@transaction.atomic
def legal_hold_release(*, actor: User, hold: LegalHold) -> LegalHold:
    if not has_action(actor, "retention.change"):
        raise DomainError("只有系统管理员可以解除法律保全", code="forbidden")
    before = audit.snapshot(hold)
    if not LegalHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
        released_at=timezone.now(), released_by=actor
    ):
        raise ConflictError("该保全已解除。")
    hold.refresh_from_db()
    audit.log_change(actor=actor, obj=hold, action=ObjectChange.Action.UPDATE, before=before)
    return hold


def retention_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every registered kind's purge on what has outlived its policy, except what a legal hold covers.

    A hold on a kind skips that kind; a hold on a person is passed to each purge (``held_person_ids``), which
    leaves that person's rows. No kind goes below its legal floor (logs: six months).
    """
    now = now or timezone.now()
    retention_defaults()
    holds = LegalHold.objects.filter(released_at__isnull=True)
    held_kinds = set(holds.exclude(kind="").values_list("kind", flat=True))
    held_persons = list(holds.filter(person__isnull=False).values_list("person_id", flat=True))
    kinds = _kinds()
    counts: dict[str, int] = {}
    for policy in RetentionPolicy.objects.filter(active=True, kind__in=list(kinds)):
        if policy.kind in held_kinds:
            counts[policy.kind] = 0
            continue
        kind = kinds[policy.kind]
        cutoff = now - dt.timedelta(days=max(policy.days, kind.min_days))
        with transaction.atomic():
            counts[policy.kind] = kind.purge(cutoff, held_persons)
    audit.record(actor=None, action=AuditLog.Action.OTHER, field="保存期限清理", extra={"counts": counts})
    return counts


# --- what privacy itself keeps: closed corrections and the platform's logs ---------------------------------------


def purge_closed_corrections(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    qs = CorrectionRequest.objects.exclude(status=CorrectionRequest.Status.SUBMITTED).filter(created_at__lt=cutoff)
    return qs.exclude(person_id__in=held_person_ids).delete()[0]


def purge_audit_log(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    # AuditLog refuses instance deletes (append-only); the purge is the one sanctioned bulk delete.
    return AuditLog.objects.filter(created_at__lt=cutoff)._raw_delete(AuditLog.objects.db)


def purge_change_log(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    return ObjectChange.objects.filter(created_at__lt=cutoff)._raw_delete(ObjectChange.objects.db)


LOG_FLOOR = {"min_days": AUDIT_MINIMUM_DAYS, "min_reason": "网络安全法第二十一条"}
RETENTION_KINDS = [
    RetentionKind("closed_correction", "已办结的更正申请", 365 * 3, purge_closed_corrections,
                  note="个人信息保护法第五十六条：处理记录至少 3 年"),
    RetentionKind("audit_log", "访问记录（不少于 6 个月）", 365 * 3, purge_audit_log,
                  note="网络安全法第二十一条：不少于 6 个月；此处按 3 年", **LOG_FLOOR),
    RetentionKind("change_log", "变更记录（不少于 6 个月）", 365 * 3, purge_change_log,
                  note="不少于 6 个月；此处按 3 年", **LOG_FLOOR),
]  # fmt: skip
