"""Resident pages of 业主表决 (/m/votes/…): my votes, vote for my units, check a receipt."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from linli.core.errors import DomainError
from linli.participation.votes import selectors, services, tally
from linli.participation.votes.models import OwnerVote, Turnout

LOGIN = "/accounts/login/?next=/m/votes/"
LABELS = {"yes": "同意", "no": "反对", "abstain": "弃权"}


@login_required(login_url=LOGIN)
def my_votes(request):
    votes = list(selectors.votes_for(request.user).order_by("-created_at")[:50])
    return render(request, "participation/votes/resident/my_votes.html", {"votes": votes})


def _own_vote(request, pk) -> OwnerVote:
    vote = selectors.vote_for(request.user, pk)
    if vote is None:
        raise Http404("没有找到该表决。")
    return vote


@login_required(login_url=LOGIN)
def vote_page(request, pk):
    vote = _own_vote(request, pk)
    items = list(vote.items.all())
    units = selectors.units_of_user(request.user, vote)
    voted = selectors.voted_houses(vote, [u.house_id for u in units])
    error, receipt, picked = "", None, {}
    if request.method == "POST":
        house = request.POST.get("house", "")
        picked = {i.index: request.POST.get(f"item_{i.index}", "") for i in items}
        missing = [f"事项{i.index + 1}" for i in items if picked[i.index] not in LABELS]
        if missing:
            error = f"请对{'、'.join(missing)}作出选择（同意、反对或弃权）。"
        else:
            try:
                receipt = services.ballot_cast(
                    actor=request.user, vote=vote, house_id=int(house) if house.isdigit() else 0,
                    choices=[{"item": k, "choice": v} for k, v in picked.items()], channel=Turnout.Channel.APP,
                )  # fmt: skip
            except DomainError as exc:
                error = exc.message
            else:
                voted.add(int(house))
    result = None
    if vote.result:
        result = [
            {"title": i.title, "yes_area": tally.percent(tally.Fraction(r["yes_area"])),
             "yes_owners": tally.percent(tally.Fraction(r["yes_owners"])), "passed": r["passed"]}
            for i, r in zip(items, vote.result["items"], strict=False)
        ]  # fmt: skip
    live = selectors.turnout_live(vote)
    context = {
        "vote": vote,
        "items": items,
        "units": [(u, u.house_id in voted) for u in units],
        "error": error,
        "receipt": receipt,
        "picked": picked,
        "result": result,
        "notice_text": services.results_notice_text(vote) if vote.result else "",
        "area_pct": tally.percent(live["area_share"]),
        "owner_pct": tally.percent(live["owner_share"]),
        "open": vote.status == OwnerVote.Status.OPEN,
    }
    return render(request, "participation/votes/resident/vote.html", context)


@login_required(login_url=LOGIN)
def receipt_check(request, pk):
    vote = _own_vote(request, pk)
    code = request.GET.get("code", "").strip()
    ballot = services.receipt_check(vote=vote, code=code) if code else None
    items = list(vote.items.all())
    rows = [(i, LABELS.get(c, c)) for i, c in zip(items, ballot.choices, strict=False)] if ballot else []
    norm = services.normalise_receipt(code)
    shown = f"{norm[:4]}-{norm[4:8]}-{norm[8:]}" if len(norm) == 12 else code
    context = {"vote": vote, "code": shown, "ballot": ballot, "rows": rows}
    return render(request, "participation/votes/resident/receipt.html", context)
