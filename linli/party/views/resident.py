"""Resident app (小屏) for members: my branch, my meetings with check-in, learning, my 双报到 position."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.party import selectors, services
from linli.party.forms import CheckinForm

LOGIN = "/accounts/login/?next=/m/party/"


@login_required(login_url=LOGIN)
def my_branch(request):
    member = selectors.my_member(user=request.user)
    context = {"member": member, "disclosures": selectors.published_disclosures(user=request.user)[:10]}
    if member is not None:
        year = timezone.localdate().year
        context.update(
            meetings=selectors.my_meetings(user=request.user).filter(status="planned").order_by("starts_at")[:5],
            hours=selectors.study_hours(member=member, year=year),
            year=year,
            claims=selectors.my_claims(member=member),
        )  # fmt: skip
    return render(request, "party/resident/my_branch.html", context)


@login_required(login_url=LOGIN)
def my_meetings(request):
    member = selectors.my_member(user=request.user)
    meetings = selectors.my_meetings(user=request.user).order_by("-starts_at")[:50] if member else []
    return render(request, "party/resident/my_meetings.html", {"member": member, "meetings": meetings})


@login_required(login_url=LOGIN)
def my_meeting(request, pk):
    # A cancelled meeting still opens (its cancellation notice links here) and says why it is off.
    meeting = get_object_or_404(selectors.my_meetings(user=request.user, with_cancelled=True), pk=pk)
    member = selectors.my_member(user=request.user)
    form = CheckinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_checkin(user=request.user, meeting=meeting, **form.cleaned_data)
        except DomainError as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "签到成功。")
            return redirect("party:my_meeting", pk=meeting.pk)
    return render(
        request,
        "party/resident/my_meeting.html",
        {
            "meeting": meeting,
            "member": member,
            "form": form,
            "attendance": selectors.my_attendance(user=request.user, meeting=meeting),
        },
    )


@login_required(login_url=LOGIN)
def my_learning(request):
    member = selectors.my_member(user=request.user)
    if request.method == "POST" and member is not None:
        for m, _ in selectors.my_materials(member=member):
            if str(m.pk) == request.POST.get("material"):
                try:
                    services.study_complete(user=request.user, material=m)
                    messages.success(request, f"已完成学习：{m.title}")
                except DomainError as exc:
                    messages.error(request, exc.message)
        return redirect("party:my_learning")
    year = timezone.localdate().year
    context = {"member": member, "year": year, "linked": selectors.learning_linked()}
    if member is not None:
        context.update(
            items=selectors.my_materials(member=member), hours=selectors.study_hours(member=member, year=year)
        )
    return render(request, "party/resident/my_learning.html", context)


@login_required(login_url=LOGIN)
def my_positions(request):
    """双报到认岗: an in-service member sees the community's positions and claims one with a free place."""
    member = selectors.my_member(user=request.user)
    positions = selectors.open_positions(member=member) if member else []
    if request.method == "POST" and member is not None:
        position = next((p for p in positions if str(p.pk) == request.POST.get("position")), None)
        if position is None:
            messages.error(request, "认岗：请选择本社区的岗位。")
        elif member.work_status != "employed":
            messages.error(request, "认岗：双报到认岗面向在职党员，离退休、流动党员请联系社区党组织。")
        else:
            try:
                services.position_claim(actor=request.user, position=position, member=member)
                messages.success(request, f"已认领：{position.name}")
            except DomainError as exc:
                messages.error(request, exc.message)
        return redirect("party:my_positions")
    mine = {c.position_id: c for c in selectors.my_claims(member=member)} if member else {}
    for p in positions:
        p.my_claim = mine.get(p.pk)
    return render(request, "party/resident/my_positions.html", {"member": member, "positions": positions, "mine": mine})


@login_required(login_url=LOGIN)
def disclosure(request, pk):
    item = get_object_or_404(selectors.published_disclosures(user=request.user), pk=pk)
    return render(request, "party/resident/disclosure.html", {"item": item})


@login_required(login_url=LOGIN)
@require_POST
def claim_withdraw(request, pk):
    """The member withdraws their own claim (撤销认岗) with a reason; the place frees up for someone else."""
    claim = selectors.claim_for_withdraw(user=request.user, pk=pk)
    if claim is None or claim.member.person.user_id != request.user.pk:
        raise Http404("没有找到该认岗。")
    try:
        services.position_withdraw(actor=request.user, claim=claim, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销认岗：{claim.position.name}")
    return redirect("party:my_positions")
