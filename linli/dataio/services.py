"""Writes of dataio: import batches (upload, dry run, commit, rollback), and the purge of import and export files.

Status changes are compare-and-set with a transition row; audit rows are written by the service that acts.
"""

import datetime as dt
import hashlib
import time

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from linli.core import audit
from linli.core.errors import ConflictError, DomainError
from linli.core.models import AuditLog, User
from linli.core.scoping import has_action, restrict
from linli.core.tabular import find_table, inspect_upload
from linli.core.workflow import transition
from linli.dataio import progress, storage
from linli.dataio.columns import REASON_COLUMN, SPECS
from linli.dataio.importers import IMPORTERS
from linli.dataio.importers.base import Context, ImportAborted
from linli.dataio.models import ExportJob, ImportBatch, ImportTrace, ImportTransition

JOB_THRESHOLD_ROWS = 2000
MAX_UPLOAD_BYTES = 40 * 1024 * 1024
# A running batch whose worker has not beaten for this long is dead (the heartbeat beats every 10 s).
STALE_AFTER_SECONDS = 120

S = ImportBatch.Status


# --- import batches ----------------------------------------------------------------------------------------


def _move(batch: ImportBatch, *, from_: tuple, to: str, actor: User | None, note: str = "", **fields) -> ImportBatch:
    """Compare-and-set the batch status; a lost race raises ConflictError."""
    return transition(
        batch,
        to=to,
        allowed_from=from_,
        record=lambda old: ImportTransition.objects.create(
            batch=batch, from_status=old, to_status=to, actor=actor, note=note[:500]
        ),
        conflict="该导入批次的状态已变化，请刷新页面。",
        **fields,
    )


def _narrowest_region(user: User | None):
    if user is None:
        return None
    regions = [g.region for g in user.active_grants() if g.region_id]
    return max(regions, key=lambda r: len(r.path)) if regions else None


@transaction.atomic
def import_upload(
    *, actor: User, kind: str, file_name: str, data: bytes, create_houses: bool = False, skip_invalid: bool = False
) -> ImportBatch:
    """Record an uploaded ledger (sealed on disk) as a new batch; nothing is read into the registers yet.

    The file is inspected before anything parses it (decompressed size, ratio, real rows, used area): a
    zip bomb is refused here. Large files, and formats whose cost only parsing can tell (.xls, .ods), are read
    by the job worker, never in the web request.
    """
    if kind not in IMPORTERS:
        raise DomainError(f"导入类型：“{kind}”无效，可选 {'/'.join(IMPORTERS)}", field="kind")
    action = IMPORTERS[kind][1]
    if not has_action(actor, action):
        raise DomainError("您没有导入该类数据的权限", field="kind", code="forbidden")
    if not data:
        raise DomainError("文件：文件为空", field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(f"文件：不能超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后上传", field="file")
    name = (file_name or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    if not name.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt")):
        raise DomainError("文件：只支持 .xlsx、.xls、.ods 或 .csv 文件", field="file")
    digest = hashlib.sha256(data).hexdigest()
    region = _narrowest_region(actor)
    inspection = inspect_upload(data, name)
    rows = inspection.rows
    batch = ImportBatch.objects.create(
        kind=kind,
        actor=actor,
        actor_name=str(actor),
        region=region,
        region_path=region.path if region else "",
        file_name=name,
        file_sha256=digest,
        file_size=len(data),
        create_houses=create_houses,
        skip_invalid=skip_invalid,
        rows_total=rows,
        is_job=not inspection.known or inspection.heavy or rows > JOB_THRESHOLD_ROWS,
    )
    batch.stored_file = storage.store_upload(f"{batch.pk}-{digest[:12]}.bin", data)
    batch.save(update_fields=["stored_file"])
    ImportTransition.objects.create(batch=batch, from_status="", to_status=S.PENDING, actor=actor, note=name)
    audit.record(
        actor=actor,
        action=AuditLog.Action.IMPORT,
        target=batch,
        field="上传",
        extra={"kind": kind, "file": name, "sha256": digest, "rows": rows},
    )
    return batch


def _context(batch: ImportBatch, *, commit: bool) -> Context:
    return Context(
        user=batch.actor,
        action=IMPORTERS[batch.kind][1],
        create_houses=batch.create_houses,
        commit=commit,
        batch_id=batch.pk,
        progress=progress.throttled("import", batch.pk),
        skip_invalid=batch.skip_invalid,
    )


def _run(batch: ImportBatch, *, commit: bool):
    data = storage.load_upload(batch.stored_file)
    spec = SPECS[batch.kind]
    table = find_table(data, batch.file_name, spec)
    importer_class = IMPORTERS[batch.kind][0]
    importer = importer_class(_context(batch, commit=commit))
    report = importer.run(table, batch_id=batch.pk)
    meta = {
        "sheet": table.sheet,
        "header_row": table.header_row,
        "columns": table.headers,
        "ignored_columns": table.ignored,
        "unknown_columns": table.unknown,
        "duplicate_columns": table.duplicates,
    }
    report.meta.update(meta)
    if report.by_row:
        from linli.dataio.errorfile import build_error_rows

        report.meta["error_file"] = storage.store_upload(
            f"{batch.pk}-errors.bin", build_error_rows(data, batch.file_name, table, report.by_row)
        )
        report.meta["error_rows"] = len(report.by_row)
    else:
        report.meta["error_file"] = ""
        report.meta["error_rows"] = 0
    for text in table.unknown:
        report.warning(None, text, "无法识别的列，已忽略")
    for text in table.ignored:
        if text != REASON_COLUMN:  # our own problem-rows file coming back
            report.warning(None, text, "本系统不导入该列，已忽略")
    earlier = (
        ImportBatch.objects.filter(file_sha256=batch.file_sha256, kind=batch.kind, status=S.COMMITTED)
        .exclude(pk=batch.pk)
        .order_by("-committed_at")
        .first()
    )
    if earlier is not None:
        report.meta["same_file_batch"] = earlier.pk
        report.warning(
            None,
            "",
            f"同一文件已于 {timezone.localtime(earlier.committed_at):%Y-%m-%d %H:%M} 导入过（批次 #{earlier.pk}），再次导入不会重复登记",
        )
    return report


def _report_fields(report) -> dict:
    return {
        "rows_total": report.rows,
        "rows_done": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_count": report.error_count,
        "report": report.as_dict(),
    }


def import_validate(*, batch: ImportBatch, actor: User | None = None) -> ImportBatch:
    """The dry run: read, check and compare everything, write nothing; the report says what a commit would do."""
    _move(batch, from_=(S.PENDING, S.VALIDATED, S.FAILED), to=S.VALIDATING, actor=actor)
    try:
        with progress.heartbeat("import", batch.pk):
            report = _run(batch, commit=False)
    except DomainError as exc:
        return _fail(batch, actor, exc.message)
    fields = _report_fields(report)
    try:
        _move(batch, from_=(S.VALIDATING,), to=S.VALIDATED, actor=actor, validated_at=timezone.now(), **fields)
    except ConflictError:  # declared dead meanwhile (see import_reap_stale): its failure stands
        batch.refresh_from_db()
    progress.clear_progress("import", batch.pk)
    progress.clear_beat("import", batch.pk)
    return batch


def _fail(batch: ImportBatch, actor, message: str, report=None) -> ImportBatch:
    fields = (
        _report_fields(report)
        if report is not None
        else {
            "report": {"errors": [{"row": None, "column": "", "message": message}], "error_count": 1},
            "error_count": 1,
        }
    )
    if batch.status == S.COMMITTING:
        # Nothing was saved: the counts say so (the report keeps what the rows would have done).
        fields.update(created=0, updated=0, unchanged=0)
    _move(batch, from_=(batch.status,), to=S.FAILED, actor=actor, note=message[:500], **fields)
    progress.clear_progress("import", batch.pk)
    progress.clear_beat("import", batch.pk)
    return batch


def import_commit(*, batch: ImportBatch, actor: User | None, skip_invalid: bool | None = None) -> ImportBatch:
    """Write the batch in one transaction (re-checked against the registers as they are now).

    All rows or none by default; with ``skip_invalid`` the rows with problems are left out and the rest are
    written (the problem rows can be downloaded as a file to fix and upload again).
    """
    _check_may_act(batch, actor)
    if skip_invalid is not None and skip_invalid != batch.skip_invalid:
        ImportBatch.objects.filter(pk=batch.pk).update(skip_invalid=skip_invalid)
        batch.skip_invalid = skip_invalid
    if batch.status == S.VALIDATED and batch.error_count and not batch.skip_invalid:
        raise DomainError(
            "该文件还有问题未解决：请修正后重新上传，或选择“只导入有效行”；全部或不导入时有问题的文件不会导入任何数据"
        )
    _move(batch, from_=(S.VALIDATED, S.PENDING), to=S.COMMITTING, actor=actor)
    report = None
    try:
        with progress.heartbeat("import", batch.pk), transaction.atomic():
            report = _run(batch, commit=True)
            if not report.ok and not batch.skip_invalid:
                raise ImportAborted
            if not report.ok and not (report.created or report.updated or report.unchanged):
                raise ImportAborted
            # The final status is written inside the transaction: if the batch was declared dead meanwhile
            # (import_reap_stale), this raises ConflictError and every row is rolled back with it.
            fields = _report_fields(report)
            _move(batch, from_=(S.COMMITTING,), to=S.COMMITTED, actor=actor, committed_at=timezone.now(), **fields)
            audit.record(
                actor=actor or batch.actor,
                action=AuditLog.Action.IMPORT,
                target=batch,
                field="导入",
                extra={"kind": batch.kind, "file": batch.file_name, "sha256": batch.file_sha256,
                       "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                       "skipped_rows": report.meta.get("error_rows", 0), "details": dict(report.details)},
            )  # fmt: skip
    except ImportAborted:
        if batch.skip_invalid:
            return _fail(batch, actor, "导入未完成：没有可导入的有效行，没有写入任何数据", report)
        return _fail(batch, actor, "导入未完成：发现问题，已全部撤回，没有写入任何数据", report)
    except ConflictError:
        batch.refresh_from_db()
        return batch
    except DomainError as exc:
        return _fail(batch, actor, exc.message)
    except IntegrityError:
        return _fail(batch, actor, "导入未完成：其他人同时登记了相同的记录，已全部撤回，请重新导入")
    storage.remove(batch.stored_file)
    ImportBatch.objects.filter(pk=batch.pk).update(stored_file="")
    progress.clear_progress("import", batch.pk)
    progress.clear_beat("import", batch.pk)
    return batch


DEAD_MESSAGE = (
    "处理中断：后台处理进程意外停止（超过 {minutes} 分钟没有进展），本批没有写入任何数据。"
    "可以点击“重新试导入”再次处理。"
)


def _last_sign_of_life(batch: ImportBatch) -> float:
    beat = progress.last_beat("import", batch.pk) or 0.0
    moved = batch.transitions.filter(to_status=batch.status).order_by("-at").values_list("at", flat=True).first()
    return max(beat, moved.timestamp() if moved else batch.created_at.timestamp())


def import_reap_stale(*, batch: ImportBatch | None = None, now: float | None = None) -> list[int]:
    """Mark batches failed whose worker died mid-way (status still validating/committing, no heartbeat).

    A killed process cannot say it failed: its transaction is rolled back by the database, but the status it
    wrote before (outside that transaction) stays "committing" forever. Its heartbeat stops, though: a batch
    that has not beaten for ``STALE_AFTER_SECONDS`` is failed here with a Chinese message, so it can be retried.
    Called when a batch is looked at (page, progress poll, API) and every five minutes by the worker.
    """
    now = time.time() if now is None else now
    qs = ImportBatch.objects.filter(status__in=(S.VALIDATING, S.COMMITTING))
    if batch is not None:
        if batch.status not in (S.VALIDATING, S.COMMITTING):
            return []
        qs = qs.filter(pk=batch.pk)
    reaped = []
    for item in qs:
        if now - _last_sign_of_life(item) < STALE_AFTER_SECONDS:
            continue
        message = DEAD_MESSAGE.format(minutes=max(1, STALE_AFTER_SECONDS // 60))
        try:
            _move(
                item,
                from_=(item.status,),
                to=S.FAILED,
                actor=None,
                note=message,
                created=0,
                updated=0,
                unchanged=0,
                error_count=1,
                report={**(item.report or {}), "errors": [{"row": None, "column": "", "message": message}],
                        "error_count": 1},
            )  # fmt: skip
        except (ConflictError, OperationalError):  # moved meanwhile, or the database is busy: look again later
            continue
        progress.clear_progress("import", item.pk)
        progress.clear_beat("import", item.pk)
        reaped.append(item.pk)
    if batch is not None and reaped:
        batch.refresh_from_db()
    return reaped


def import_error_file(*, batch: ImportBatch, actor: User) -> bytes:
    """The problem-rows .xlsx of the batch's last run; the download is an audited export of personal data."""
    relative = (batch.report or {}).get("error_file") or ""
    if not relative or not storage.exists(relative):
        raise DomainError("该批次没有问题行文件（没有问题，或已按保存期限删除）")
    data = storage.load_upload(relative)
    audit.record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        target=batch,
        field="问题行",
        extra={"rows": (batch.report or {}).get("error_rows", 0), "file": batch.file_name},
    )
    return data


def import_retry(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """Check a failed batch again from its stored upload (after a dead worker or a changed register)."""
    _check_may_act(batch, actor)
    if batch.status != S.FAILED:
        raise DomainError("只有失败的批次可以重新试导入")
    if not batch.stored_file or not storage.exists(batch.stored_file):
        raise DomainError("上传的文件已按保存期限删除，请重新上传")
    return import_start(batch=batch, actor=actor, commit=False)


def _check_may_act(batch: ImportBatch, actor: User | None) -> None:
    if actor is None or actor.pk == batch.actor_id:
        return
    if not restrict(actor, "importbatch.change", ImportBatch.objects.filter(pk=batch.pk)).exists():
        raise DomainError("您没有操作该导入批次的权限", code="forbidden")


def import_rollback(*, batch: ImportBatch, actor: User) -> dict:
    """Undo a committed batch if nothing later touched its rows; otherwise say which records block it."""
    from linli.dataio import rollback

    _check_may_act(batch, actor)
    if batch.status != S.COMMITTED:
        raise DomainError("只有已导入的批次可以撤销")
    problems = rollback.check(batch)
    if problems:
        raise DomainError(
            f"无法撤销：{problems[0]}" + (f"等 {len(problems)} 处" if len(problems) > 1 else ""),
            errors=[(None, p) for p in problems],
        )
    with transaction.atomic():
        _move(
            batch,
            from_=(S.COMMITTED,),
            to=S.ROLLED_BACK,
            actor=actor,
            rolled_back_at=timezone.now(),
            rolled_back_by=actor,
        )
        counts = rollback.undo(batch, actor=actor)
        audit.record(actor=actor, action=AuditLog.Action.IMPORT, target=batch, field="撤销", extra=counts)
    return counts


def import_start(
    *, batch: ImportBatch, actor: User | None, commit: bool, skip_invalid: bool | None = None
) -> ImportBatch:
    """Dry-run or commit now, or hand a large file to the worker (the page polls its progress)."""
    if skip_invalid is not None and skip_invalid != batch.skip_invalid:
        ImportBatch.objects.filter(pk=batch.pk).update(skip_invalid=skip_invalid)
        batch.skip_invalid = skip_invalid
    if batch.is_job:
        from linli.dataio.tasks import run_import

        progress.set_progress("import", batch.pk, 0, batch.rows_total or 1)
        transaction.on_commit(lambda: run_import(batch.pk, actor.pk if actor else None, commit))
        return batch
    if commit:
        return import_commit(batch=batch, actor=actor)
    return import_validate(batch=batch, actor=actor)


# --- retention (registered in apps.py; privacy.services.retention_purge runs them) ---------------------------


def purge_export_files(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    """Export files older than the policy, or past their own expiry, are deleted; the job stays as 已过期."""
    n = 0
    jobs = ExportJob.objects.filter(file__gt="", created_at__lt=cutoff) | ExportJob.objects.filter(
        file__gt="", expires_at__lt=timezone.now()
    )
    for job in jobs:
        storage.remove(job.file)
        ExportJob.objects.filter(pk=job.pk).update(file="", status=ExportJob.Status.EXPIRED)
        n += 1
    return n


def purge_import_files(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    """Stored uploads and problem-rows files of old batches, and the undo traces of old commits."""
    n = 0
    for batch in ImportBatch.objects.filter(created_at__lt=cutoff).exclude(stored_file=""):
        storage.remove(batch.stored_file)
        ImportBatch.objects.filter(pk=batch.pk).update(stored_file="")
        n += 1
    for batch in ImportBatch.objects.filter(created_at__lt=cutoff, report__has_key="error_file"):
        if not batch.report.get("error_file"):
            continue
        storage.remove(batch.report["error_file"])
        ImportBatch.objects.filter(pk=batch.pk).update(report={**batch.report, "error_file": ""})
        n += 1
    n += ImportTrace.objects.filter(batch__committed_at__lt=cutoff).delete()[0]
    return n
