"""Reads of the deliberation part; everything a user sees goes through ``restrict``."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from linli.core.masking import mask_name
from linli.core.models import Region
from linli.core.scoping import has_action, restrict
from linli.participation.deliberation.models import (
    FollowUp,
    FollowUpRating,
    Matter,
    MatterComment,
    MatterMeeting,
    Poll,
    PollChoice,
    PollOption,
    PollVoter,
)

STEP = 4  # the region tree's path step (treebeard's default)


def home_paths(user) -> list[str]:
    """The region paths a resident lives under: their home regions and every ancestor of them."""
    from linli.people.models import Person

    paths: set[str] = set()
    for path in Person.objects.filter(user=user).exclude(region_path="").values_list("region_path", flat=True):
        paths.update(path[:i] for i in range(STEP, len(path) + 1, STEP))
    return sorted(paths)


def own_matters(user) -> Q:
    """A resident sees the public matters of the places they live in, and the matters they proposed."""
    public = Q(region_path__in=home_paths(user)) & ~Q(
        status__in=(Matter.Status.DRAFT, Matter.Status.REVIEW, Matter.Status.REJECTED)
    )
    return public | Q(proposer=user)


def own_polls(user) -> Q:
    return Q(region_path__in=home_paths(user))


# -- rows for generic views and viewsets ---------------------------------------------------------------------------


def matter_rows() -> QuerySet[Matter]:
    return Matter.objects.select_related("region")


def poll_rows() -> QuerySet[Poll]:
    return Poll.objects.select_related("region", "matter", "tag").annotate(ballot_count=Count("voters"))


def matter_list(*, user) -> QuerySet[Matter]:
    return restrict(user, "matter.view", matter_rows())


def matter_get(*, user, pk) -> Matter | None:
    try:
        return matter_list(user=user).get(pk=pk)
    except (Matter.DoesNotExist, ValueError, TypeError):
        return None


def poll_list(*, user) -> QuerySet[Poll]:
    return restrict(user, "poll.view", poll_rows())


def poll_get(*, user, pk) -> Poll | None:
    try:
        return poll_list(user=user).get(pk=pk)
    except (Poll.DoesNotExist, ValueError, TypeError):
        return None


def comments_for(*, user, matter: Matter) -> list[MatterComment]:
    """The discussion as ``user`` sees it: a resident sees others' names masked and no hidden comment."""
    staff = has_action(user, "matter.moderate")
    qs = matter.comments.annotate(report_count=Count("reports")).order_by("created_at", "pk")
    if not staff:
        qs = qs.filter(hidden=False)
    rows = list(qs)
    for c in rows:
        c.shown_name = c.author_name if staff or c.author_id == user.pk else mask_name(c.author_name)
        c.mine = c.author_id == user.pk
    return rows


def meetings_for(matter: Matter) -> list[MatterMeeting]:
    return list(matter.meetings.prefetch_related("photos", "attendance__person"))


def follow_ups_for(matter: Matter) -> list[FollowUp]:
    today = timezone.localdate()
    rows = list(matter.follow_ups.all())
    for f in rows:
        f.overdue = f.done_at is None and f.deadline < today
    return rows


def rating_summary(matter: Matter) -> dict:
    rows = list(matter.ratings.values_list("score", flat=True))
    return {"count": len(rows), "average": round(sum(rows) / len(rows), 1) if rows else None}


def my_rating(*, user, matter: Matter) -> FollowUpRating | None:
    return matter.ratings.filter(user=user).first()


def overdue_follow_ups(*, user) -> QuerySet[FollowUp]:
    """督促: follow-up items past their deadline and not done, in the matters the user may see."""
    matters = restrict(user, "matter.view", Matter.objects.all()).values("pk")
    today = timezone.localdate()
    return (
        FollowUp.objects.filter(matter__in=matters, done_at__isnull=True, deadline__lt=today)
        .select_related("matter__region")
        .order_by("deadline", "pk")
    )


def poll_options(poll: Poll) -> list[PollOption]:
    return list(poll.options.all())


def has_voted(*, poll: Poll, voter_key: str) -> bool:
    return PollVoter.objects.filter(poll=poll, voter_key=voter_key).exists()


def poll_result(poll: Poll) -> dict:
    """The result recomputed from the ballot tables: {"ballots": n, "options": {option id (str): n}}."""
    counts = dict(
        PollChoice.objects.filter(poll=poll)
        .values_list("option_id")
        .annotate(n=Count("pk"))
        .values_list("option_id", "n")
    )
    return {
        "ballots": PollVoter.objects.filter(poll=poll).count(),
        "options": {str(o.pk): counts.get(o.pk, 0) for o in poll.options.all()},
    }


def tally_visible(*, user, poll: Poll) -> bool:
    """No running tally until the poll closes, unless it is configured to show one."""
    return poll.status == Poll.Status.CLOSED or poll.show_tally


def result_rows(poll: Poll) -> list[dict]:
    """Options with their counts and shares: from the stored tally once closed, else counted now."""
    tally = poll.tally if poll.status == Poll.Status.CLOSED and poll.tally else poll_result(poll)
    ballots = tally.get("ballots", 0)
    out = []
    for o in poll.options.all():
        n = tally.get("options", {}).get(str(o.pk), 0)
        out.append({"option": o, "count": n, "percent": round(100 * n / ballots) if ballots else 0})
    return out


def participants(matter: Matter) -> list:
    """Accounts that took part in a matter: proposer, commenters, poll voters, meeting attendees with an account."""
    from linli.core.models import User
    from linli.people.models import Person

    ids = set(matter.comments.exclude(author=None).values_list("author_id", flat=True))
    ids |= set(PollVoter.objects.filter(poll__matter=matter).exclude(user=None).values_list("user_id", flat=True))
    attendees = Person.objects.filter(pk__in=matter.meetings.values("attendance__person_id")).exclude(user=None)
    ids |= set(attendees.values_list("user_id", flat=True))
    if matter.proposer_id:
        ids.add(matter.proposer_id)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def matter_detail_rows(matter_pk: int) -> QuerySet[Matter]:
    return Matter.objects.filter(pk=matter_pk).prefetch_related(Prefetch("documents"), Prefetch("transitions"))


# -- statistics ------------------------------------------------------------------------------------------------------


def _in_region(qs, region):
    return qs if region is None else qs.filter(region_path__startswith=region.path)


def active_matter_count(user, region=None, *, cap: int | None = None) -> int:
    qs = restrict(
        user, "matter.view", Matter.objects.filter(status__in=(Matter.Status.DISCUSSION, Matter.Status.VOTING))
    )
    return _in_region(qs, region).count()


def matter_count(user, region=None, *, cap: int | None = None) -> int:
    """Every matter the user may see (drafts and rejected ones included for staff)."""
    return _in_region(restrict(user, "matter.view", Matter.objects.all()), region).count()


def open_poll_count(user, region=None, *, cap: int | None = None) -> int:
    return _in_region(restrict(user, "poll.view", Poll.objects.filter(status=Poll.Status.OPEN)), region).count()


def region_for(*, user, pk) -> Region | None:
    """A region the user may see (for a matter or poll placed there), or None."""

    try:
        return restrict(user, "region.view", Region.objects.all()).get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError):
        return None


def region_choices(*, user) -> list:
    """Communities and grids the user may place a matter or poll in, in tree order."""

    qs = restrict(user, "region.view", Region.objects.filter(level__code__in=("street", "community", "grid")))
    return list(qs.select_related("level").order_by("path")[:300])


def tag_choices() -> list:
    from linli.people.models import Tag

    return list(Tag.objects.filter(sensitivity=0).order_by("path"))


def tag_get(pk):
    from linli.people.models import Tag

    return Tag.objects.filter(pk=pk, sensitivity=0).first() if pk else None


def persons_of(*, user, matter: Matter, q: str = "") -> list:
    """Residents of the matter's region the user may see, for the meeting attendance list."""
    from linli.people.models import Person

    qs = restrict(user, "person.view", Person.objects.filter(region_path__startswith=matter.region_path))
    if q:
        qs = qs.filter(name__contains=q)
    return list(qs.order_by("name", "pk")[:200])


def comment_get(*, matter: Matter, pk) -> MatterComment | None:
    try:
        return matter.comments.get(pk=pk)
    except (MatterComment.DoesNotExist, ValueError, TypeError):
        return None


def follow_up_get(*, matter: Matter, pk) -> FollowUp | None:
    try:
        return matter.follow_ups.select_related("matter").get(pk=pk)
    except (FollowUp.DoesNotExist, ValueError, TypeError):
        return None


def document_get(*, matter: Matter, pk):
    return matter.documents.filter(pk=pk).first()


def meeting_photo_get(*, matter: Matter, pk):
    from linli.participation.deliberation.models import MeetingPhoto

    return MeetingPhoto.objects.filter(pk=pk, meeting__matter=matter).first()


def my_ballot(*, user, poll: Poll) -> PollVoter | None:
    return poll.voters.filter(user=user).first()


def my_choices(*, voter: PollVoter | None) -> list[int]:
    return list(voter.choices.values_list("option_id", flat=True)) if voter else []


def home_cards(user) -> list:
    """The console start page's deliberation figures for those who act on matters: matters to review, overdue
    follow-up items (督促)."""
    from django.urls import reverse

    from linli.core.home import HomeCard

    if not has_action(user, "matter.change"):
        return []
    late = Q(follow_ups__done_at__isnull=True, follow_ups__deadline__lt=timezone.localdate())
    counts = restrict(user, "matter.change", Matter.objects.all()).aggregate(  # one query for both cards
        review=Count("pk", filter=Q(status=Matter.Status.REVIEW), distinct=True),
        overdue=Count("follow_ups", filter=late, distinct=True),
    )
    review, overdue = counts["review"], counts["overdue"]
    return [
        HomeCard("待审核议题", review, f"{reverse('participation:matter_list')}?status=review",
                 "居民、业委会提出的议事议题，等社区审核", "warning" if review else ""),
        HomeCard("超期落实事项", overdue, reverse("participation:follow_up_overdue"),
                 "议事结果的落实事项已过期限，需要督促", "danger" if overdue else ""),
    ]  # fmt: skip


def search_matters(user, q: str, limit: int) -> list[dict]:
    """The console search box: matters whose title contains ``q``, in the user's scope."""
    q = q.strip()
    if len(q) < 2:
        return []
    rows = matter_list(user=user).filter(title__contains=q).order_by("-created_at")[:limit]
    return [{"text": f"{m.title}（{m.get_status_display()}）", "url": m.get_absolute_url()} for m in rows]


# -- the owners' vote (业主表决) of a matter -------------------------------------------------------------------------


def _community_path(matter: Matter) -> str:
    from linli.participation.deliberation.services import community_of

    return community_of(matter.region).path


def linkable_owner_votes(*, user, matter: Matter) -> list:
    """Open owners' votes of the matter's community that ``user`` may see and no matter is linked to yet."""
    from linli.participation.votes.models import OwnerVote

    rows = restrict(user, "ownervote.view", OwnerVote.objects.select_related("compound"))
    rows = rows.filter(region_path__startswith=_community_path(matter), status=OwnerVote.Status.OPEN)
    return list(rows.filter(matter__isnull=True).order_by("-created_at"))


def owner_vote_for(*, user, matter: Matter, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return next((v for v in linkable_owner_votes(user=user, matter=matter) if v.pk == pk), None)


def vote_compounds(*, user, matter: Matter) -> list:
    """The compounds of the matter's community in which ``user`` may open an owners' vote."""
    from linli.housing.models import Compound

    rows = restrict(user, "compound.view", Compound.objects.select_related("community"))
    return list(rows.filter(region_path__startswith=_community_path(matter)).order_by("name"))


def vote_compound_for(*, user, matter: Matter, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return next((c for c in vote_compounds(user=user, matter=matter) if c.pk == pk), None)


def owner_vote_summary(*, user, matter: Matter) -> dict | None:
    """The linked owners' vote as the matter page shows it: state, live turnout or the result, a link if allowed."""
    from linli.participation.votes import selectors as votes
    from linli.participation.votes import tally

    vote = matter.owner_vote
    if vote is None:
        return None
    out = {"vote": vote, "closed": vote.status == vote.Status.CLOSED, "items": [], "url": ""}
    if votes.vote_for(user, vote.pk) is not None:
        out["url"] = vote.get_absolute_url() if has_action(user, "ownervote.add") else ""
        out["resident_url"] = reverse("participation:ownervote_resident", args=[vote.pk])
    titles = dict(vote.items.values_list("index", "title"))
    if out["closed"] and vote.result:
        r = vote.result
        out["quorum_met"] = r["quorum_met"]
        out["turnout_area"] = tally.percent(_frac(r["turnout"]["area"]))
        out["turnout_owners"] = tally.percent(_frac(r["turnout"]["owners"]))
        out["items"] = [
            {
                "title": titles.get(i["item"], ""),
                "passed": i["passed"],
                "yes_area": tally.percent(_frac(i["yes_area"])),
                "yes_owners": tally.percent(_frac(i["yes_owners"])),
            }
            for i in r["items"]
        ]
    else:
        live = votes.turnout_live(vote)
        out["turnout_area"] = tally.percent(live["area_share"])
        out["turnout_owners"] = tally.percent(live["owner_share"])
        out["voted_units"] = live["units"]
        out["items"] = [{"title": t} for _, t in sorted(titles.items())]
    return out


def _frac(text: str):
    from fractions import Fraction

    return Fraction(text)
