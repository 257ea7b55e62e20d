"""Console pages of 业主表决 (/console/participation/votes/…): list, open, electorate, paper ballot entry, turnout,
reminders, extension, close and the result."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.core.permissions import requires
from linli.core.scoping import has_action
from linli.core.views.generic import Column, ObjectListView
from linli.participation.votes import selectors, services, tally
from linli.participation.votes.models import MATTERS, OwnerVote, Turnout

MATTER_CHOICES = [(n, f"{n}. {label}") for n, label in sorted(MATTERS.items())]
SHOWN = 100  # rows of each turnout list on the page
CHOICE_LABELS = {"yes": "同意", "no": "反对", "abstain": "弃权"}


class OwnerVoteListView(ObjectListView):
    kind = "ownervote"
    title = "业主表决"
    add_url_name = "participation:ownervote_add"
    columns = [
        Column("表决名称", "title", link=True),
        Column("小区", "compound.name"),
        Column("公告日期", "notice_date"),
        Column("截止时间", "deadline"),
        Column("状态", "status"),
        Column("专有部分", "units"),
        Column("业主人数", "owners"),
    ]

    def base_queryset(self):
        return selectors.vote_rows()


def _vote(request, pk, action="ownervote.view") -> OwnerVote:
    vote = selectors.vote_for(request.user, pk, action)
    if vote is None:
        raise Http404("没有找到该表决。")
    return vote


class VoteForm(forms.Form):
    compound = forms.TypedChoiceField(label="小区", coerce=int)
    title = forms.CharField(label="表决名称", max_length=200)
    notice_date = forms.DateField(label="公告日期", help_text="表决权人以该日登记的产权为准；为空取今天",
                                  required=False, widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    deadline = forms.DateTimeField(label="截止时间", required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    secret = forms.BooleanField(label="不记名投票（谁投了票与投了什么分开保存）", required=False, initial=True)
    item_title_1 = forms.CharField(label="事项一", max_length=200)
    item_matter_1 = forms.TypedChoiceField(label="事项一类别", choices=MATTER_CHOICES, coerce=int, initial=9)
    item_title_2 = forms.CharField(label="事项二（可选）", max_length=200, required=False)
    item_matter_2 = forms.TypedChoiceField(label="事项二类别", choices=MATTER_CHOICES, coerce=int, initial=9)
    item_title_3 = forms.CharField(label="事项三（可选）", max_length=200, required=False)
    item_matter_3 = forms.TypedChoiceField(label="事项三类别", choices=MATTER_CHOICES, coerce=int, initial=9)

    def __init__(self, *args, compounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].choices = [(c.pk, f"{c.community.name} · {c.name}") for c in compounds]

    def items(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {"title": d[f"item_title_{n}"], "matter": d[f"item_matter_{n}"]}
            for n in (1, 2, 3)
            if d.get(f"item_title_{n}")
        ]


@login_required
@requires("ownervote.add")
def vote_add(request):
    compounds = list(selectors.compounds_for(request.user).select_related("community"))
    form = VoteForm(request.POST or None, compounds=compounds)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        compound = next(c for c in compounds if c.pk == d["compound"])
        try:
            vote = services.vote_create(
                actor=request.user, compound=compound, title=d["title"], items=form.items(),
                notice_date=d["notice_date"], deadline=d["deadline"], secret=d["secret"],
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已发起表决，表决权人已按{vote.notice_date:%Y-%m-%d}的产权登记确定。")
            return redirect(vote)
    return render(request, "participation/votes/console/vote_form.html", {"form": form})


@login_required
@requires("ownervote.view")
def vote_detail(request, pk):
    vote = _vote(request, pk)
    live = selectors.turnout_live(vote)
    items = list(vote.items.all())
    result = vote.result
    rows = []
    if result:
        for item, r in zip(items, result["items"], strict=False):
            rows.append({"item": item, "r": r, **{k: tally.percent(tally.Fraction(r[k])) for k in (
                "yes_area", "yes_owners", "no_area", "no_owners", "abstain_area", "abstain_owners")}})  # fmt: skip
    can_change = has_action(request.user, "ownervote.change")
    context = {
        "object": vote,
        "vote": vote,
        "items": items,
        "live": live,
        "area_pct": tally.percent(live["area_share"]),
        "owner_pct": tally.percent(live["owner_share"]),
        "channels": [(label, live["by_channel"].get(key, 0)) for key, label in Turnout.Channel.choices],
        "result_rows": rows,
        "result_pct": {k: tally.percent(tally.Fraction(result["turnout"][k])) for k in ("area", "owners")}
        if result
        else None,
        "notice_text": services.results_notice_text(vote) if result else "",
        "can_change": can_change and vote.status == OwnerVote.Status.OPEN,
        "can_ballot": has_action(request.user, "ownervote.ballot") and vote.status == OwnerVote.Status.OPEN,
        "tab": request.GET.get("tab", "turnout"),
        "matter": selectors.linked_matter(request.user, vote),
    }
    if context["tab"] == "electorate":
        context["electorate"] = selectors.electorate(vote)
    elif context["tab"] == "turnout":
        context["turnout_rows"] = list(selectors.turnout_rows(vote).order_by("-voted_at", "-pk")[:SHOWN])
        context["not_voted"] = list(selectors.not_voted(vote)[:SHOWN])
        context["not_voted_count"] = vote.units - live["units"]
        context["shown"] = SHOWN
    return render(request, "participation/votes/console/vote_detail.html", context)


class PaperBallotForm(forms.Form):
    house = forms.TypedChoiceField(label="房屋", coerce=int)
    channel = forms.ChoiceField(
        label="投票方式", choices=[("paper", "纸质票"), ("assisted", "协助投票（网格员代为填写）")]
    )
    assisted_by = forms.TypedChoiceField(label="协助人（协助投票时填写）", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, vote=None, units=(), workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assisted_by"].choices = [("", "本人（录入人）")] + [
            (u.pk, u.full_name or u.username) for u in workers
        ]
        self.fields["house"].choices = [(u.house_id, f"{u.house.short_address}（{u.area}㎡）") for u in units]
        for item in vote.items.all():
            self.fields[f"item_{item.index}"] = forms.ChoiceField(
                label=f"事项{item.index + 1}：{item.title}",
                choices=[("yes", "同意"), ("no", "反对"), ("abstain", "弃权")],
                widget=forms.RadioSelect,
            )


@login_required
@requires("ownervote.ballot")
def ballot_enter(request, pk):
    vote = _vote(request, pk)
    units = list(selectors.not_voted(vote))
    workers = list(selectors.grid_workers(vote))
    form = PaperBallotForm(request.POST or None, vote=vote, units=units, workers=workers)
    receipt = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        choices = [{"item": i.index, "choice": d[f"item_{i.index}"]} for i in vote.items.all()]
        try:
            assisted_by = next((w for w in workers if w.pk == d["assisted_by"]), None)
            receipt = services.ballot_cast(actor=request.user, vote=vote, house_id=d["house"], choices=choices,
                                           channel=d["channel"], assisted_by=assisted_by)  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已录入，回执码 {receipt}（请抄写在纸质票回执联上交给业主）。")
            return redirect("participation:ownervote_ballot", pk=vote.pk)
    return render(request, "participation/votes/console/ballot_form.html", {"vote": vote, "form": form})


def _act(request, pk, fn, done: str):
    vote = _vote(request, pk)
    try:
        message = fn(vote)
    except DomainError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, message or done)
    return redirect(vote)


@login_required
@require_POST
@requires("ownervote.change")
def vote_close(request, pk):
    return _act(
        request,
        pk,
        lambda v: services.vote_close(actor=request.user, vote=v) and None,
        "表决已结束，结果已计算并公告。",
    )


@login_required
@require_POST
@requires("ownervote.change")
def vote_remind(request, pk):
    return _act(request, pk, lambda v: f"已提醒 {services.vote_remind(actor=request.user, vote=v)} 名未投票业主。", "")


@login_required
@require_POST
@requires("ownervote.change")
def vote_extend(request, pk):
    def extend(vote):
        try:
            deadline = dt.datetime.fromisoformat(request.POST.get("deadline", ""))
        except ValueError:
            raise DomainError("截止时间：请选择延期后的截止时间", field="deadline") from None
        if timezone.is_naive(deadline):
            deadline = timezone.make_aware(deadline)
        services.vote_extend(actor=request.user, vote=vote, deadline=deadline, reason=request.POST.get("reason", ""))
        return f"已延期至{timezone.localtime(deadline):%Y-%m-%d %H:%M}，延期公告已发给业主。"

    return _act(request, pk, extend, "")
