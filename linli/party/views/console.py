"""Console pages (中屏) for party secretaries and the 组织部: org tree, members, meetings, compliance, 双报到."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from linli.core import xlsx
from linli.core.errors import DomainError
from linli.core.masking import mask_name
from linli.core.permissions import requires
from linli.core.scoping import can, restrict
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView
from linli.party import selectors, services
from linli.party.filtersets import DisclosureFilterSet, MeetingFilterSet, MemberFilterSet, OrganizationFilterSet
from linli.party.forms import (
    AttendanceForm,
    CycleForm,
    DisclosureForm,
    MeetingForm,
    MinutesForm,
    ReviewForm,
    UnmaskForm,
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
            can_change=can(user, "partymeeting.change", meeting),
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
        return context


class PositionListView(ObjectListView):
    kind = "partyposition"
    title = "服务岗位（双报到认岗）"
    columns = [
        Column("岗位", "name"),
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
        ("在职党员", ["姓名", "工作单位", "岗位", "服务时长（小时）", "认领微心愿", "参加活动"],
         [[r["name"], r["unit"], r["position"], r["hours"], r["wishes"], r["activities"]] for r in data["members"]]),
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
