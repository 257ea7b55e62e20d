"""Resident app (小屏): the wish wall, my wishes and claims, activities with 一键报名 and QR check-in, my hours,
points and certificates; and the certificate's public verification page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.core.masking import mask_name
from linli.core.scoping import has_action
from linli.volunteering import certificate as certificate_pdf
from linli.volunteering import selectors, services
from linli.volunteering.forms import CorrectionForm, FulfilForm, JoinForm, ReasonForm, WishForm
from linli.volunteering.models import STAR_LEVELS
from linli.volunteering.views.photo import photo_response

LOGIN = "/accounts/login/?next=/m/wishes/"


def _fail(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


@login_required(login_url=LOGIN)
def wall(request):
    user = request.user
    wishes = list(selectors.wall(user=user)[:100])
    return render(request, "volunteering/resident/wall.html", {
        "wishes": wishes,
        "claimable": selectors.claimable(user=user, wishes=wishes),
        "can_post": has_action(user, "wish.add"),
    })  # fmt: skip


@login_required(login_url=LOGIN)
def wish_new(request):
    if not has_action(request.user, "wish.add"):
        raise Http404
    form = WishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.wish_create(actor=request.user, title=d["title"], content=d["content"], category=d["category"],
                                 address=d["address"])  # fmt: skip
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "心愿已提交，社区审核后会发布到心愿墙。")
            return redirect("volunteering:my_wishes")
    return render(
        request, "volunteering/resident/form.html", {"form": form, "title": "许个微心愿", "submit": "提交心愿"}
    )


@login_required(login_url=LOGIN)
def my_wishes(request):
    user = request.user
    return render(request, "volunteering/resident/my_wishes.html", {
        "mine": selectors.my_wishes(user=user), "claims": selectors.my_claims(user=user),
        "fulfil_form": FulfilForm(), "reason_form": ReasonForm(),
    })  # fmt: skip


@login_required(login_url=LOGIN)
def wish_detail(request, pk):
    wish = selectors.wish_for(user=request.user, pk=pk)
    if wish is None:
        raise Http404("没有找到该心愿。")
    user = request.user
    return render(request, "volunteering/resident/wish_detail.html", {
        "wish": wish, "is_claimer": wish.claimer_id == user.pk, "is_owner": wish.owner_id == user.pk,
        "can_claim": wish.pk in selectors.claimable(user=user, wishes=[wish]),
        "fulfil_form": FulfilForm(), "reason_form": ReasonForm(),
        "claimer_name": mask_name(wish.claimer.display_name) if wish.claimer_id else "",
        "show_photo": bool(wish.fulfil_photo) and user.pk in (wish.owner_id, wish.claimer_id),
        # the resident and the claimer follow the steps (no names, no notes: those stay in the console)
        "steps": selectors.wish_audit(wish=wish) if user.pk in (wish.owner_id, wish.claimer_id) else [],
    })  # fmt: skip


@login_required(login_url=LOGIN)
def wish_photo(request, pk):
    """The fulfilment photo, for the resident whose wish it is (who confirms it) and the claimer."""
    wish = selectors.wish_photo_for(user=request.user, pk=pk)
    if wish is None:
        raise Http404("没有找到该照片。")
    return photo_response(wish)


@login_required(login_url=LOGIN)
@require_POST
def wish_act(request, pk, op):
    user = request.user
    wish = selectors.wish_for(user=user, pk=pk)
    if wish is None:
        raise Http404("没有找到该心愿。")
    try:
        if op == "claim":
            services.wish_claim(wish=wish, actor=user)
            messages.success(request, "认领成功！请在期限内帮心愿人实现心愿。")
        elif op == "give_up":
            services.wish_give_up(wish=wish, actor=user, reason=request.POST.get("reason", ""))
            messages.success(request, "已放弃认领，心愿回到了心愿墙。")
        elif op == "fulfil":
            form = FulfilForm(request.POST, request.FILES)
            if not form.is_valid():
                raise DomainError("；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
            d = form.cleaned_data
            services.wish_fulfil(wish=wish, actor=user, note=d["note"], photo=d["photo"], hours=d["hours"])
            messages.success(request, "已提交实现情况，等待心愿人确认。")
        elif op == "confirm":
            services.wish_confirm(wish=wish, actor=user)
            messages.success(request, "已确认，感谢志愿者的帮助！")
        elif op == "withdraw":
            services.wish_withdraw(wish=wish, actor=user)
            messages.success(request, "心愿已撤回。")
        else:
            raise Http404
    except DomainError as exc:
        _fail(request, exc)
    return redirect("volunteering:resident_wish_detail", pk=wish.pk)


@login_required(login_url=LOGIN)
def ranking(request):
    return render(request, "volunteering/resident/ranking.html", {"ranking": selectors.public_ranking()})


# --- volunteers ------------------------------------------------------------------------------------------------------


@login_required(login_url=LOGIN)
def join(request):
    user = request.user
    if selectors.volunteer_of(user=user) is not None:
        return redirect("volunteering:activities")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_register(
                user=user, consent=form.cleaned_data["consent"], skills=form.cleaned_data["skills"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "注册成功，欢迎加入志愿者队伍！")
            return redirect("volunteering:activities")
    return render(
        request, "volunteering/resident/form.html", {"form": form, "title": "注册志愿者", "submit": "同意并注册"}
    )


@login_required(login_url=LOGIN)
def activities(request):
    user = request.user
    volunteer = selectors.volunteer_of(user=user)
    mine = selectors.my_signups(user=user)
    signed = {s.activity_id: s for s in mine}
    return render(request, "volunteering/resident/activities.html", {
        "activities": selectors.open_activities(user=user)[:50], "volunteer": volunteer, "signed": signed,
        "mine": mine,
    })  # fmt: skip


@login_required(login_url=LOGIN)
@require_POST
def signup(request, pk):
    user = request.user
    activity = selectors.activity_for(user=user, pk=pk)
    volunteer = selectors.volunteer_of(user=user)
    if activity is None:
        raise Http404("没有找到该活动。")
    if volunteer is None:
        messages.info(request, "报名前请先注册志愿者。")
        return redirect("volunteering:join")
    try:
        s = services.activity_signup(activity=activity, volunteer=volunteer)
        messages.success(
            request, "报名成功！" if s.status == "signed" else "名额已满，您已进入候补名单，有人取消时自动补上。"
        )
    except DomainError as exc:
        _fail(request, exc)
    return redirect("volunteering:activities")


@login_required(login_url=LOGIN)
@require_POST
def signup_cancel(request, pk):
    s = selectors.my_signup(user=request.user, pk=pk)
    if s is None:
        raise Http404
    try:
        services.signup_cancel(signup=s, actor=request.user)
        messages.success(request, "已取消报名。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("volunteering:activities")


@login_required(login_url="/accounts/login/")
def scan(request, token):
    """The page the activity's QR code opens: 签到 before, 签退 after."""
    activity = selectors.activity_by_token(token=token)
    if activity is None:
        raise Http404("签到码无效。")
    user = request.user
    if request.method == "POST":
        try:
            if request.POST.get("op") == "out":
                s = services.check_out(activity=activity, token=token, user=user)
                messages.success(request, f"签退成功，本次服务 {s.hours} 小时，待组织者确认。")
            else:
                services.check_in(activity=activity, token=token, user=user)
                messages.success(request, "签到成功！")
        except DomainError as exc:
            _fail(request, exc)
        return redirect("volunteering:scan", token=token)
    mine = next((s for s in selectors.my_signups(user=user) if s.activity_id == activity.pk), None)
    return render(request, "volunteering/resident/scan.html", {"activity": activity, "signup": mine})


@login_required(login_url=LOGIN)
def hours(request):
    user = request.user
    summary = selectors.my_hours(user=user)
    star = summary["star"]
    next_level = next((level for level in STAR_LEVELS if summary["confirmed_hours"] < level), None)
    return render(request, "volunteering/resident/hours.html", {
        "summary": summary, "next_level": next_level, "next_star": star + 1,
        "to_go": (next_level - summary["confirmed_hours"]) if next_level else None,
        "records": selectors.my_records(user=user),
        "signups": selectors.my_signups(user=user), "corrections": selectors.my_corrections(user=user),
        "certificates": selectors.my_certificates(user=user), "stars": range(star), "correction_form": CorrectionForm(),
    })  # fmt: skip


@login_required(login_url=LOGIN)
@require_POST
def correction_new(request, pk):
    s = selectors.my_signup(user=request.user, pk=pk)
    if s is None:
        raise Http404
    form = CorrectionForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
        services.correction_request(signup=s, actor=request.user, hours=form.cleaned_data["hours"],
                                    reason=form.cleaned_data["reason"])  # fmt: skip
        messages.success(request, "更正申请已提交，组织者处理后会更新您的时长。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("volunteering:hours")


@login_required(login_url=LOGIN)
@require_POST
def certificate_new(request):
    try:
        cert = services.certificate_issue(user=request.user)
    except DomainError as exc:
        _fail(request, exc)
        return redirect("volunteering:hours")
    messages.success(request, f"证明已开具：累计 {cert.hours} 小时。可下载 PDF，扫描其中的二维码即可核验。")
    return redirect("volunteering:hours")


@login_required(login_url=LOGIN)
def certificate_download(request, pk):
    cert = selectors.my_certificate(user=request.user, pk=pk)
    if cert is None:
        raise Http404
    url = request.build_absolute_uri(reverse("volunteering:certificate_verify", args=[cert.code]))
    pdf = certificate_pdf.render_pdf(cert, verify_url=url, records=selectors.my_records(user=request.user))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{cert.pk}.pdf"'
    return response


def certificate_verify(request, code):
    """Public: anyone holding the certificate can check it; only a masked name, the hours and the date show."""
    cert = selectors.certificate_by_code(code=code)
    return render(request, "volunteering/public/verify.html", {
        "cert": cert, "name": mask_name(cert.name) if cert else "",
    }, status=200 if cert else 404)  # fmt: skip


# --- points ----------------------------------------------------------------------------------------------------------


@login_required(login_url=LOGIN)
def points(request):
    user = request.user
    return render(request, "volunteering/resident/points.html", {
        "points": selectors.my_points(user=user), "rewards": selectors.rewards_for(user=user),
        "redemptions": selectors.my_redemptions(user=user),
    })  # fmt: skip


@login_required(login_url=LOGIN)
@require_POST
def redeem(request, pk):
    reward = selectors.reward_for(pk=pk)
    if reward is None:
        raise Http404
    try:
        r = services.redeem(user=request.user, reward=reward)
        messages.success(request, f"兑换成功，兑换码 {r.code[:8].upper()}，请到社区服务站出示。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("volunteering:points")
