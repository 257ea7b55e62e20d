"""Exports of console lists: what the current filters show, masked unless the user may unmask and gives a reason.

Every export is an ExportJob (the exporter's own ledger) and one AuditLog EXPORT row. Small ones are answered at
once; large ones are written by the worker, streaming: rows come from ``.iterator(chunk_size=2000)`` and go
straight into a deflated zip member (linli.core.xlsx, a small writer that is ten times faster than openpyxl's
write-only mode), so no list of rows and no whole file is held in memory. The file waits in the storage (``exports/``, sealed) for its owner only, until it expires.

Lists of persons, households, houses, organisations and places have export columns of their own (the persons
columns carry the import template's headers, so a clear export goes back in unchanged); any other console list is
exported with its on-screen columns, masked.
"""

import datetime as dt
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.http import FileResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.utils import timezone
from django.utils.module_loading import import_string

from linli.core import attachments, audit, bulk, crypto, masking, scoping
from linli.core.errors import DomainError
from linli.core.identity import age_on, id_birth_date
from linli.core.models import AuditLog, User
from linli.dataio.importers.base import path_checker
from linli.dataio.models import ExportDisclosure, ExportJob

SYNC_LIMIT = 2000
CHUNK = 2000
TTL = dt.timedelta(hours=24)
UNMASK_ACTION = "person.unmask"


@dataclass
class ExportContext:
    user: User
    masked: bool
    can_unmask: Callable[[str], bool]
    tag_level: int

    def clear(self, obj) -> bool:
        return not self.masked and self.can_unmask(getattr(obj, "region_path", "") or "")


@dataclass
class Col:
    header: str
    value: Callable[[Any, ExportContext], Any]
    width: int = 14


def _secret(masked_attr: str, enc_attr: str):
    def value(obj, ctx: ExportContext):
        if obj is None:
            return ""
        if ctx.clear(obj):
            return crypto.decrypt(getattr(obj, enc_attr))
        return getattr(obj, masked_attr)

    return value


def _attr(path: str):
    def value(obj, ctx):
        for part in path.split("."):
            if obj is None:
                return ""
            display = getattr(obj, f"get_{part}_display", None)
            obj = display() if callable(display) else getattr(obj, part, "")
        return obj if obj is not None else ""

    return value


def _home(obj, ctx):
    homes = getattr(obj, "current_homes", [])
    return str(homes[0].house) if homes else ""


def _home_kind(obj, ctx):
    homes = getattr(obj, "current_homes", [])
    return homes[0].get_kind_display() if homes else ""


def _other_homes(obj, ctx):
    homes = getattr(obj, "current_homes", [])
    return "；".join(f"{h.house}（{h.get_kind_display()}）" for h in homes[1:])


def _tags(obj, ctx):
    return "，".join(a.tag.name for a in getattr(obj, "visible_tags", []))


def _householder_id(obj, ctx):
    household = obj.household if obj.household_id else None
    head = household.householder if household is not None and household.householder_id else None
    if head is None:
        return ""
    if ctx.clear(obj):
        return crypto.decrypt(head.id_number_enc)
    return head.id_number_masked


def _persons_qs(qs, ctx: ExportContext):
    from linli.people.models import Residency, TagAssignment

    homes = Residency.objects.filter(end__isnull=True).select_related("house__building__compound", "house__unit")
    tags = TagAssignment.objects.filter(tag__sensitivity__lte=ctx.tag_level).select_related("tag").order_by("tag__code")
    return qs.select_related("region", "household__householder").prefetch_related(
        Prefetch("residencies", queryset=homes.order_by("-start", "-pk"), to_attr="current_homes"),
        Prefetch("tag_assignments", queryset=tags, to_attr="visible_tags"),
    )


PERSON_COLUMNS = [
    Col("姓名", _attr("name"), 10),
    Col("证件类型", _attr("id_type"), 10),
    Col("身份证号", _secret("id_number_masked", "id_number_enc"), 21),
    Col("性别", _attr("sex"), 6),
    Col("年龄", lambda o, c: o.age, 6),
    Col("联系电话", _secret("phone_masked", "phone_enc"), 14),
    Col("民族", _attr("ethnicity"), 8),
    Col("户籍地", _attr("hukou_address"), 24),
    Col("人员类型", _attr("person_type"), 10),
    Col("政治面貌", _attr("political_status"), 10),
    Col("与户主关系", _attr("relation"), 10),
    Col("户主身份证号", _householder_id, 21),
    Col("户号", lambda o, c: o.household.number if o.household_id else "", 12),
    Col("人房关系", _home_kind, 8),
    Col("住址", _home, 28),
    Col("其他房屋", _other_homes, 20),
    Col("网格", _attr("region.name"), 14),
    Col("标签", _tags, 16),
    Col("工作单位", _attr("workplace"), 18),
    Col("备注", _attr("notes"), 20),
]

HOUSEHOLD_COLUMNS = [
    Col("户", lambda o, c: str(o), 16),
    Col("户号", _attr("number"), 12),
    Col("户主", _attr("householder.name"), 10),
    Col(
        "户主身份证号",
        lambda o, c: _secret("id_number_masked", "id_number_enc")(o.householder, c) if o.householder_id else "",
        21,
    ),
    Col("住址", lambda o, c: str(o.house) if o.house_id else "", 28),
    Col("成员数", lambda o, c: o.export_members, 8),
]

HOUSE_COLUMNS = [
    Col("房屋", lambda o, c: o.short_address, 24),
    Col("小区", lambda o, c: o.building.compound.name if o.building.compound_id else "", 14),
    Col("楼栋", _attr("building.number"), 8),
    Col("单元", lambda o, c: o.unit.number if o.unit_id else "", 6),
    Col("房号", _attr("number"), 8),
    Col("楼层", _attr("floor"), 6),
    Col("建筑面积", _attr("area"), 10),
    Col("房屋用途", _attr("use"), 10),
    Col("网格", _attr("building.grid.name"), 14),
    Col("十联户", lambda o, c: o.household_unit.name if o.household_unit_id else "", 16),
    Col("现住人数", lambda o, c: o.export_residents, 8),
]

ENTITY_COLUMNS = [
    Col("名称", _attr("name"), 24),
    Col("类型", _attr("kind"), 10),
    Col("统一社会信用代码", _attr("credit_code"), 20),
    Col("法定代表人/负责人", _attr("legal_person"), 12),
    Col("联系电话", _secret("phone_masked", "phone_enc"), 14),
    Col("网格", _attr("grid.name"), 14),
    Col("地址", _attr("address"), 24),
    Col("从业人数", _attr("employees"), 8),
    Col("纬度", _attr("lat"), 11),
    Col("经度", _attr("lng"), 11),
]

PLACE_COLUMNS = [
    Col("名称", _attr("name"), 20),
    Col("类型", _attr("kind"), 10),
    Col("经营单位", _attr("entity.name"), 20),
    Col("负责人", _attr("contact_name"), 10),
    Col("联系电话", _secret("phone_masked", "phone_enc"), 14),
    Col("网格", _attr("grid.name"), 14),
    Col("地址", _attr("address"), 24),
    Col("消防风险等级", _attr("fire_risk"), 10),
    Col("纬度", _attr("lat"), 11),
    Col("经度", _attr("lng"), 11),
]

SPECS: dict[str, tuple[Callable, list[Col]]] = {
    "person": (_persons_qs, PERSON_COLUMNS),
    "household": (
        lambda qs, ctx: qs.select_related("householder", "house__building__compound", "house__unit").annotate(
            export_members=Count("members", distinct=True)
        ),
        HOUSEHOLD_COLUMNS,
    ),
    "house": (
        lambda qs, ctx: qs.select_related("building__compound", "building__grid", "unit", "household_unit").annotate(
            export_residents=Count("residencies", filter=Q(residencies__end__isnull=True), distinct=True)
        ),
        HOUSE_COLUMNS,
    ),
    "entity": (lambda qs, ctx: qs.select_related("grid"), ENTITY_COLUMNS),
    "place": (lambda qs, ctx: qs.select_related("grid", "entity"), PLACE_COLUMNS),
}
# Kinds whose export can carry clear ID numbers or phones.
UNMASKABLE_KINDS = {"person", "household", "entity", "place"}


def _kind(model) -> str:
    try:
        return scoping.kind_of(model)
    except LookupError:
        return model._meta.model_name


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | str | dt.date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def _context(user: User, masked: bool) -> ExportContext:
    return ExportContext(
        user=user,
        masked=masked,
        can_unmask=path_checker(user, UNMASK_ACTION) if not masked else (lambda p: False),
        tag_level=scoping.max_tag_sensitivity(user),
    )


def _person_rows(queryset, ctx: ExportContext):
    """Rows of the persons export from plain values, related data fetched per chunk: no model instances."""
    from linli.people.models import Person, Residency, TagAssignment, year_from_index

    clear = not ctx.masked
    # The mask and the age come from the decrypted ID number: neither is stored in clear (docs/security.md).
    fields = ["pk", "name", "id_type", "id_number_enc", "sex", "birth_year_index", "phone_masked", "ethnicity",
              "hukou_address", "person_type", "political_status", "relation", "household_id", "household__number",
              "household__householder_id", "region__name", "region_path", "workplace", "notes"]  # fmt: skip
    if clear:
        fields += ["phone_enc"]
    today = timezone.localdate()

    def age(number: str, id_type: str, year_index: str):
        if id_type == Person.IdType.RESIDENT_ID and len(number) == 18:
            return age_on(id_birth_date(number), today)
        year = year_from_index(year_index)
        return today.year - year if year else None

    labels = {
        f: dict(Person._meta.get_field(f).flatchoices)
        for f in ("id_type", "sex", "person_type", "political_status", "relation")
    }
    kinds = dict(Residency.Kind.choices)
    buffer: list[dict] = []

    def flush():
        ids = [r["pk"] for r in buffer]
        heads = {r["household__householder_id"] for r in buffer if r["household__householder_id"]}
        head_values = {
            h["pk"]: h for h in Person.objects.filter(pk__in=heads).values("pk", "id_number_enc", "region_path")
        }
        homes: dict[int, list] = {}
        for h in (
            Residency.objects.filter(person_id__in=ids, end__isnull=True)
            .order_by("person_id", "-start", "-pk")
            .values("person_id", "kind", "house__number", "house__unit__number", "house__building__name",
                    "house__building__compound__name")
        ):  # fmt: skip
            unit = f"{h['house__unit__number']}单元" if h["house__unit__number"] else ""
            label = (
                f"{h['house__building__compound__name'] or ''}{h['house__building__name']}{unit}{h['house__number']}室"
            )
            homes.setdefault(h["person_id"], []).append((label, kinds.get(h["kind"], h["kind"])))
        tags: dict[int, list] = {}
        for t in (
            TagAssignment.objects.filter(person_id__in=ids, tag__sensitivity__lte=ctx.tag_level)
            .order_by("person_id", "tag__code")
            .values("person_id", "tag__name")
        ):
            tags.setdefault(t["person_id"], []).append(t["tag__name"])
        for r in buffer:
            show = clear and ctx.can_unmask(r["region_path"] or "")
            number = crypto.decrypt(r["id_number_enc"])
            head = head_values.get(r["household__householder_id"])
            mine = homes.get(r["pk"], [])
            yield (
                r["pk"],
                [
                    r["name"],
                    labels["id_type"].get(r["id_type"], r["id_type"]),
                    number if show else masking.mask_id_number(number),
                    labels["sex"].get(r["sex"], ""),
                    age(number, r["id_type"], r["birth_year_index"]),
                    (crypto.decrypt(r["phone_enc"]) if show else r["phone_masked"]),
                    r["ethnicity"],
                    r["hukou_address"],
                    labels["person_type"].get(r["person_type"], r["person_type"]),
                    labels["political_status"].get(r["political_status"], r["political_status"]),
                    labels["relation"].get(r["relation"], ""),
                    _head_id(head["id_number_enc"], show) if head else "",
                    r["household__number"] or "",
                    mine[0][1] if mine else "",
                    mine[0][0] if mine else "",
                    "；".join(f"{label}（{kind}）" for label, kind in mine[1:]),
                    r["region__name"] or "",
                    "，".join(tags.get(r["pk"], [])),
                    r["workplace"],
                    r["notes"],
                ],
            )

    for row in queryset.values(*fields).iterator(chunk_size=CHUNK):
        buffer.append(row)
        if len(buffer) >= CHUNK:
            yield from flush()
            buffer = []
    if buffer:
        yield from flush()


def _head_id(token: str, show: bool) -> str:
    number = crypto.decrypt(token)
    return number if show else masking.mask_id_number(number)


def write(*, job: ExportJob, queryset, view_columns, target, progress: Callable[[int], None] | None = None) -> int:
    """Write the rows of ``queryset`` into an xlsx at ``target`` (a path or a file); returns the number of rows."""
    from linli.core import xlsx

    ctx = _context(job.owner, job.masked)
    spec = SPECS.get(job.kind)
    if spec is not None:
        columns = spec[1]
    else:
        columns = [Col(c.label, lambda o, _c, col=c: col.value(o)) for c in view_columns]
    if job.kind == "person":
        rows = _person_rows(queryset, ctx)
    else:
        qs = spec[0](queryset, ctx) if spec is not None else queryset
        rows = ((obj.pk, [_cell(col.value(obj, ctx)) for col in columns]) for obj in qs.iterator(chunk_size=CHUNK))
    count = 0
    disclosed: list[ExportDisclosure] = []
    record_people = job.kind == "person"
    with xlsx.Workbook(target) as book:
        sheet = book.sheet(job.title or "导出", widths=[c.width for c in columns], freeze=True)
        sheet.append([c.header for c in columns], header=True)
        for pk, values in rows:
            sheet.append(values)
            count += 1
            if record_people:
                disclosed.append(ExportDisclosure(export_id=job.pk, person_id=pk))
            if count % CHUNK == 0:
                bulk.insert(ExportDisclosure, disclosed)
                disclosed = []
                if progress is not None:
                    progress(count)
        bulk.insert(ExportDisclosure, disclosed)
        about = book.sheet("说明", widths=[16, 60])
        about.append(["导出人", str(job.owner)])
        about.append(["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")])
        about.append(["数据", job.title])
        about.append(["筛选条件", "；".join(f"{k}={v}" for k, v in job.filters.items()) or "无"])
        about.append(["记录数", count])
        about.append(["证件号码与电话", "脱敏" if job.masked else f"明文（事由：{job.reason}）"])
        about.append(["提示", "本文件含个人信息，仅限工作使用，请勿外传，用后及时删除。导出已记入访问记录。"])
    return count


def _audit(job: ExportJob, count: int, result: str = "ok") -> None:
    audit.record(
        actor=job.owner,
        action=AuditLog.Action.EXPORT,
        field=job.title,
        reason=job.reason,
        result=result,
        extra={"count": count, "filters": job.filters, "masked": job.masked, "kind": job.kind, "export": job.pk,
               "path": job.path},
    )  # fmt: skip


def _validate(user: User, kind: str, masked: bool, reason: str) -> str:
    reason = (reason or "").strip()
    if not masked:
        if kind not in UNMASKABLE_KINDS:
            raise DomainError("该列表没有可显示明文的字段", field="masked")
        if not scoping.has_action(user, UNMASK_ACTION):
            raise DomainError("您没有查看明文的权限，只能导出脱敏数据", field="masked", code="forbidden")
        if len(reason) < 4:
            raise DomainError("事由：明文导出请写明事由（至少 4 个字），将记入访问记录", field="reason")
    return reason[:500]


def _view_path(view_class) -> str:
    return f"{view_class.__module__}.{view_class.__qualname__}"


def _filters(query) -> dict:
    return {
        k: v
        for k, v in query.items()
        if k not in ("export", "page", "masked", "reason", "list", "csrfmiddlewaretoken") and v
    }


def list_export(*, request, title: str, columns, queryset, masked: bool = True, reason: str = ""):
    """A console list's "导出 Excel": a file now when small, else a job page to come back to."""
    user = request.user
    kind = _kind(queryset.model)
    reason = _validate(user, kind, masked, reason)
    match = request.resolver_match
    view_class = getattr(match.func, "view_class", None) if match else None
    count = queryset[: SYNC_LIMIT + 1].count()
    job = ExportJob.objects.create(
        owner=user,
        kind=kind,
        title=title or kind,
        view=_view_path(view_class) if view_class else "",
        path=request.path,
        filters=_filters(request.GET),
        masked=masked,
        reason=reason,
        rows_total=count,
        expires_at=timezone.now() + TTL,
    )
    if count > SYNC_LIMIT and view_class is not None:
        job.rows_total = queryset.count()
        job.save(update_fields=["rows_total"])
        from linli.dataio.tasks import run_export

        transaction.on_commit(lambda: run_export(job.pk))
        return HttpResponseRedirect(job.get_absolute_url())
    handle = tempfile.TemporaryFile()
    count = write(job=job, queryset=queryset, view_columns=columns, target=handle)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, rows_done=count, finished_at=timezone.now(), downloads=1
    )
    _audit(job, count)
    handle.seek(0)
    name = f"{job.title}-{timezone.localtime():%Y%m%d-%H%M}{'' if masked else '-明文'}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)


def rebuild(job: ExportJob):
    """The list view's queryset and columns for the job's owner and filters, exactly as the page computes them."""
    view_class = import_string(job.view)
    request = RequestFactory().get(job.path, job.filters)
    request.user = job.owner
    request.htmx = False
    view = view_class()
    view.setup(request)
    view.action = "export"
    return view.get_queryset(), getattr(view, "columns", []), getattr(view, "title", job.title)


def export_request(*, user: User, view_class, path: str, filters: dict, masked: bool, reason: str) -> ExportJob:
    """From the export page: validate, then write now (small) or in the worker (large)."""
    job = ExportJob(owner=user, view=_view_path(view_class), path=path, filters=filters, masked=masked,
                    expires_at=timezone.now() + TTL)  # fmt: skip
    queryset, columns, title = rebuild(job)
    job.kind = _kind(queryset.model)
    job.title = title or job.kind
    job.reason = _validate(user, job.kind, masked, reason)
    job.rows_total = queryset[: SYNC_LIMIT + 1].count()
    job.save()
    if job.rows_total > SYNC_LIMIT:
        job.rows_total = queryset.count()
        job.save(update_fields=["rows_total"])
        from linli.dataio.tasks import run_export

        transaction.on_commit(lambda: run_export(job.pk))
    else:
        export_build(job_id=job.pk)
    return job


def export_build(*, job_id: int) -> ExportJob:
    """Write the job's file in the storage under exports/ (the worker's side of a large export)."""
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    if not ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.PENDING).update(status=ExportJob.Status.RUNNING):
        return job
    try:
        queryset, columns, _ = rebuild(job)
        # Sealed at rest like uploads (attachments, sealed in chunks): the clear workbook only ever lives in memory
        # or in an unnamed temporary file that disappears when closed.
        name = f"exports/{job.pk}-{secrets.token_hex(8)}.xlsx.sealed"

        def progress(done: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

        with tempfile.SpooledTemporaryFile(max_size=32 << 20) as clear:
            count = write(job=job, queryset=queryset, view_columns=columns, target=clear, progress=progress)
            clear.seek(0)
            key = attachments.save_file(name, clear, sealed=True)
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        _audit(job, 0, result="failed")
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        rows_done=count,
        file=key,
        file_size=attachments.size(key),
        finished_at=timezone.now(),
    )
    _audit(job, count)
    job.refresh_from_db()
    return job


def count_download(*, job: ExportJob) -> None:
    """Count one more download of ``job``'s file (done in the database, so two at once both count)."""
    ExportJob.objects.filter(pk=job.pk).update(downloads=F("downloads") + 1)
