"""Console pages: import (upload, dry-run report, commit, rollback, templates) and exports."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.core.scoping import can, has_action, restrict
from linli.dataio import exports, progress, selectors, services
from linli.dataio.columns import SPECS
from linli.dataio.forms import ExportForm, ImportUploadForm
from linli.dataio.importers import IMPORTERS
from linli.dataio.models import ExportJob, ImportBatch


def _import_kinds(user) -> list[tuple[str, str]]:
    return [(k, label) for k, label in ImportBatch.Kind.choices if has_action(user, IMPORTERS[k][1])]


# --- imports ---------------------------------------------------------------------------------------------


@login_required
def import_list(request):
    kinds = _import_kinds(request.user)
    if not kinds and not has_action(request.user, "importbatch.view"):
        raise PermissionDenied("没有权限访问该页面。")
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.import_upload(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    file_name=upload.name,
                    data=upload.read(),
                    create_houses=form.cleaned_data["create_houses"],
                    skip_invalid=form.cleaned_data["mode"] == "valid",
                )
                services.import_start(batch=batch, actor=request.user, commit=False)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("dataio:import_detail", pk=batch.pk)
    batches = Paginator(selectors.batches_for(user=request.user).order_by("-created_at", "-pk"), 20)
    page = batches.get_page(request.GET.get("page"))
    return render(
        request,
        "dataio/console/import_list.html",
        {"form": form, "page_obj": page, "kinds": kinds, "title": "批量导入"},
    )


def _batch(request, pk) -> ImportBatch:
    return get_object_or_404(selectors.batches_for(user=request.user), pk=pk)


@login_required
def import_detail(request, pk):
    batch = _batch(request, pk)
    services.import_reap_stale(batch=batch)
    report = batch.report or {}
    errors = report.get("errors", [])
    page = Paginator(errors, 100).get_page(request.GET.get("page"))
    context = {
        "batch": batch,
        "report": report,
        "errors_page": page,
        "progress": _progress(batch),
        "can_act": _can_act(request, batch),
        "valid_rows": batch.created + batch.updated + batch.unchanged,
        "transitions": batch.transitions.select_related("actor"),
        "title": f"导入批次 #{batch.pk}",
    }
    return render(request, "dataio/console/import_detail.html", context)


def _can_act(request, batch: ImportBatch) -> bool:
    return request.user.pk == batch.actor_id or can(request.user, "importbatch.change", batch)


def _progress(batch: ImportBatch) -> dict:
    p = progress.get_progress("import", batch.pk) if batch.is_running else None
    if p and p.get("total"):
        percent = min(99, int(p["done"] * 100 / p["total"]))
        return {"percent": percent, "done": p["done"], "total": p["total"]}
    return {"percent": 0 if batch.is_running else 100, "done": batch.rows_done, "total": batch.rows_total}


@login_required
def import_progress(request, pk):
    """htmx polling target: the status card; once the job is over, the whole page reloads."""
    batch = _batch(request, pk)
    services.import_reap_stale(batch=batch)
    response = render(request, "dataio/partials/import_progress.html", {"batch": batch, "progress": _progress(batch)})
    if not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_commit(request, pk):
    batch = _batch(request, pk)
    mode = request.POST.get("mode")
    try:
        services.import_start(
            batch=batch, actor=request.user, commit=True, skip_invalid=None if mode is None else mode == "valid"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        batch.refresh_from_db()
        if batch.status == ImportBatch.Status.COMMITTED:
            skipped = (batch.report or {}).get("error_rows", 0)
            messages.success(
                request,
                f"已导入：新增 {batch.created}，更新 {batch.updated}，未变化 {batch.unchanged}"
                + (f"；跳过有问题的 {skipped} 行，可下载问题行修改后重新上传。" if skipped else "。"),
            )
        elif batch.status == ImportBatch.Status.FAILED:
            messages.error(request, "导入未完成，已全部撤回，没有写入任何数据。请查看问题列表。")
    return redirect("dataio:import_detail", pk=batch.pk)


@login_required
@require_POST
def import_retry(request, pk):
    batch = _batch(request, pk)
    try:
        services.import_retry(batch=batch, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("dataio:import_detail", pk=batch.pk)


@login_required
def import_errors(request, pk):
    """The problem rows with the user's own columns and 错误原因, to fix and upload again (holds personal data)."""
    batch = _batch(request, pk)
    if not _can_act(request, batch):
        raise PermissionDenied("只有导入人或有权操作该批次的人员可以下载问题行。")
    try:
        data = services.import_error_file(batch=batch, actor=request.user)
    except DomainError as exc:
        raise Http404(exc.message)
    stem = batch.file_name.rsplit(".", 1)[0]
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=f"{stem}-问题行.xlsx")


@login_required
@require_POST
def import_rollback(request, pk):
    batch = _batch(request, pk)
    try:
        counts = services.import_rollback(batch=batch, actor=request.user)
    except DomainError as exc:
        for _, message in exc.errors[:10]:
            messages.error(request, message)
    else:
        messages.success(
            request, f"已撤销该批次：删除 {counts.get('deleted', 0)} 条，恢复 {counts.get('restored', 0)} 条。"
        )
    return redirect("dataio:import_detail", pk=batch.pk)


def _template_choices(kind: str, user) -> dict[str, list[str]]:
    """Dropdown lists of the template's coded columns (the importer also understands the synonyms)."""
    from linli.core.models import Region
    from linli.housing.models import House
    from linli.people.models import ETHNIC_GROUPS, Person, Place

    regions, parents = selectors.template_regions(user=user, action=IMPORTERS[kind][1])

    def short(region) -> str:  # "彩虹社区第一网格" is written "第一网格" within the community
        parent = parents.get(region.path[: -Region.steplen], "")
        name = region.name
        return name[len(parent) :] if parent and name.startswith(parent) and len(name) > len(parent) else name

    grid_names = [short(r) for r in regions if r.level.code == "grid"]
    if len(set(grid_names)) != len(grid_names):
        grid_names = [r.name for r in regions if r.level.code == "grid"]
    unit_names = [r.name for r in regions if r.level.code == "unit"]
    choices = {"grid": grid_names, "household_unit": unit_names}
    if kind == "persons":
        choices.update(
            id_type=[label for _, label in Person.IdType.choices],
            sex=["男", "女"],
            ethnicity=list(ETHNIC_GROUPS),
            person_type=[label for _, label in Person.PersonType.choices],
            political_status=[label for _, label in Person.Political.choices],
            relation=[label for _, label in Person.Relation.choices],
            residency_kind=["业主", "租户", "家属", "其他"],
        )
    elif kind == "houses":
        choices["use"] = [label for _, label in House.Use.choices]
    elif kind == "entities":
        choices["kind"] = ["法人单位", "个体工商户", "社会组织"]
    elif kind == "places":
        choices["kind"] = [label for _, label in Place.Kind.choices]
        choices["fire_risk"] = ["低", "中", "高"]
    return {k: v for k, v in choices.items() if v}


def _template_examples(user, choices: dict) -> dict[str, str]:
    """The example row's address and grid taken from a house the user may see, so the example imports as it is."""
    house = (
        restrict(user, "house.view")
        .select_related("building__compound", "building__grid", "unit")
        .order_by("pk")
        .first()
    )
    examples = {"grid": choices["grid"][0]} if choices.get("grid") else {}
    if house is not None:
        building = house.building
        examples.update(
            compound=building.compound.name if building.compound_id else "",
            building=building.number,
            unit=house.unit.number if house.unit_id else "",
            room=house.number,
        )
        grid_names = choices.get("grid") or []
        short = next((n for n in grid_names if building.grid.name.endswith(n)), None)
        if short:
            examples["grid"] = short
    return examples


@login_required
def import_template(request, kind):
    """A template with the Chinese headers, an example row that imports as it is, dropdowns for coded columns,
    text-formatted ID columns and a help sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = SPECS.get(kind)
    if spec is None or not has_action(request.user, IMPORTERS[kind][1]):
        raise Http404
    book = Workbook()
    ws = book.active
    ws.title = spec.title
    columns = list(spec.columns.values())
    if kind == "persons":
        columns = [c for c in columns if c.key != "address"]  # the template uses the four address columns
    choices = _template_choices(kind, request.user)
    examples = _template_examples(request.user, choices)
    lists = book.create_sheet("选项")
    lists.sheet_state = "hidden"
    list_column = 0
    rows = 2001  # formats and dropdowns reach this far; empty formatted rows are not counted as data
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.label + ("*" if col.key in spec.required else ""))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF7")
        if col.note:
            cell.comment = Comment(col.note, "邻里")
        example = examples.get(col.key, col.example) or None
        ws.cell(row=2, column=i, value=example)
        letter = cell.column_letter
        ws.column_dimensions[letter].width = max(10, len(col.label) * 2 + 4)
        if col.key in ("id_number", "householder_id", "phone", "credit_code", "room", "household_number"):
            for r in range(2, rows + 1):
                ws.cell(row=r, column=i).number_format = "@"
            ws.column_dimensions[letter].width = 22
        options = choices.get(col.key)
        if options:
            list_column += 1
            for r, option in enumerate(options, start=1):
                lists.cell(row=r, column=list_column, value=option)
            source = lists.cell(row=1, column=list_column).column_letter
            check = DataValidation(
                type="list",
                formula1=f"=选项!${source}$1:${source}${len(options)}",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",  # synonyms (党员, 妻子…) are understood too: warn, do not forbid
                errorTitle=col.label,
                error=f"建议从下拉列表中选择{col.label}",
            )
            check.add(f"{letter}2:{letter}{rows}")
            ws.add_data_validation(check)
    ws.freeze_panes = "A2"
    help_sheet = book.create_sheet("填写说明", 1)
    help_sheet.append(["列名", "也可写作", "说明", "示例"])
    for col in spec.columns.values():
        help_sheet.append([col.label, "、".join(col.synonyms), col.note, col.example])
    help_sheet.append([])
    help_sheet.append(["提示", "带 * 的列必填；第 2 行是示例（可以直接试导入），正式导入前请删除或改成真实数据。"])
    help_sheet.append(["提示", "带下拉箭头的列可从列表中选择；表头上方可以有标题行，可以合并单元格。"])
    help_sheet.append(["提示", "身份证号请设为“文本”格式（模板已设好），否则 Excel 只保留 15 位有效数字。"])
    help_sheet.append(["提示", "“网格”写本社区内的网格名即可，如“第一网格”“一网格”“1网格”。"])
    buf = io.BytesIO()
    book.save(buf)
    buf.seek(0)
    return FileResponse(buf, as_attachment=True, filename=f"导入模板-{spec.title}.xlsx")


# --- exports ---------------------------------------------------------------------------------------------


@login_required
def export_list(request):
    page = Paginator(selectors.exports_for(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "dataio/console/export_list.html", {"page_obj": page, "title": "我的导出"})


def _list_view(path: str):
    try:
        match = resolve(path)
    except Resolver404:
        raise Http404
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not hasattr(view_class, "export_xlsx"):
        raise Http404
    return view_class


@login_required
def export_new(request):
    """Choose masked or clear (with a reason) for the list at ``?list=<path>&<its filters>``."""
    source = request.GET.get("list") or request.POST.get("list") or ""
    if not source.startswith("/console/"):
        raise Http404
    view_class = _list_view(source)
    if not has_action(request.user, f"{view_class.kind}.export"):
        raise PermissionDenied("没有导出权限。")
    query = request.GET.copy() if request.method == "GET" else request.POST.copy()
    filters = exports._filters(query)
    can_unmask = has_action(request.user, exports.UNMASK_ACTION) and view_class.kind in exports.UNMASKABLE_KINDS
    form = ExportForm(request.POST or None, can_unmask=can_unmask)
    if request.method == "POST" and form.is_valid():
        try:
            job = exports.export_request(
                user=request.user,
                view_class=view_class,
                path=source,
                filters=filters,
                masked=form.cleaned_data["mode"] != "clear",
                reason=form.cleaned_data.get("reason", ""),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("dataio:export_detail", pk=job.pk)
    return render(
        request,
        "dataio/console/export_new.html",
        {"form": form, "source": source, "filters": filters, "title": f"导出 · {view_class.title}",
         "list_title": view_class.title, "can_unmask": can_unmask},
    )  # fmt: skip


@login_required
def export_detail(request, pk):
    job = get_object_or_404(selectors.exports_for(user=request.user), pk=pk)
    template = "dataio/partials/export_status.html" if request.htmx else "dataio/console/export_detail.html"
    response = render(request, template, {"job": job, "title": f"导出 #{job.pk}"})
    if request.htmx and job.status not in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING):
        response["HX-Refresh"] = "true"
    return response


@login_required
def export_download(request, pk):
    job = get_object_or_404(selectors.exports_for(user=request.user), pk=pk)
    if job.status != ExportJob.Status.DONE or not job.file or job.is_expired:
        raise Http404("文件不存在或已过期。")
    from linli.core import attachments

    if not attachments.exists(job.file):
        raise Http404("文件不存在或已过期。")
    exports.count_download(job=job)
    suffix = "" if job.masked else "-明文"
    # Files are sealed at rest; older ones (written before sealing) are plain xlsx and are served as they are.
    stamp = f"{timezone.localtime(job.created_at):%Y%m%d-%H%M}"  # the name says when in local time, like the file
    filename = f"{job.title}-{stamp}{suffix}.xlsx"
    response = FileResponse(
        attachments.chunks(job.file), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
