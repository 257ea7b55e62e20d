"""Reads of privacy with their rules: corrections, consent, retention, the auditor's person trail, and the
resident's personal-data copy built from the sections the apps registered."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from linli.core import masking
from linli.core.audit import changes_for
from linli.core.models import AuditLog, ObjectChange, User
from linli.core.modules import audit_trails, personal_data_sections
from linli.core.scoping import restrict
from linli.privacy.models import ConsentRecord, ConsentText, CorrectionRequest, LegalHold, RetentionPolicy


def corrections_for(*, user: User) -> QuerySet[CorrectionRequest]:
    return restrict(user, "correction.view", CorrectionRequest.objects.select_related("person", "requested_by"))


def correction_may_handle(*, user: User, item: CorrectionRequest) -> bool:
    return restrict(user, "correction.change", CorrectionRequest.objects.filter(pk=item.pk)).exists()


def my_corrections(*, user: User) -> QuerySet[CorrectionRequest]:
    """The requests the user submitted (for themself or a minor of their household)."""
    return CorrectionRequest.objects.filter(requested_by=user).select_related("person")


def consents_for(*, user: User) -> QuerySet[ConsentRecord]:
    return restrict(user, "consent.view", ConsentRecord.objects.select_related("person", "guardian", "text", "tag"))


def active_consent_texts() -> QuerySet[ConsentText]:
    return ConsentText.objects.filter(is_active=True)


def retention_policies() -> QuerySet[RetentionPolicy]:
    return RetentionPolicy.objects.all()


def legal_holds(*, limit: int = 100) -> list[LegalHold]:
    return list(LegalHold.objects.select_related("person", "created_by")[:limit])


def legal_hold(*, pk) -> LegalHold | None:
    return LegalHold.objects.filter(pk=pk).first()


def person_for(*, user: User, pk, action: str):
    """One person the user may act on (``action``, e.g. ``person.change``), or None."""
    from linli.people.models import Person

    return restrict(user, action, Person.objects.all()).filter(pk=pk).first()


def person_by_id(*, pk):
    """Any person by id: for the auditor (who sees every grid) and the administrator's legal holds."""
    from linli.people.models import Person

    return Person.objects.filter(pk=pk).select_related("region").first()


def me(*, user: User):
    """The resident's own person record, or None when the account is not linked to one."""
    from linli.people.models import Person

    return Person.objects.filter(user=user).select_related("region", "household__house__building__compound").first()


# --- the auditor's trail ---------------------------------------------------------------------------------------


def person_trail(*, person_ids: list[int], actor: str = "", since=None, until=None, actions: list[str] | None = None):
    """Everything recorded about some persons: accesses (unmask, view), exports that contained them, imports and
    changes of their record and of the records hanging off it, as the apps registered them (``m.audit_trail``)."""
    access_qs, change_qs = [], []
    for trail in audit_trails():
        if trail.accesses is not None and (q := trail.accesses(person_ids)) is not None:
            access_qs.append(q)
        if trail.changes is not None and (q := trail.changes(person_ids)) is not None:
            change_qs.append(q)
    accesses = AuditLog.objects.filter(_any(access_qs)).distinct() if access_qs else AuditLog.objects.none()
    changes = ObjectChange.objects.filter(_any(change_qs)) if change_qs else ObjectChange.objects.none()
    changes = changes.select_related("target_type")
    if actor:
        accesses = accesses.filter(actor_name__contains=actor)
        changes = changes.filter(actor_name__contains=actor)
    if since:
        accesses = accesses.filter(created_at__date__gte=since)
        changes = changes.filter(created_at__date__gte=since)
    if until:
        accesses = accesses.filter(created_at__date__lte=until)
        changes = changes.filter(created_at__date__lte=until)
    if actions:
        accesses = accesses.filter(action__in=actions)
    return accesses.order_by("-created_at", "-pk"), changes.order_by("-created_at", "-pk")


def _any(qs: list[Q]) -> Q:
    out = qs[0]
    for q in qs[1:]:
        out |= q
    return out


def _targets(model, ids) -> Q:
    from django.contrib.contenttypes.models import ContentType

    return Q(target_type=ContentType.objects.get_for_model(model), target_id__in=[str(i) for i in ids])


def people_accesses(person_ids: list[int]) -> Q:
    from linli.people.models import Person

    return _targets(Person, person_ids)


def people_changes(person_ids: list[int]) -> Q:
    """Changes of the persons' records, their residencies and their tags."""
    from linli.people.models import Person, Residency, TagAssignment

    residencies = Residency.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    tags = TagAssignment.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    return _targets(Person, person_ids) | _targets(Residency, residencies) | _targets(TagAssignment, tags)


def privacy_changes(person_ids: list[int]) -> Q:
    consents = ConsentRecord.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    corrections = CorrectionRequest.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    return _targets(ConsentRecord, consents) | _targets(CorrectionRequest, corrections)


def find_persons(*, text: str, limit: int = 20, actor=None):
    """For the auditor: persons by full ID number (blind index) or by name prefix; masked values only.

    A lookup by full ID number is an exact lookup like the console search: audited (hash only) and counted
    towards the per-user limit (``record_exact_search`` raises ``RateLimitedError`` over it), since the auditor
    sees every grid and a name with a masked number would otherwise confirm guessed numbers for free.
    """
    from linli.core.errors import DomainError
    from linli.core.identity import normalise_text, parse_id_number
    from linli.people.models import Person
    from linli.people.services import id_hash, record_exact_search

    text = normalise_text(text)
    if not text:
        return Person.objects.none()
    if text[:1].isdigit():
        try:
            number = parse_id_number(text)
        except DomainError:
            return Person.objects.none()
        digest = id_hash(Person.IdType.RESIDENT_ID, number)
        if actor is not None:
            record_exact_search(actor=actor, kind="id_number", digest=digest, what="audit")
        return Person.objects.filter(id_number_hash=digest)
    return Person.objects.filter(name__startswith=text).order_by("name", "pk").select_related("region")[:limit]


# --- the personal-data copy (PIPL Art. 45) ---------------------------------------------------------------------


def _day(value):
    return value.isoformat() if value else None


def personal_data_copy(person) -> dict:
    """Everything the platform holds about ``person``: one entry per registered section, in order.

    Their own ID number and phone are in clear, other household members' masked (each section sees to it)."""
    out: dict = {"生成时间": timezone.localtime().isoformat(timespec="seconds")}
    for section in personal_data_sections():
        out[section.label] = section.collect(person)
    return out


def personal_data_account(person) -> dict | None:
    user = person.user
    if user is None:
        return None
    return {"用户名": user.username, "姓名": user.full_name, "手机号": user.phone_masked}


def personal_data_consents(person) -> list[dict]:
    rows = ConsentRecord.objects.filter(person=person).select_related("guardian")
    return [
        {"用途": c.get_purpose_display(), "同意书版本": c.version, "类型": "同意" if c.granted else "撤回",
         "作出人": c.given_by, "时间": _day(c.at), "凭证": c.evidence}
        for c in rows
    ]  # fmt: skip


def personal_data_corrections(person) -> list[dict]:
    return [
        {"项目": c.get_field_display(), "当前": c.current, "申请更正为": c.requested, "状态": c.get_status_display(),
         "答复": c.reply, "时间": _day(c.created_at)}
        for c in CorrectionRequest.objects.filter(person=person)
    ]  # fmt: skip


def personal_data_accesses(person) -> list[dict]:
    """Who looked at the person's record (names masked: the resident learns that, not who exactly)."""
    rows = AuditLog.objects.filter(
        target_type__model="person", target_type__app_label="people", target_id=str(person.pk)
    )[:500]
    return [
        {"时间": _day(a.created_at), "操作人": masking.mask_name(a.actor_name), "动作": a.get_action_display(),
         "字段": a.field, "事由": a.reason}
        for a in rows
    ]  # fmt: skip


def personal_data_changes(person) -> list[dict]:
    return [
        {"时间": _day(c.created_at), "操作人": masking.mask_name(c.actor_name), "动作": c.get_action_display(),
         "变更": {k: [a, b] for k, a, b in c.changed_fields()}}
        for c in changes_for(person)[:500]
    ]  # fmt: skip
