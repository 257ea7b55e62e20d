"""Reads of dataio with their rules: the import ledger, exports, corrections, consent, and the person audit trail."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from linli.core.models import AuditLog, ObjectChange, User
from linli.core.scoping import restrict
from linli.dataio.models import ConsentRecord, CorrectionRequest, ExportDisclosure, ExportJob, ImportBatch, ImportTrace


def batches_for(*, user: User) -> QuerySet[ImportBatch]:
    """Batches in the user's scope, and always the user's own."""
    scoped = restrict(user, "importbatch.view", ImportBatch.objects.all()).values("pk")
    return ImportBatch.objects.filter(Q(pk__in=scoped) | Q(actor=user)).select_related("actor")


def exports_for(*, user: User) -> QuerySet[ExportJob]:
    """An export is served to its owner only (not even to administrators)."""
    return ExportJob.objects.filter(owner=user)


def corrections_for(*, user: User) -> QuerySet[CorrectionRequest]:
    return restrict(user, "correction.view", CorrectionRequest.objects.select_related("person", "requested_by"))


def consents_for(*, user: User) -> QuerySet[ConsentRecord]:
    return restrict(user, "consent.view", ConsentRecord.objects.select_related("person", "guardian", "text", "tag"))


def person_trail(*, person_ids: list[int], actor: str = "", since=None, until=None, actions: list[str] | None = None):
    """Everything recorded about some persons: accesses (unmask, view), exports that contained them, imports and
    changes of their record and of the records hanging off it (houses they live in, tags, consent, corrections)."""
    from linli.people.models import Person, Residency, TagAssignment

    ct = ContentType.objects.get_for_model
    ids = [str(i) for i in person_ids]
    logs = AuditLog.objects.filter(target_type=ct(Person), target_id__in=ids)
    exports = ExportDisclosure.objects.filter(person_id__in=person_ids).values("export_id")
    export_logs = AuditLog.objects.filter(
        action=AuditLog.Action.EXPORT, extra__export__in=list(exports.values_list("export_id", flat=True))
    )
    batch_ids = set()
    for trace in ImportTrace.objects.filter(model="people.Person").only("batch_id", "ids"):
        if set(trace.ids) & set(person_ids):
            batch_ids.add(trace.batch_id)
    import_logs = AuditLog.objects.filter(target_type=ct(ImportBatch), target_id__in=[str(b) for b in batch_ids])
    accesses = (logs | export_logs | import_logs).distinct()
    residencies = Residency.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    tags = TagAssignment.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    consents = ConsentRecord.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    corrections = CorrectionRequest.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    changes = ObjectChange.objects.filter(
        Q(target_type=ct(Person), target_id__in=ids)
        | Q(target_type=ct(Residency), target_id__in=[str(i) for i in residencies])
        | Q(target_type=ct(TagAssignment), target_id__in=[str(i) for i in tags])
        | Q(target_type=ct(ConsentRecord), target_id__in=[str(i) for i in consents])
        | Q(target_type=ct(CorrectionRequest), target_id__in=[str(i) for i in corrections])
    ).select_related("target_type")
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


def template_regions(*, user: User, action: str) -> tuple[list, dict[str, str]]:
    """Grids and 十联户 where ``user`` may ``action`` (at most 500, in tree order), and their parents' names by path:
    the dropdowns of an import template."""
    from linli.core.models import Region
    from linli.core.scoping import grant_reach

    regions = Region.objects.filter(level__code__in=("grid", "unit")).select_related("level").order_by("path")
    q = grant_reach(user, action).path_q("path") if user is not None else None
    if q is not None:
        regions = regions.filter(q)
    regions = list(regions[:500])
    parents = {p.path: p.name for p in Region.objects.filter(path__in={r.path[: -Region.steplen] for r in regions})}
    return regions, parents
