"""Reads of dataio with their rules: the import ledger, exports, and what the auditor's person trail needs of them."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from linli.core.models import AuditLog, User
from linli.core.scoping import restrict
from linli.dataio.models import ExportDisclosure, ExportJob, ImportBatch, ImportTrace


def batches_for(*, user: User) -> QuerySet[ImportBatch]:
    """Batches in the user's scope, and always the user's own."""
    scoped = restrict(user, "importbatch.view", ImportBatch.objects.all()).values("pk")
    return ImportBatch.objects.filter(Q(pk__in=scoped) | Q(actor=user)).select_related("actor")


def exports_for(*, user: User) -> QuerySet[ExportJob]:
    """An export is served to its owner only (not even to administrators)."""
    return ExportJob.objects.filter(owner=user)


def trail_accesses(person_ids: list[int]) -> Q:
    """For the auditor's person trail (registered in apps.py): exports that contained the persons, and the import
    batches that created or changed their records."""
    exports = ExportDisclosure.objects.filter(person_id__in=person_ids).values_list("export_id", flat=True)
    export_logs = Q(action=AuditLog.Action.EXPORT, extra__export__in=list(exports))
    batch_ids = set()
    for trace in ImportTrace.objects.filter(model="people.Person").only("batch_id", "ids"):
        if set(trace.ids) & set(person_ids):
            batch_ids.add(trace.batch_id)
    import_logs = Q(
        target_type=ContentType.objects.get_for_model(ImportBatch), target_id__in=[str(b) for b in batch_ids]
    )
    return export_logs | import_logs


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
