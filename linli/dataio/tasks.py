"""Jobs: large imports and exports (thin wrappers around services)."""

from huey import crontab
from huey.contrib.djhuey import db_task

from linli.core.jobs import periodic


@db_task()
def run_import(batch_id: int, actor_id: int | None, commit: bool) -> None:
    from linli.core.models import User
    from linli.dataio import services
    from linli.dataio.models import ImportBatch

    batch = ImportBatch.objects.select_related("actor").get(pk=batch_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    if commit:
        services.import_commit(batch=batch, actor=actor)
    else:
        services.import_validate(batch=batch, actor=actor)


@db_task()
def run_export(job_id: int) -> None:
    from linli.dataio import exports

    exports.export_build(job_id=job_id)


@periodic(crontab(minute="*/5"))
def reap_stale_imports() -> None:
    """Fail batches whose worker died mid-way (no heartbeat), so their users see it and can retry."""
    from linli.dataio import services

    services.import_reap_stale()
