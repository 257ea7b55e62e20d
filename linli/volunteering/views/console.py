"""Console pages (中屏): the wish dashboard and lists, activities with QR check-in and hours, volunteers, teams."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.core.modules import provides
from linli.core.permissions import requires
from linli.core.scoping import has_action
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView
from linli.volunteering import selectors, services
from linli.volunteering.filtersets import ActivityFilterSet, TeamFilterSet, VolunteerFilterSet, WishFilterSet
from linli.volunteering.forms import ActivityForm, StaffWishForm, TeamForm
from linli.volunteering.views.photo import photo_response


def qr_svg(text: str) -> str:
    """An inline SVG QR code (qrcode's SVG path image: no Pillow, no files)."""
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    img.save(out)
    return out.getvalue().decode()


def _fail(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


# --- wishes ----------------------------------------------------------------------------------------------------------


@login_required
@requires("wish.view")
def wish_dashboard(request):
    figures = selectors.wish_dashboard(user=request.user)
    return render(request, "volunteering/console/wish_dashboard.html",
                  {"f": figures, "ranking": selectors.ranking(user=request.user)})  # fmt: skip


class WishListView(ObjectListView):
    kind = "wish"
    title = "微心愿"
    filterset_class = WishFilterSet
    add_url_name = "volunteering:wish_add"
    columns = [
        Column("心愿", "title", link=True),
        Column("心愿人", "public_name"),
        Column("类别", "category"),
        Column("区域", "region.name"),
        Column("状态", "status"),
        Column("认领人", "claimer"),
        Column("完成期限", "claim_deadline"),
        Column("登记时间", "created_at"),
    ]

    def base_queryset(self):
        return selectors.wish_rows()


class WishDetailView(ObjectDetailView):
    kind = "wish"
    template_name = "volunteering/console/wish_detail.html"

    def base_queryset(self):
        return selectors.wish_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, wish = self.request.user, self.object
        is_open = wish.status == "open"
        context.update(
            history=selectors.wish_audit(wish=wish),
            transitions=selectors.wish_history(wish=wish),
            holders=selectors.holder_groups(region_path=wish.region_path) if is_open else [],
            holders_available=provides("party.position_holders"),
            can_see_photo=bool(wish.fulfil_photo) and has_action(user, "wish.change"),
            claims=selectors.wish_claims(wish=wish),
            can_publish=has_action(user, "wish.publish") and wish.status == "pending_review",
            can_dispatch=has_action(user, "wish.dispatch") and wish.status == "open",
            can_confirm=wish.status == "fulfilled" and services.can_confirm(user, wish),
            claimers=selectors.claimer_choices(user=user, region_path=wish.region_path) if is_open else [],
            teams=selectors.teams_near(user=user, region_path=wish.region_path) if is_open else [],
        )
        return context


@login_required
@requires("wish.add")
def wish_add(request):
    regions = selectors.regions_for(user=request.user, action="wish.add")
    form = StaffWishForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = selectors.region_for(user=request.user, action="wish.add", pk=d["region"])
        try:
            wish = services.wish_create(
                actor=request.user, title=d["title"], content=d["content"], category=d["category"],
                beneficiary_name=d["beneficiary_name"], is_minor=d["is_minor"], address=d["address"], region=region,
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已代为登记，请审核后发布。")
            return redirect(wish.get_absolute_url())
    return render(request, "volunteering/console/form.html", {"form": form, "title": "代居民登记微心愿"})


@login_required
@requires("wish.view")
def wish_photo(request, pk):
    """The fulfilment photo, for staff in scope (it is kept sealed in the platform's file storage)."""
    wish = selectors.wish_photo_for(user=request.user, pk=pk, console=True)
    if wish is None:
        raise Http404("没有找到该照片。")
    return photo_response(wish)


@login_required
@require_POST
def wish_act(request, pk, op):
    user = request.user
    needed = {"publish": "wish.publish", "reject": "wish.publish", "dispatch": "wish.dispatch"}.get(op, "wish.change")
    wish = selectors.wish_for(user=user, pk=pk, action=needed)
    if wish is None:
        raise Http404("没有找到该心愿。")
    try:
        if op == "publish":
            services.wish_publish(wish=wish, actor=user)
            messages.success(request, "已发布到心愿墙。")
        elif op == "reject":
            services.wish_reject(wish=wish, actor=user, reason=request.POST.get("reason", ""))
            messages.success(request, "已退回。")
        elif op == "dispatch":
            to_user = (
                selectors.claimer_candidate(user=user, pk=request.POST.get("to_user"), region_path=wish.region_path)
                if request.POST.get("to_user")
                else None
            )
            team = selectors.team_for(user=user, pk=request.POST.get("team")) if request.POST.get("team") else None
            services.wish_dispatch(wish=wish, actor=user, to_user=to_user, team=team)
            messages.success(request, "已派单。")
        elif op == "confirm":
            services.wish_confirm(wish=wish, actor=user)
            messages.success(request, "已代心愿人确认。")
        else:
            raise Http404
    except DomainError as exc:
        _fail(request, exc)
    return redirect(wish.get_absolute_url())


# --- activities ------------------------------------------------------------------------------------------------------


class ActivityListView(ObjectListView):
    kind = "activity"
    title = "志愿活动"
    filterset_class = ActivityFilterSet
    add_url_name = "volunteering:activity_add"
    columns = [
        Column("活动", "title", link=True),
        Column("类别", "category"),
        Column("开始", "starts_at"),
        Column("地点", "place"),
        Column("名额", "quota"),
        Column("已报名", "signed_count"),
        Column("候补", "waiting_count"),
        Column("状态", "status"),
    ]

    def base_queryset(self):
        return selectors.activity_rows()


class ActivityDetailView(ObjectDetailView):
    kind = "activity"
    template_name = "volunteering/console/activity_detail.html"

    def base_queryset(self):
        return selectors.activity_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = self.object
        scan_url = self.request.build_absolute_uri(reverse("volunteering:scan", args=[activity.checkin_token]))
        context.update(
            signups=selectors.activity_signups(activity=activity),
            can_change=has_action(self.request.user, "activity.change"),
            scan_url=scan_url,
            qr=qr_svg(scan_url),
        )
        return context


@login_required
@requires("activity.add")
def activity_add(request):
    user = request.user
    regions = selectors.regions_for(user=user, action="activity.add")
    teams = selectors.team_choices(user=user)
    form = ActivityForm(request.POST or None, regions=regions, teams=teams)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.activity_create(
                actor=user, region=selectors.region_for(user=user, action="activity.add", pk=d["region"]),
                title=d["title"], place=d["place"], starts_at=d["starts_at"], ends_at=d["ends_at"], quota=d["quota"],
                description=d["description"], category=d["category"],
                team=next((t for t in teams if str(t.pk) == d["team"]), None),
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "活动已发布，居民可以报名了。")
            return redirect(activity.get_absolute_url())
    return render(request, "volunteering/console/form.html", {"form": form, "title": "发布志愿活动"})


@login_required
@require_POST
def activity_finish(request, pk):
    activity = selectors.activity_for(user=request.user, pk=pk, action="activity.change")
    if activity is None:
        raise Http404("没有找到该活动。")
    n = services.activity_finish(activity=activity, actor=request.user)
    messages.success(request, f"活动已结束。{n} 人未签退，请核定其时长。" if n else "活动已结束。")
    return redirect(activity.get_absolute_url())


@login_required
@require_POST
def signup_confirm(request, pk):
    signup = selectors.signup_for_organiser(user=request.user, pk=pk)
    if signup is None:
        raise Http404("没有找到该报名。")
    try:
        services.signup_confirm(signup=signup, actor=request.user, hours=request.POST.get("hours") or None,
                                note=request.POST.get("note", ""))  # fmt: skip
        messages.success(request, f"已确认 {signup.volunteer.name} 的服务时长 {signup.hours} 小时。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect(signup.activity.get_absolute_url())


@login_required
@requires("activity.change")
def correction_list(request):
    return render(request, "volunteering/console/corrections.html",
                  {"rows": selectors.pending_corrections(user=request.user)})  # fmt: skip


@login_required
@require_POST
def correction_decide(request, pk):
    correction = selectors.correction_for(user=request.user, pk=pk)
    if correction is None:
        raise Http404("没有找到该申请。")
    try:
        services.correction_decide(correction=correction, actor=request.user, approve=request.POST.get("approve") == "1",
                                   note=request.POST.get("note", ""))  # fmt: skip
        messages.success(request, "已处理更正申请。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("volunteering:correction_list")


# --- volunteers and teams --------------------------------------------------------------------------------------------


class VolunteerListView(ObjectListView):
    kind = "volunteer"
    title = "志愿者"
    filterset_class = VolunteerFilterSet
    columns = [
        Column("姓名", "name", link=True),
        Column("区域", "region.name"),
        Column("党员", "is_party_member"),
        Column("特长", "skills"),
        Column("状态", "status"),
        Column("注册时间", "created_at"),
    ]

    def base_queryset(self):
        return selectors.volunteer_rows()


class VolunteerDetailView(ObjectDetailView):
    kind = "volunteer"
    template_name = "volunteering/console/volunteer_detail.html"

    def base_queryset(self):
        return selectors.volunteer_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            records=selectors.my_records(user=self.object.user), hours=selectors.my_hours(user=self.object.user)
        )
        return context


class TeamListView(ObjectListView):
    kind = "team"
    title = "志愿服务队"
    filterset_class = TeamFilterSet
    add_url_name = "volunteering:team_add"
    columns = [
        Column("队名", "name", link=True),
        Column("类型", "kind"),
        Column("社区", "region.name"),
        Column("队长", "leader"),
        Column("人数", "member_count"),
    ]

    def base_queryset(self):
        return selectors.team_rows()


class TeamDetailView(ObjectDetailView):
    kind = "team"
    template_name = "volunteering/console/team_detail.html"

    def base_queryset(self):
        return selectors.team_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.team_members(team=self.object)
        return context


@login_required
@requires("team.add")
def team_add(request):
    user = request.user
    regions = selectors.regions_for(user=user, action="team.add")
    form = TeamForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            team = services.team_create(actor=user, region=selectors.region_for(user=user, action="team.add", pk=d["region"]),
                                        name=d["name"], kind=d["kind"], description=d["description"])  # fmt: skip
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect(team.get_absolute_url())
    return render(request, "volunteering/console/form.html", {"form": form, "title": "新建志愿服务队"})


# --- 爱心积分 redemptions ------------------------------------------------------------------------------------------


@login_required
@requires("volunteer.change")
def redemption_list(request):
    return render(request, "volunteering/console/redemptions.html",
                  {"rows": selectors.redemptions_for(user=request.user)})  # fmt: skip


@login_required
@require_POST
@requires("volunteer.change")
def redemption_reverse(request, pk):
    redemption = selectors.redemption_for(user=request.user, pk=pk)
    if redemption is None:
        raise Http404("没有找到该兑换记录。")
    reason = request.POST.get("reason", "").strip()
    try:
        if not reason:
            raise DomainError("退回原因：请填写", field="reason")
        services.points_reverse(
            entry=redemption.entry, actor=request.user, memo=f"退回兑换：{redemption.reward.name}（{reason}）"
        )
        messages.success(request, "已退回积分，库存已恢复。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("volunteering:redemption_list")
