"""Reads of 业主表决; everything a user sees goes through restrict(user, "ownervote.view")."""

from fractions import Fraction

from django.db.models import Count, Q, Sum

from linli.core.scoping import restrict
from linli.housing.models import Compound
from linli.participation.votes.models import ElectorUnit, OwnerVote, Turnout
from linli.people.models import Person


def vote_rows():
    return OwnerVote.objects.select_related("compound")


def votes_for(user):
    return restrict(user, "ownervote.view", vote_rows())


def vote_for(user, pk, action: str = "ownervote.view") -> OwnerVote | None:
    try:
        return restrict(user, action, vote_rows()).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def compounds_for(user):
    """The compounds in which ``user`` may open a vote."""
    return restrict(user, "compound.view", Compound.objects.all()).order_by("name")


def compound_for(user, pk) -> Compound | None:
    try:
        return compounds_for(user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def electorate(vote: OwnerVote):
    return ElectorUnit.objects.filter(vote=vote).select_related("house__building", "house__unit").order_by("pk")


def turnout_live(vote: OwnerVote) -> dict:
    """Who has voted so far, as counts and exact shares of the electorate (never what they chose)."""
    voted = Turnout.objects.filter(vote=vote).values("house_id")
    units = ElectorUnit.objects.filter(vote=vote, house_id__in=voted)
    agg = units.aggregate(n=Count("pk"), area=Sum("area"), owners=Count("owner_key", distinct=True))
    by_channel = dict(
        Turnout.objects.filter(vote=vote).values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    area = agg["area"] or 0
    return {
        "units": agg["n"],
        "area": area,
        "owners": agg["owners"],
        "area_share": Fraction(area) / Fraction(vote.area) if vote.area else Fraction(0),
        "owner_share": Fraction(agg["owners"], vote.owners) if vote.owners else Fraction(0),
        "by_channel": by_channel,
    }


def turnout_rows(vote: OwnerVote):
    """Who voted, through which channel and recorded by whom (no choices: they are kept apart)."""
    return Turnout.objects.filter(vote=vote).select_related(
        "house__building", "house__unit", "recorded_by", "assisted_by"
    )


def not_voted(vote: OwnerVote):
    voted = Turnout.objects.filter(vote=vote).values("house_id")
    return electorate(vote).exclude(house_id__in=voted)


def person_of(user) -> Person | None:
    return Person.objects.filter(user=user).first() if user.is_authenticated else None


def units_of_user(user, vote: OwnerVote) -> list[ElectorUnit]:
    """The units ``user`` may vote for in the resident app: those they owned on the notice date."""
    person = person_of(user)
    if person is None:
        return []
    return list(electorate(vote).filter(person_ids__contains=f",{person.pk},"))


def own_votes_q(user) -> Q:
    """A resident's votes: those where they own a unit of the electorate."""
    pk = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    if pk is None:
        return Q(pk__in=[])
    return Q(pk__in=ElectorUnit.objects.filter(person_ids__contains=f",{pk},").values("vote_id"))


def voted_houses(vote: OwnerVote, house_ids) -> set[int]:
    return set(Turnout.objects.filter(vote=vote, house_id__in=house_ids).values_list("house_id", flat=True))


def vote_count(user, region=None, *, cap: int | None = None) -> int:
    """Open votes the user may see (under ``region``): the 进行中的业主表决 statistic."""
    from linli.core.statistics import scoped_count

    open_votes = OwnerVote.objects.filter(status=OwnerVote.Status.OPEN)
    return scoped_count(user, "ownervote.view", open_votes, region=region, cap=cap)


def grid_workers(vote: OwnerVote):
    """The grid workers and grid leaders of the vote's community: who may be recorded as assisting an owner."""
    from linli.core.models import User
    from linli.core.roles import GRID_ROLES

    path = vote.compound.community.path
    return (
        User.objects.filter(is_active=True, grants__role__in=GRID_ROLES, grants__region__path__startswith=path)
        .distinct()
        .order_by("full_name", "pk")
    )


def staff_user(user, pk, vote: OwnerVote | None = None):
    """The assisting grid worker named by id: one of the vote's community's grid workers."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return grid_workers(vote).filter(pk=pk).first() if vote is not None else None


def linked_matter(user, vote: OwnerVote):
    """The deliberation matter (议题) put to this vote, if ``user`` may see it."""
    from linli.participation.deliberation.models import Matter

    return restrict(user, "matter.view", Matter.objects.filter(owner_vote=vote)).first()
