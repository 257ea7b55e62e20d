"""Pages of the notices part: console (list, publish, detail with receipts and the unread list by grid, learning)
and the resident app (/m/notices/: my notices, a notice — opening it is the read receipt —, my learning)."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from linli.core import attachments
from linli.core.errors import DomainError
from linli.core.permissions import requires
from linli.core.scoping import can, has_action
from linli.core.views.generic import Column, ObjectListView, _labelled
from linli.participation.notices import selectors, services
from linli.participation.notices.filtersets import MaterialFilterSet, NoticeFilterSet
from linli.participation.notices.forms import MaterialForm, NoticeForm

RESIDENT_LOGIN = "/accounts/login/?next=/m/notices/"


def _form_errors(form, exc: DomainError) -> None:
    for field, message in exc.errors:
        form.add_error(field if field in form.fields else None, message)


def _download(name: str, key: str) -> HttpResponse:
    response = HttpResponse(
        attachments.read(key), content_type=mimetypes.guess_type(name)[0] or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- console: notices -------------------------------------------------------------------------------------------


class NoticeListView(ObjectListView):
    kind = "notice"
    title = "通知公告"
    filterset_class = NoticeFilterSet
    add_url_name = "participation:notice_add"
    columns = [
        Column("标题", "title", link=True),
        Column("类型", "kind"),
        Column("状态", "state_label"),
        Column("发布范围", "region.name"),
        Column("发送对象", "audience_label"),
        Column("发布时间", "published_at"),
        Column("送达", "recipients"),
        Column("已读", "read_count"),
    ]

    def base_queryset(self):
        return selectors.notice_rows()

    def get_queryset(self):
        user = self.request.user
        if not has_action(user, "notice.view"):
            raise PermissionDenied("没有权限访问该页面。")
        qs = selectors.api_notices(user=user) if selectors.reads_as_staff(user) else selectors.my_notices(user=user)
        self.filterset = NoticeFilterSet(self.request.GET or None, queryset=qs, request=self.request)
        self.filter_errors = []
        if self.filterset.is_bound and not self.filterset.is_valid():
            self.filter_errors = _labelled(self.filterset.form)
            return qs.none()
        return self.filterset.qs


@requires("notice.add")
def notice_add(request):
    choices = selectors.audience_choices(user=request.user)
    form = NoticeForm(request.POST or None, request.FILES or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            notice = services.publish_notice(
                author=request.user,
                region=form.regions_by_id[d["region"]],
                title=d["title"],
                body=d["body"],
                kind=d["kind"],
                audience=form.audience(),
                publish_at=d["publish_at"],
                expires_at=d["expires_at"],
                pinned=d["pinned"],
                files=d["files"],
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            if notice.status == notice.Status.PUBLISHED:
                messages.success(request, f"通知已发布，送达 {notice.recipients} 人。")
            else:
                messages.success(request, "通知已保存，将在定时发布时间自动发布。")
            return redirect("participation:notice_detail", pk=notice.pk)
    return render(request, "participation/notices/console/notice_form.html", {"form": form})


@requires("notice.view")
def notice_detail(request, pk):
    notice = selectors.staff_notice(user=request.user, pk=pk)
    if notice is None:
        raise Http404("没有找到该通知。")
    services.notice_read(user=request.user, notice=notice)  # a notice sent to this staff member's role
    grid = request.GET.get("grid")
    grid = int(grid) if grid and grid.isdigit() else None
    context = {
        "notice": notice,
        "files": selectors.attachments_of(notice),
        "receipts": selectors.receipts(user=request.user, notice=notice, grid_id=grid),
        "grid": grid,
        "can_change": can(request.user, "notice.change", notice),
    }
    return render(request, "participation/notices/console/notice_detail.html", context)


@require_POST
@requires("notice.change")
def notice_act(request, pk, act):
    notice = selectors.staff_notice(user=request.user, pk=pk, action="notice.change")
    if notice is None:
        raise Http404("没有找到该通知。")
    try:
        if act == "withdraw":
            services.notice_withdraw(actor=request.user, notice=notice)
            messages.success(request, "通知已撤回，居民端不再显示。")
        elif act in ("pin", "unpin"):
            services.notice_pin(actor=request.user, notice=notice, pinned=act == "pin")
            messages.success(request, "已置顶。" if act == "pin" else "已取消置顶。")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("participation:notice_detail", pk=notice.pk)


@require_POST
@requires("notice.view")
def notice_inform(request, pk, delivery):
    notice = selectors.staff_notice(user=request.user, pk=pk)
    row = selectors.delivery_for(user=request.user, notice=notice, pk=delivery) if notice else None
    if row is None:
        raise Http404("没有找到该送达记录。")
    try:
        services.delivery_inform(actor=request.user, delivery=row)
        messages.success(request, "已登记上门告知。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{notice.get_absolute_url()}#unread")


@login_required(login_url=RESIDENT_LOGIN)
def notice_file(request, pk, file_pk):
    """An attachment, for whoever may see the notice (staff in scope, or a recipient)."""
    user = request.user
    notice = selectors.staff_notice(user=user, pk=pk) if selectors.reads_as_staff(user) else None
    notice = notice or selectors.my_notice(user=user, pk=pk)
    found = [f for f in selectors.attachments_of(notice) if f.pk == file_pk] if notice else []
    if not found:
        raise Http404("没有找到该附件。")
    return _download(found[0].name, found[0].key)


# --- console: learning ------------------------------------------------------------------------------------------


class LearningMaterialListView(ObjectListView):
    kind = "learningmaterial"
    title = "学习资料"
    filterset_class = MaterialFilterSet
    add_url_name = "participation:learningmaterial_add"
    columns = [
        Column("标题", "title", link=True),
        Column("类型", "kind"),
        Column("发布范围", "region.name"),
        Column("学习对象", "audience_label"),
        Column("要求时长（分钟）", "minutes_required"),
        Column("应学人数", "assigned"),
        Column("发布时间", "created_at"),
    ]

    def base_queryset(self):
        return selectors.material_rows()


@requires("learningmaterial.add")
def material_add(request):
    choices = selectors.audience_choices(user=request.user, action="learningmaterial.add")
    form = MaterialForm(request.POST or None, request.FILES or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            material = services.material_create(
                author=request.user,
                region=form.regions_by_id[d["region"]],
                title=d["title"],
                kind=d["kind"],
                body=d["body"],
                url=d["url"],
                file=d["file"],
                minutes_required=d["minutes_required"],
                audience=form.audience(),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"学习资料已发布，应学 {material.assigned} 人。")
            return redirect(material.get_absolute_url())
    return render(request, "participation/notices/console/material_form.html", {"form": form})


@requires("learningmaterial.view")
def material_detail(request, pk):
    material = selectors.staff_material(user=request.user, pk=pk)
    if material is None:
        raise Http404("没有找到该学习资料。")
    progress = selectors.material_progress(user=request.user, material=material)
    return render(request, "participation/notices/console/material_detail.html",
                  {"material": material, "progress": progress})  # fmt: skip


@login_required(login_url=RESIDENT_LOGIN)
def material_file(request, pk):
    material = selectors.staff_material(user=request.user, pk=pk) or selectors.my_material(user=request.user, pk=pk)
    if material is None or not material.file_key:
        raise Http404("没有找到该文档。")
    return _download(material.file_name, material.file_key)


# --- resident app -----------------------------------------------------------------------------------------------


@login_required(login_url=RESIDENT_LOGIN)
def my_notices(request):
    notices = list(selectors.my_notices(user=request.user)[:100])
    return render(request, "participation/notices/resident/my_notices.html", {"notices": notices})


@login_required(login_url=RESIDENT_LOGIN)
def my_notice_detail(request, pk):
    notice = selectors.my_notice(user=request.user, pk=pk)
    if notice is None:
        raise Http404("没有找到该通知。")
    services.notice_read(user=request.user, notice=notice)
    return render(request, "participation/notices/resident/my_notice_detail.html",
                  {"notice": notice, "files": selectors.attachments_of(notice)})  # fmt: skip


@login_required(login_url=RESIDENT_LOGIN)
def my_learning(request):
    materials = list(selectors.my_materials(user=request.user)[:100])
    for m in materials:
        m.my_minutes = (m.my_seconds or 0) // 60
    return render(request, "participation/notices/resident/my_learning.html", {"materials": materials})


@login_required(login_url=RESIDENT_LOGIN)
def my_material(request, pk):
    material = selectors.my_material(user=request.user, pk=pk)
    if material is None:
        raise Http404("没有找到该学习资料。")
    progress = selectors.my_progress(user=request.user, material=material)
    return render(request, "participation/notices/resident/my_material.html",
                  {"material": material, "progress": progress})  # fmt: skip


@require_POST
@login_required(login_url=RESIDENT_LOGIN)
def study_beat(request, pk):
    """The study page's heartbeat: ``seconds`` studied since the last beat (the page sends it every 30 s)."""
    material = selectors.my_material(user=request.user, pk=pk)
    person = getattr(request.user, "person", None)
    if material is None or person is None:
        raise Http404
    try:
        seconds = int(request.POST.get("seconds", "0"))
    except ValueError:
        return JsonResponse({"error": "学习时长：应为整数秒"}, status=400)
    progress = services.record_study(person, material, seconds)
    return JsonResponse(
        {"minutes": progress.seconds // 60, "seconds": progress.seconds, "completed": progress.completed_at is not None}
    )
