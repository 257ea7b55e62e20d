"""Console pages (中屏) for party secretaries and the 组织部: org tree, members, meetings, compliance, 双报到."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from linli.core import xlsx
from linli.core.errors import DomainError
from linli.core.masking import mask_name
from linli.core.permissions import requires
from linli.core.scoping import can, restrict
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView
from linli.party import selectors, services
from linli.party.filtersets import (
    CadreFilterSet,
    DisclosureFilterSet,
    MaterialFilterSet,
    MeetingFilterSet,
    MemberFilterSet,
    OrganizationFilterSet,
    PairingFilterSet,
    PositionFilterSet,
    ServiceFilterSet,
    UnitFilterSet,
)
from linli.party.forms import (
    AttendanceForm,
    CadreForm,
    CancelForm,
    ClaimForm,
    CycleForm,
    DisclosureForm,
    MaterialForm,
    MeetingForm,
    MinutesForm,
    PairingEndForm,
    PairingForm,
    PositionForm,
    ProjectForm,
    ProjectProgressForm,
    ResubmitForm,
    ReviewForm,
    ServiceDeleteForm,
    ServiceEditForm,
    ServiceForm,
    TransferForm,
    UnitForm,
    UnmaskForm,
    VisitForm,
    WithdrawForm,
)
from linli.party.models import Attendance, MeetingKind


def _form_errors(form, exc: DomainError) -> None:
    for field, message in exc.errors:
        form.add_error(field if field in form.fields else None, message)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


# --- organisations -------------------------------------------------------------------------------------------------


class OrganizationListView(ObjectListView):
    kind = "partyorg"
    title = "党组织"
    filterset_class = OrganizationFilterSet
    template_name = "party/console/organization_list.html"
    add_url_name = "party:partyorg_add"
    columns = [
        Column("组织名称", "name", link=True),
        Column("类型", "kind"),
        Column("上级组织", "parent.name"),
        Column("所在区域", "region.name"),
        Column("书记/组长", "secretary_name"),
        Column("党员数", "member_total"),
    ]

    def base_queryset(self):
        return selectors.organization_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tree"] = selectors.organization_tree(user=self.request.user) if not self.request.GET else None
        return context


class OrganizationDetailView(ObjectDetailView):
    kind = "partyorg"
    template_name = "party/console/organization_detail.html"

    def base_queryset(self):
        return selectors.organization_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, org = self.request.user, self.object
        year = _year(self.request)
        can_members = can(user, "partymember.view") and user.has_role("party_secretary", "party_office", "admin")
        context.update(
            year=year,
            cycles=sorted(selectors.cycles_for(org).items()),
            cycle_form=CycleForm(),
            can_change=can(user, "partyorg.change", org),
            children=selectors.organization_rows().filter(parent=org).order_by("name"),
            units=org.member_units.all(),
            rates=selectors.member_attendance_rates(user=user, organization=org, year=year) if can_members else None,
            compliance=selectors.compliance(user=user, year=year, organization=org),
        )
        return context


@login_required
@requires("partyorg.change")
def organization_cycle(request, pk):
    org = get_object_or_404(restrict(request.user, "partyorg.change"), pk=pk)
    form = CycleForm(request.POST)
    if form.is_valid():
        try:
            services.cycle_set(actor=request.user, organization=org, **form.cleaned_data)
            messages.success(request, "组织生活周期已保存。")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "每年应开次数：须为 0 到 52 之间的整数。")
    return redirect("party:partyorg_detail", pk=org.pk)


# --- members -------------------------------------------------------------------------------------------------------


class MemberListView(ObjectListView):
    kind = "partymember"
    title = "党员"
    add_url_name = "party:partymember_add"
    filterset_class = MemberFilterSet
    columns = [
        Column("姓名", "person.name", link=True),
        Column("所在党组织", "organization.name"),
        Column("类别", "status"),
        Column("在职状态", "work_status"),
        Column("入党日期", "joined_on"),
        Column("联系电话", "person.phone_masked"),
        Column("先锋岗", "vanguard_post"),
    ]

    def base_queryset(self):
        return selectors.member_rows().filter(is_active=True)


class MemberDetailView(ObjectDetailView):
    kind = "partymember"
    template_name = "party/console/member_detail.html"

    def base_queryset(self):
        return selectors.member_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = self.object
        context.update(
            transfers=selectors.member_transfers(member=member),
            hours=selectors.study_hours(member=member, year=timezone.localdate().year),
            claims=selectors.my_claims(member=member),
            pairings=[
                (p, mask_name(p.household.householder.name) if p.household.householder_id else "—")
                for p in selectors.member_pairings(member=member)
            ],
            unmask_form=UnmaskForm(),
            can_unmask=can(self.request.user, "partymember.unmask", member),
            can_change=can(self.request.user, "partymember.change", member),
        )
        return context


@login_required
@requires("partymember.unmask")
def member_unmask(request, pk):
    member = get_object_or_404(restrict(request.user, "partymember.view", selectors.member_rows()), pk=pk)
    form = UnmaskForm(request.POST)
    value = None
    if form.is_valid():
        try:
            value = services.member_unmask(actor=request.user, member=member, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "查看事由：请填写。")
    if value is not None:
        messages.info(
            request,
            f"{member.person.name} 的{dict(form.fields['field'].choices)[form.cleaned_data['field']]}：{value or '未登记'}（已记录本次查看）",
        )
    return redirect("party:partymember_detail", pk=member.pk)


# --- meetings ------------------------------------------------------------------------------------------------------


class MeetingListView(ObjectListView):
    kind = "partymeeting"
    title = "三会一课"
    filterset_class = MeetingFilterSet
    add_url_name = "party:partymeeting_add"
    columns = [
        Column("会议", "title", link=True),
        Column("类型", "kind"),
        Column("党组织", "organization.name"),
        Column("召开时间", "starts_at"),
        Column("地点", "place"),
        Column("状态", "status"),
    ]

    def base_queryset(self):
        return selectors.meeting_rows()


@login_required
@requires("partymeeting.add")
def meeting_add(request):
    orgs = selectors.organization_choices(user=request.user)
    initial = {"organization": request.GET.get("organization"), "kind": request.GET.get("kind") or MeetingKind.ASSEMBLY}
    form = MeetingForm(request.POST or None, organizations=orgs, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_plan(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "会议已计划，并已通知本组织党员。")
            return redirect("party:partymeeting_detail", pk=meeting.pk)
    return render(
        request, "party/console/form.html", {"form": form, "title": "计划会议", "back": "party:partymeeting_list"}
    )


class MeetingDetailView(ObjectDetailView):
    kind = "partymeeting"
    template_name = "party/console/meeting_detail.html"

    def base_queryset(self):
        return selectors.meeting_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, meeting = self.request.user, self.object
        roll = selectors.meeting_roll(user=user, meeting=meeting)
        present = sum(1 for _, a in roll if a and a.status in ("present", "online"))
        files = list(meeting.files.all())
        context.update(
            roll=roll,
            present=present,
            # A cancelled meeting is closed: no attendance, no minutes (its reason shows instead).
            can_change=meeting.status != "cancelled" and can(user, "partymeeting.change", meeting),
            minutes_form=MinutesForm(
                initial={
                    "minutes": meeting.minutes,
                    "follow_ups": meeting.follow_ups,
                    "follow_ups_done": meeting.follow_ups_done,
                }
            ),
            statuses=Attendance.Status.choices,
            files=files,
            quality=selectors.meeting_quality(meeting, present, len(roll), sum(f.is_photo for f in files)),
        )
        if context["can_change"] and meeting.status == "planned":
            scan = self.request.build_absolute_uri(reverse("party:my_meeting", args=[meeting.pk]))
            context["scan_url"] = f"{scan}?code={meeting.code}"
            context["qr"] = qr_svg(context["scan_url"])
        return context


def _meeting_for_change(request, pk):
    return get_object_or_404(restrict(request.user, "partymeeting.change", selectors.meeting_rows()), pk=pk)


@login_required
@requires("partymeeting.change")
def meeting_attendance(request, pk):
    meeting = _meeting_for_change(request, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        member = get_object_or_404(
            selectors.org_members(user=request.user, organization=meeting.organization), pk=form.cleaned_data["member"]
        )
        try:
            services.attendance_mark(
                actor=request.user, meeting=meeting, member=member,
                status=form.cleaned_data["status"], reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("party:partymeeting_detail", pk=meeting.pk)


@login_required
@requires("partymeeting.change")
def meeting_minutes(request, pk):
    meeting = _meeting_for_change(request, pk)
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_record(actor=request.user, meeting=meeting, **form.cleaned_data)
            messages.success(request, "会议记录已保存，会议已归档为“已召开”。")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "会议记录：请填写会议记录后再归档。")
    return redirect("party:partymeeting_detail", pk=meeting.pk)


@login_required
@requires("partymeeting.change")
def meeting_file(request, pk):
    meeting = _meeting_for_change(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "附件：请选择文件。")
    else:
        try:
            services.meeting_add_file(actor=request.user, meeting=meeting, name=upload.name, content=upload.read())
            messages.success(request, f"已上传：{upload.name}")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("party:partymeeting_detail", pk=meeting.pk)


@login_required
@requires("partymeeting.view")
def meeting_calendar(request):
    today = timezone.localdate()
    try:
        month = dt.date(int(request.GET.get("y", today.year)), int(request.GET.get("m", today.month)), 1)
    except ValueError:
        month = today.replace(day=1)
    import calendar as pycal

    weeks = pycal.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    meetings = restrict(request.user, "partymeeting.view", selectors.meeting_rows()).filter(
        starts_at__date__gte=weeks[0][0], starts_at__date__lte=weeks[-1][-1]
    )
    by_day: dict = {}
    for m in meetings.order_by("starts_at"):
        by_day.setdefault(timezone.localdate(m.starts_at), []).append(m)
    prev = (month - dt.timedelta(days=1)).replace(day=1)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "party/console/calendar.html",
        {
            "month": month,
            "weeks": [[(d, by_day.get(d, [])) for d in w] for w in weeks],
            "prev": prev,
            "next": nxt,
            "today": today,
        },
    )


@login_required
@requires("partymeeting.view")
def compliance(request):
    year = _year(request)
    rows = selectors.compliance(user=request.user, year=year)
    only_behind = request.GET.get("behind") == "1"
    if only_behind:
        rows = [r for r in rows if r.behind]
    kinds = MeetingKind.choices
    return render(
        request,
        "party/console/compliance.html",
        {
            "year": year,
            "rows": rows,
            "kinds": kinds,
            "only_behind": only_behind,
            "behind_count": sum(1 for r in rows if r.behind),
            "years": range(timezone.localdate().year, timezone.localdate().year - 4, -1),
        },
    )


# --- 党务公开 --------------------------------------------------------------------------------------------------------


class DisclosureListView(ObjectListView):
    kind = "partydisclosure"
    title = "党务公开"
    filterset_class = DisclosureFilterSet
    add_url_name = "party:partydisclosure_add"
    template_name = "party/console/disclosure_list.html"
    columns = [
        Column("标题", "title", link=True),
        Column("党组织", "organization.name"),
        Column("公开范围", "audience"),
        Column("状态", "status"),
        Column("提交时间", "created_at"),
    ]

    def base_queryset(self):
        return selectors.disclosure_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["to_review"] = selectors.disclosures_for_review(user=self.request.user)[:20]
        return context


@login_required
@requires("partydisclosure.add")
def disclosure_add(request):
    form = DisclosureForm(request.POST or None, organizations=selectors.organization_choices(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            d = services.disclosure_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已提交审核，审核通过后公开。")
            return redirect("party:partydisclosure_detail", pk=d.pk)
    return render(
        request,
        "party/console/form.html",
        {"form": form, "title": "新建党务公开", "back": "party:partydisclosure_list"},
    )


class DisclosureDetailView(ObjectDetailView):
    kind = "partydisclosure"
    template_name = "party/console/disclosure_detail.html"

    def base_queryset(self):
        return selectors.disclosure_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_review"] = can(self.request.user, "partydisclosure.review", self.object)
        context["can_resubmit"] = self.object.status in ("rejected", "draft") and can(
            self.request.user, "partydisclosure.change", self.object
        )
        context["review_form"] = ReviewForm()
        return context


@login_required
@requires("partydisclosure.review")
def disclosure_review(request, pk):
    d = get_object_or_404(restrict(request.user, "partydisclosure.review", selectors.disclosure_rows()), pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.disclosure_review(
                actor=request.user, disclosure=d, approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )  # fmt: skip
            messages.success(request, "审核完成。")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("party:partydisclosure_detail", pk=d.pk)


# --- 双报到, positions, cadres, report ---------------------------------------------------------------------------------


class UnitListView(ObjectListView):
    kind = "partyunit"
    title = "双报到单位"
    filterset_class = UnitFilterSet
    add_url_name = "party:partyunit_add"
    columns = [
        Column("单位名称", "name", link=True),
        Column("单位党组织", "unit_party_org"),
        Column("报到社区", "community.name"),
        Column("联络人", "contact"),
        Column("报到日期", "reported_on"),
        Column("共建项目", "project_total"),
    ]

    def base_queryset(self):
        return selectors.unit_rows()


class UnitDetailView(ObjectDetailView):
    kind = "partyunit"
    template_name = "party/console/unit_detail.html"

    def base_queryset(self):
        return selectors.unit_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["projects"] = selectors.unit_projects(unit=self.object)
        context["can_change"] = can(self.request.user, "partyunit.change", self.object)
        return context


class PositionListView(ObjectListView):
    kind = "partyposition"
    title = "服务岗位（双报到认岗）"
    filterset_class = PositionFilterSet
    add_url_name = "party:partyposition_add"
    columns = [
        Column("岗位", "name", link=True),
        Column("社区", "community.name"),
        Column("岗位职责", "duties"),
        Column("名额", "quota"),
        Column("已认领", "claimed"),
    ]

    def base_queryset(self):
        return selectors.position_rows()


class CadreListView(ObjectListView):
    kind = "partycadre"
    title = "下沉干部"
    filterset_class = CadreFilterSet
    add_url_name = "party:partycadre_add"
    columns = [
        Column("姓名", "name"),
        Column("派出单位", "unit"),
        Column("下沉社区", "community.name"),
        Column("工作任务", "assignment"),
        Column("下沉日期", "start"),
        Column("结束日期", "end"),
    ]

    def base_queryset(self):
        return selectors.cadre_rows()


def _half(request) -> tuple[int, int]:
    today = timezone.localdate()
    year = _year(request)
    try:
        half = int(request.GET.get("half") or (1 if today.month <= 6 else 2))
    except ValueError:
        half = 1
    return year, 1 if half not in (1, 2) else half


@login_required
@requires("partyunit.view", "partyposition.view")
def report(request):
    year, half = _half(request)
    data = selectors.half_year_report(user=request.user, year=year, half=half)
    if request.GET.get("format") == "xlsx":
        if not can(request.user, "partyunit.export"):
            raise Http404
        return _report_xlsx(data)
    return render(request, "party/console/report.html", {"data": data, "print": request.GET.get("print") == "1"})


def _report_xlsx(data) -> HttpResponse:
    sheets = [
        ("在职党员", ["姓名", "工作单位", "岗位", "服务时长（小时）", "认领微心愿", "参加活动", "结对走访（次）", "帮扶内容"],
         [[r["name"], r["unit"], r["position"], r["hours"], r["wishes"], r["activities"], r["visits"], r["help"]]
          for r in data["members"]]),
        ("报到单位", ["单位", "单位党组织", "服务时长（小时）", "认领微心愿", "参加活动", "共建项目", "投入资金（元）"],
         [[r["name"], r["party_org"], r["hours"], r["wishes"], r["activities"], r["projects"], r["funds"]] for r in data["units"]]),
    ]  # fmt: skip
    import io

    buf = io.BytesIO()
    with xlsx.Workbook(buf) as book:
        for title, header, rows in sheets:
            sheet = book.sheet(title, freeze=True)
            sheet.append(header, header=True)
            for row in rows:
                sheet.append(row)
    body = buf.getvalue()
    name = f"双报到半年报告-{data['year']}年{'上' if data['half'] == 1 else '下'}半年.xlsx"
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@requires("partymember.add")
def member_add(request):
    from linli.party.forms import MemberAddForm

    form = MemberAddForm(request.POST or None, organizations=selectors.organization_choices(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person = selectors.person_by_id_number(data.pop("id_number"))
        if person is None:
            form.add_error("id_number", "身份证号：人口库中没有该人员，请先由社区工作人员登记。")
        else:
            try:
                member = services.member_add(actor=request.user, person=person, **data)
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, f"已登记党员：{person.name}")
                return redirect("party:partymember_detail", pk=member.pk)
    return render(
        request, "party/console/form.html", {"form": form, "title": "登记党员", "back": "party:partymember_list"}
    )


@login_required
@requires("partyorg.add")
def organization_add(request):
    from linli.party.forms import OrganizationAddForm

    form = OrganizationAddForm(
        request.POST or None,
        organizations=selectors.organization_choices(user=request.user),
        regions=selectors.regions_for(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已建立：{org.name}")
            return redirect("party:partyorg_detail", pk=org.pk)
    return render(
        request, "party/console/form.html", {"form": form, "title": "新建党组织", "back": "party:partyorg_list"}
    )


# --- forms that complete the module: transfer, resubmit, cancel, 双报到, 共建, services, cadres, learning, pairing ---


def _form_page(request, form, save, *, title: str, back_url: str, success, multipart: bool = False):
    """Show ``form``; on a valid POST call ``save(data)``, put a DomainError on the form, else go to the object."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, success(obj) if callable(success) else success)
            return redirect(obj.get_absolute_url())
    return render(
        request,
        "party/console/form.html",
        {"form": form, "title": title, "back_url": back_url, "multipart": multipart},
    )


@login_required
@requires("partymember.change")
def member_transfer(request, pk):
    member = get_object_or_404(restrict(request.user, "partymember.change", selectors.member_rows()), pk=pk)
    orgs = selectors.organization_choices(user=request.user).exclude(pk=member.organization_id)
    form = TransferForm(request.POST or None, organizations=orgs)
    return _form_page(
        request, form,
        lambda d: services.member_transfer(actor=request.user, member=member, **d),
        title=f"组织关系转接：{member.person.name}（现在 {member.organization.name}）",
        back_url=member.get_absolute_url(),
        success=lambda m: f"已转入{m.organization.name}，转接记录已保留。",
    )  # fmt: skip


@login_required
@requires("partydisclosure.change")
def disclosure_resubmit(request, pk):
    d = get_object_or_404(restrict(request.user, "partydisclosure.change", selectors.disclosure_rows()), pk=pk)
    if d.status not in ("rejected", "draft"):
        messages.error(request, "只有被退回的事项可以修改后重新提交。")
        return redirect(d.get_absolute_url())
    form = ResubmitForm(request.POST or None, initial={"title": d.title, "body": d.body})
    return _form_page(
        request, form,
        lambda data: services.disclosure_resubmit(actor=request.user, disclosure=d, **data),
        title=f"修改后重新提交：{d.title}",
        back_url=d.get_absolute_url(),
        success="已重新提交审核。",
    )  # fmt: skip


@login_required
@requires("partymeeting.change")
def meeting_cancel(request, pk):
    meeting = _meeting_for_change(request, pk)
    form = CancelForm(request.POST)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"])
            messages.success(request, "会议已取消，已通知本组织党员。")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "取消原因：请填写。")
    return redirect("party:partymeeting_detail", pk=meeting.pk)


def qr_svg(text: str) -> str:
    """An inline SVG QR code (qrcode's SVG path image: no Pillow, no files)."""
    import io

    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    img.save(out)
    return out.getvalue().decode()


# 双报到 units, positions and claims


@login_required
@requires("partyunit.add")
def unit_add(request):
    form = UnitForm(request.POST or None, communities=selectors.communities_for(user=request.user))
    return _form_page(
        request, form, lambda d: services.unit_register(actor=request.user, **d),
        title="登记报到单位", back_url=reverse("party:partyunit_list"), success=lambda u: f"已登记：{u.name}",
    )  # fmt: skip


@login_required
@requires("partyposition.add")
def position_add(request):
    form = PositionForm(request.POST or None, communities=selectors.communities_for(user=request.user))

    def save(d):
        return services.position_create(
            actor=request.user, community=d["community"], name=d["name"], quota=d["quota"], duties=d["duties"]
        )

    return _form_page(
        request, form, save, title="新增服务岗位", back_url=reverse("party:partyposition_list"),
        success=lambda p: f"已新增岗位：{p.name}（{p.quota} 个名额）",
    )  # fmt: skip


class PositionDetailView(ObjectDetailView):
    kind = "partyposition"
    template_name = "party/console/position_detail.html"

    def base_queryset(self):
        return selectors.position_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, position = self.request.user, self.object
        can_claim = can(user, "partyposition.change", position) and can(user, "partymember.view")
        context.update(
            claims=selectors.position_claims(position=position).filter(
                member__in=restrict(user, "partymember.view").values("pk")
            ),
            withdrawn=selectors.position_claims(position=position, withdrawn=True).filter(
                member__in=restrict(user, "partymember.view").values("pk")
            ),
            can_withdraw=can(user, "partyposition.change", position),
            can_claim=can_claim and position.claimed < position.quota,
            full=position.claimed >= position.quota,
        )
        return context


@login_required
@requires("partyposition.change", "partymember.view")
def position_claim(request, pk):
    position = get_object_or_404(restrict(request.user, "partyposition.change", selectors.position_rows()), pk=pk)
    members = restrict(request.user, "partymember.view", selectors.member_rows()).filter(
        is_active=True, work_status="employed"
    )
    units = restrict(request.user, "partyunit.view", selectors.unit_rows()).filter(community_id=position.community_id)
    form = ClaimForm(request.POST or None, members=members, units=units)
    return _form_page(
        request, form,
        lambda d: services.position_claim(actor=request.user, position=position, **d).position,
        title=f"登记认岗：{position.name}（{position.community.name}，名额 {position.quota}）",
        back_url=position.get_absolute_url(), success="已登记认岗。",
    )  # fmt: skip


@login_required
@requires("partyposition.change")
def claim_withdraw(request, pk):
    """撤销认岗 by the secretary: a date and a reason; the place frees up and the claim stays as history."""
    claim = selectors.claim_for_withdraw(user=request.user, pk=pk)
    if claim is None or not can(request.user, "partyposition.change", claim.position):
        raise Http404("没有找到该认岗。")
    form = WithdrawForm(request.POST or None)
    return _form_page(
        request, form,
        lambda d: services.position_withdraw(actor=request.user, claim=claim, on=d["on"], reason=d["reason"]).position,
        title=f"撤销认岗：{claim.member.person.name} · {claim.position.name}（{claim.position.community.name}）",
        back_url=claim.position.get_absolute_url(), success="已撤销认岗，名额已空出，撤销记录保留在岗位页。",
    )  # fmt: skip


# 共建项目 (a unit's yearly projects)


def _unit_for_change(request, pk):
    return get_object_or_404(restrict(request.user, "partyunit.change", selectors.unit_rows()), pk=pk)


@login_required
@requires("partyunit.change")
def project_add(request, pk):
    unit = _unit_for_change(request, pk)
    form = ProjectForm(request.POST or None, initial={"year": timezone.localdate().year})

    def save(d):
        services.project_save(actor=request.user, unit=unit, **d)
        return unit

    return _form_page(
        request, form, save, title=f"新建共建项目书：{unit.name}", back_url=unit.get_absolute_url(),
        success="共建项目已保存。",
    )  # fmt: skip


@login_required
@requires("partyunit.change")
def project_edit(request, pk):
    project = selectors.project_for_change(user=request.user, pk=pk)
    if project is None:
        raise Http404("没有找到该共建项目。")
    initial = {f: getattr(project, f) for f in ("progress", "funds", "materials", "evidence")}
    form = ProjectProgressForm(request.POST or None, initial=initial)
    upload = request.FILES.get("file")

    def save(d):
        services.project_update(actor=request.user, project=project, **d)
        if upload is not None:
            services.project_add_file(actor=request.user, project=project, name=upload.name, content=upload.read())
        return project.unit

    return _form_page(
        request, form, save, title=f"项目进度：{project.title}（{project.unit.name}，{project.year}年）",
        back_url=project.unit.get_absolute_url(), success="项目进度已更新。", multipart=True,
    )  # fmt: skip


# service records


class ServiceListView(ObjectListView):
    kind = "partyunit"
    title = "双报到服务记录"
    filterset_class = ServiceFilterSet
    add_url_name = "party:partyservice_add"
    columns = [
        Column("日期", "on", link=True),
        Column("报到单位", "unit.name"),
        Column("在职党员", "member.person.name"),
        Column("活动内容", "activity"),
        Column("服务时长（小时）", "hours"),
        Column("认领微心愿", "wishes"),
    ]

    def get_queryset(self):
        from django.core.exceptions import PermissionDenied

        from linli.core.scoping import has_action

        if not has_action(self.request.user, "partyunit.view"):
            raise PermissionDenied("没有权限访问该页面。")
        qs = selectors.services_for(user=self.request.user)
        self.filter_errors = []
        self.filterset = ServiceFilterSet(self.request.GET or None, queryset=qs, request=self.request)
        if self.filterset.is_bound and not self.filterset.is_valid():
            from linli.core.views.generic import _labelled

            self.filter_errors = _labelled(self.filterset.form)
            return qs.none()
        return self.filterset.qs


@login_required
@requires("partyunit.change")
def service_add(request):
    members = restrict(request.user, "partymember.change", selectors.member_rows()).filter(is_active=True)
    units = restrict(request.user, "partyunit.change", selectors.unit_rows())
    form = ServiceForm(request.POST or None, members=members, units=units, initial={"on": timezone.localdate()})

    class Done:
        def get_absolute_url(self):
            return reverse("party:partyservice_list")

    def save(d):
        services.service_add(actor=request.user, **d)
        return Done()

    return _form_page(request, form, save, title="登记服务记录", back_url=reverse("party:partyservice_list"),
                      success="服务记录已保存，计入半年报告。")  # fmt: skip


@login_required
@requires("partyunit.view")
def service_edit(request, pk):
    """Correct or delete a service record (the secretary): each with a reason, both audited."""
    record = selectors.service_for_change(user=request.user, pk=pk)
    if record is None:
        raise Http404("没有找到该服务记录，或您无权修改。")
    deleting = request.method == "POST" and "delete_reason" in request.POST
    initial = {"on": record.on, "activity": record.activity, "hours": record.hours, "wishes": record.wishes}
    form = ServiceEditForm(None if deleting else (request.POST or None), initial=initial)
    delete_form = ServiceDeleteForm(request.POST if deleting else None)
    target = form if not deleting else delete_form
    if request.method == "POST" and target.is_valid():
        d = target.cleaned_data
        try:
            if deleting:
                services.service_delete(actor=request.user, record=record, reason=d["delete_reason"])
            else:
                services.service_update(actor=request.user, record=record, **d)
        except DomainError as exc:
            if deleting and exc.field == "reason":
                delete_form.add_error("delete_reason", exc.message)
            else:
                _form_errors(target, exc)
        else:
            messages.success(
                request, "服务记录已删除。" if deleting else "服务记录已更正，半年报告按更正后的数字统计。"
            )
            return redirect("party:partyservice_list")
    who = record.unit.name if record.unit_id else record.member.person.name
    return render(
        request,
        "party/console/service_edit.html",
        {"object": record, "who": who, "form": form, "delete_form": delete_form},
    )


@login_required
@requires("partycadre.add")
def cadre_add(request):
    form = CadreForm(request.POST or None, communities=selectors.communities_for(user=request.user))

    class Done:
        def get_absolute_url(self):
            return reverse("party:partycadre_list")

    def save(d):
        services.cadre_add(actor=request.user, **d)
        return Done()

    return _form_page(request, form, save, title="登记下沉干部", back_url=reverse("party:partycadre_list"),
                      success="下沉干部已登记。")  # fmt: skip


# learning


class MaterialListView(ObjectListView):
    kind = "partyorg"
    title = "党员学习资料"
    filterset_class = MaterialFilterSet
    add_url_name = "party:partymaterial_add"
    columns = [
        Column("学习内容", "title", link=True),
        Column("党组织", "organization.name"),
        Column("学时", "hours"),
        Column("完成期限", "due"),
        Column("布置时间", "created_at"),
    ]

    def get_queryset(self):
        from django.core.exceptions import PermissionDenied

        from linli.core.scoping import has_action
        from linli.core.views.generic import _labelled

        if not has_action(self.request.user, "partymember.view") or not has_action(
            self.request.user, "partyorg.change"
        ):
            raise PermissionDenied("没有权限访问该页面。")
        qs = selectors.materials_for(user=self.request.user)
        self.filter_errors = []
        self.filterset = MaterialFilterSet(self.request.GET or None, queryset=qs, request=self.request)
        if self.filterset.is_bound and not self.filterset.is_valid():
            self.filter_errors = _labelled(self.filterset.form)
            return qs.none()
        return self.filterset.qs


@login_required
@requires("partyorg.change")
def material_add(request):
    form = MaterialForm(request.POST or None, organizations=selectors.organization_choices(user=request.user))
    linked = selectors.learning_linked()
    return _form_page(
        request, form, lambda d: services.material_assign(actor=request.user, **d),
        title="布置学习资料", back_url=reverse("party:partymaterial_list"),
        success=("已布置，党员在“学习园地”学习，学习时长计入学时。" if linked else "已布置，党员学完后点“我已学完”计入学时。"),
    )  # fmt: skip


@login_required
@requires("partyorg.change", "partymember.view")
def material_detail(request, pk):
    material = get_object_or_404(selectors.materials_for(user=request.user), pk=pk)
    rows = selectors.material_completion(user=request.user, material=material)
    return render(
        request,
        "party/console/material_detail.html",
        {
            "object": material,
            "rows": rows,
            "done": sum(1 for _, s in rows if s.done),
            "linked": bool(material.learning_id) and selectors.learning_linked(),
        },
    )


# 结对帮扶


class PairingListView(ObjectListView):
    kind = "partymember"
    action = "change"
    title = "结对帮扶"
    filterset_class = PairingFilterSet
    add_url_name = "party:partypairing_add"
    columns = [
        Column("结对党员", "member.person.name", link=True),
        Column("党组织", "member.organization.name"),
        Column("帮扶家庭（户主）", "householder_masked"),
        Column("困难情况", "need"),
        Column("结对日期", "start"),
        Column("走访次数", "visit_total"),
    ]

    def get_queryset(self):
        from django.core.exceptions import PermissionDenied

        from linli.core.scoping import has_action
        from linli.core.views.generic import _labelled

        if not has_action(self.request.user, "partymember.change"):
            raise PermissionDenied("没有权限访问该页面。")
        qs = selectors.pairings_for(user=self.request.user)
        self.filter_errors = []
        self.filterset = PairingFilterSet(self.request.GET or None, queryset=qs, request=self.request)
        if self.filterset.is_bound and not self.filterset.is_valid():
            self.filter_errors = _labelled(self.filterset.form)
            return qs.none()
        return self.filterset.qs


@login_required
@requires("partymember.change")
def pairing_add(request):
    members = restrict(request.user, "partymember.change", selectors.member_rows()).filter(is_active=True)
    form = PairingForm(request.POST or None, members=members, initial={"member": request.GET.get("member")})

    def save(d):
        person = selectors.person_by_id_number(d["id_number"])
        if person is None or not person.household_id:
            raise DomainError(
                "帮扶对象身份证号：人口库中没有该人员或其未登记户，请先由社区工作人员登记。", field="id_number"
            )
        return services.pairing_create(
            actor=request.user, member=d["member"], household=person.household, need=d["need"], start=d["start"]
        )

    return _form_page(request, form, save, title="新建结对帮扶", back_url=reverse("party:partypairing_list"),
                      success="已结对。")  # fmt: skip


@login_required
@requires("partymember.change")
def pairing_detail(request, pk):
    pairing = get_object_or_404(selectors.pairings_for(user=request.user), pk=pk)
    ending = request.method == "POST" and "reason" in request.POST
    form = VisitForm(None if ending else (request.POST or None), initial={"on": timezone.localdate()})
    end_form = PairingEndForm(request.POST if ending else None)
    if ending and end_form.is_valid():
        try:
            services.pairing_end(
                actor=request.user,
                pairing=pairing,
                on=end_form.cleaned_data["end"],
                reason=end_form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _form_errors(end_form, exc)
        else:
            messages.success(request, "结对已结束，走访记录保留。")
            return redirect(pairing.get_absolute_url())
    if not ending and request.method == "POST" and form.is_valid():
        try:
            services.pairing_visit(actor=request.user, pairing=pairing, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "走访已记录，并写入人口库的走访记录。")
            return redirect(pairing.get_absolute_url())
    householder = pairing.household.householder
    return render(
        request,
        "party/console/pairing_detail.html",
        {
            "object": pairing,
            "householder": mask_name(householder.name) if householder else "—",
            "visits": selectors.pairing_visits(pairing=pairing),
            "form": form,
            "end_form": end_form,
        },
    )
