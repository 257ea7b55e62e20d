"""The deliberation part's share of a resident's personal-data copy, and its retention rule."""

from __future__ import annotations

import datetime as dt

from linli.participation.deliberation.models import (
    CommentReport,
    FollowUpRating,
    Matter,
    MatterComment,
    MeetingAttendance,
    PollChoice,
    PollVoter,
)


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def collect(person) -> list[dict] | None:
    """What the platform holds about ``person`` here: proposals, comments, meetings, ballots, ratings."""
    rows: list[dict] = []
    user_id = person.user_id
    if user_id:
        for m in Matter.objects.filter(proposer_id=user_id).order_by("pk"):
            rows.append({"类型": "提出议题", "议题": m.title, "内容": m.description[:200], "时间": _when(m.created_at)})
        for c in MatterComment.objects.filter(author_id=user_id).select_related("matter").order_by("pk"):
            state = "（已被隐藏）" if c.hidden else ""
            rows.append(
                {"类型": "发表意见", "议题": c.matter.title, "内容": c.body + state, "时间": _when(c.created_at)}
            )
        for r in CommentReport.objects.filter(reporter_id=user_id).select_related("comment__matter"):
            rows.append(
                {"类型": "举报评论", "议题": r.comment.matter.title, "内容": r.reason, "时间": _when(r.created_at)}
            )
        for r in FollowUpRating.objects.filter(user_id=user_id).select_related("matter"):
            rows.append({"类型": "落实评价", "议题": r.matter.title, "内容": f"{r.score} 星 {r.comment}".strip(),
                         "时间": _when(r.created_at)})  # fmt: skip
    for a in MeetingAttendance.objects.filter(person=person).select_related("meeting__matter"):
        rows.append({"类型": "参加协商会议", "议题": a.meeting.matter.title, "内容": str(a.meeting),
                     "时间": _when(a.meeting.held_at)})  # fmt: skip
    for v in PollVoter.objects.filter(person=person).select_related("poll"):
        if v.poll.anonymous:
            what = "已投票（匿名投票，不记录您的选择）"
        else:
            chosen = PollChoice.objects.filter(voter=v).select_related("option")
            what = "选择：" + "、".join(c.option.label for c in chosen)
        rows.append({"类型": "参加投票", "议题": v.poll.title, "内容": what, "时间": _when(v.created_at)})
    return rows or None


def purge_reports(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    """Delete comment reports older than ``cutoff``; a reporter under a legal hold keeps theirs."""
    from linli.people.models import Person

    held_users = Person.objects.filter(pk__in=held_person_ids, user__isnull=False).values("user_id")
    qs = CommentReport.objects.filter(created_at__lt=cutoff).exclude(reporter_id__in=held_users)
    return qs.delete()[0]
