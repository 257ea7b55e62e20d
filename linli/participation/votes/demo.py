"""Demo 业主表决 in the compound whose houses have owners (people's ``ownership`` step): one vote already closed
with its result, and one open vote half-way through, in which the demo resident has not voted yet."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from linli.participation.votes import services
from linli.participation.votes.models import ElectorUnit, OwnerVote


def _cast_some(vote, rng, share: float, choices_for, staff, grid, skip_persons=()):
    units = list(ElectorUnit.objects.filter(vote=vote).order_by("pk"))
    rng.shuffle(units)
    n = 0
    for unit in units:
        if rng.random() >= share or any(f",{p}," in unit.person_ids for p in skip_persons):
            continue
        channel = rng.choice(["paper", "paper", "assisted", "app"]) if unit.person_ids else "paper"
        actor = None if channel == "app" else staff
        services.ballot_cast(
            actor=None, vote=vote, house_id=unit.house_id, channel=channel,
            choices=[{"item": i, "choice": c} for i, c in enumerate(choices_for(rng))],
            assisted_by=grid if channel == "assisted" else None,
        )  # fmt: skip
        if actor is not None:
            from linli.participation.votes.models import Turnout

            Turnout.objects.filter(vote=vote, house_id=unit.house_id).update(recorded_by=actor)
        n += 1
    return n


@transaction.atomic
def run(ctx) -> None:
    compound = ctx.get("ownership_compound")
    if compound is None or OwnerVote.objects.filter(compound=compound).exists():
        return
    rng = ctx.random("owner_votes")
    staff, grid = ctx.users.get("staff"), ctx.users.get("grid1")
    resident = ctx.users.get("resident")
    me = getattr(resident, "person", None) if resident else None
    closed = services.vote_create(
        actor=None, compound=compound, title=f"{compound.name}2026年度业主表决", notice_date=ctx.today - dt.timedelta(days=40),
        items=[{"title": "续聘现物业服务企业", "matter": 4}, {"title": "利用小区东侧绿地增设电动自行车充电棚", "matter": 8}],
    )  # fmt: skip
    OwnerVote.objects.filter(pk=closed.pk).update(created_by=staff)

    def closed_choices(r):
        return [
            r.choices(["yes", "no", "abstain"], weights=[7, 2, 1])[0],
            r.choices(["yes", "no", "abstain"], weights=[8, 1, 1])[0],
        ]

    _cast_some(closed, rng, 0.85, closed_choices, staff, grid)
    services.vote_close(actor=None, vote=closed)
    ctx.count("业主表决", 2)

    current = services.vote_create(
        actor=None, compound=compound, title="加装电梯及楼道改造", notice_date=ctx.today - dt.timedelta(days=3),
        items=[{"title": "1号楼加装电梯（改建共有部分）", "matter": 7}, {"title": "使用维修资金改造楼道照明", "matter": 5}],
    )  # fmt: skip
    OwnerVote.objects.filter(pk=current.pk).update(created_by=staff, deadline=timezone.now() + dt.timedelta(days=12))

    def open_choices(r):
        return [r.choices(["yes", "no", "abstain"], weights=[6, 3, 1])[0], r.choice(["yes", "yes", "no"])]

    _cast_some(current, rng, 0.5, open_choices, staff, grid, skip_persons=[me.pk] if me else [])
