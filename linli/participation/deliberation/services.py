"""Writes of the deliberation part: matters through their workflow, discussion, meetings, polls, follow-up.

Every status change goes through ``core.workflow.transition`` (compare-and-set + a transition row + messages after
commit). Errors are ``DomainError`` with a Chinese message that names the field.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from linli.core import attachments, audit, notifications
from linli.core.errors import ConflictError, DomainError
from linli.core.masking import mask_name
from linli.core.models import AuditLog, Region
from linli.core.workflow import transition
from linli.participation.deliberation import selectors
from linli.participation.deliberation.models import (
    CommentReport,
    FollowUp,
    FollowUpRating,
    Matter,
    MatterComment,
    MatterDocument,
    MatterMeeting,
    MatterTransition,
    MeetingAttendance,
    MeetingPhoto,
    Poll,
    PollChoice,
    PollOption,
    PollVoter,
)
from linli.participation.notices.services import publish_notice

S = Matter.Status
OTHER = AuditLog.Action.OTHER
MAX_UPLOAD = 20 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}

TEMPLATES = {
    "matter_results": "议事结果公告：{title}。请登录邻里查看结果并对落实情况评价。",
    "follow_up_chase": "落实事项（{title}）已超过期限，请尽快办理并反馈。",
}


class NotEligible(DomainError):
    """The voter may not take part in this poll (the API answers 403)."""

    def __init__(self, message: str):
        super().__init__(message, code="not_eligible")


def _conflict(matter: Matter) -> str:
    current = Matter.objects.filter(pk=matter.pk).values_list("status", flat=True).first()
    label = S(current).label if current else "已删除"
    return f"该议题的状态刚刚已变化（当前状态：{label}），请刷新后重试。"


def _move(matter: Matter, *, to: str, allowed: tuple, actor, note: str = "", after=(), **fields) -> Matter:
    return transition(
        matter,
        to=to,
        allowed_from=allowed,
        version_field="version",
        record=lambda old: MatterTransition.objects.create(
            matter=matter, from_status=old, to_status=to, actor=actor, note=note[:200]
        ),
        conflict=_conflict,
        after_commit=after,
        **fields,
    )


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"{label}：请填写{label}", field=field)
    if len(value) > max_length:
        raise DomainError(f"{label}：不能超过 {max_length} 个字（现在 {len(value)} 个）", field=field)
    return value


def community_of(region: Region) -> Region:
    """The 社区 above (or at) ``region``; the region itself when the tree has no community level above it."""
    paths = [region.path[:i] for i in range(selectors.STEP, len(region.path) + 1, selectors.STEP)]
    found = Region.objects.filter(path__in=paths, level__code="community").first()
    return found or region


def home_region_of(user) -> Region | None:
    """The community a resident lives in (through their person record), or None."""
    from linli.people.models import Person

    person = Person.objects.filter(user=user).select_related("region").first()
    if person is None or person.region_id is None:
        return None
    return community_of(person.region)


# -- matters ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def matter_create(
    *,
    actor,
    region: Region | None,
    title: str,
    description: str,
    proposer_kind: str,
    proposer_name: str = "",
    submit: bool = True,
) -> Matter:
    """Put a matter forward: a resident for their own community, staff or the owners' committee for a region."""
    title = _text(title, field="title", label="议题", max_length=100)
    description = _text(description, field="description", label="议题说明", max_length=5000)
    if proposer_kind not in Matter.ProposerKind.values:
        raise DomainError("提议方：请选择居民、社区工作人员或业主委员会", field="proposer_kind")
    if region is None:
        raise DomainError("所属区域：您还没有登记住址，无法确定议题所属社区，请联系社区工作人员", field="region")
    name = proposer_name.strip() or (
        "业主委员会" if proposer_kind == Matter.ProposerKind.COMMITTEE else (actor.full_name or actor.username)
    )
    matter = Matter.objects.create(
        title=title,
        description=description,
        region=region,
        proposer=actor,
        proposer_kind=proposer_kind,
        proposer_name=name[:50],
    )
    MatterTransition.objects.create(matter=matter, from_status="", to_status=S.DRAFT, actor=actor, note="提出议题")
    audit.log_change(actor=actor, obj=matter, action="create", before=None)
    if submit:
        matter_submit(matter=matter, actor=actor)
    return matter


@transaction.atomic
def matter_submit(*, matter: Matter, actor) -> Matter:
    return _move(matter, to=S.REVIEW, allowed=(S.DRAFT,), actor=actor, note="提交审核")


@transaction.atomic
def matter_review(
    *, matter: Matter, actor, approve: bool, note: str = "", discussion_ends: dt.date | None = None
) -> Matter:
    """审核: open the discussion until ``discussion_ends``, or turn the matter down with a reason."""
    note = note.strip()
    if approve:
        if discussion_ends is None:
            raise DomainError("讨论截止日期：请填写讨论截止日期", field="discussion_ends")
        if discussion_ends < timezone.localdate():
            raise DomainError("讨论截止日期：不能早于今天", field="discussion_ends")
        return _move(
            matter, to=S.DISCUSSION, allowed=(S.REVIEW,), actor=actor, note=note or "审核通过，进入协商讨论",
            discussion_ends=discussion_ends, review_note=note[:200],
        )  # fmt: skip
    if not note:
        raise DomainError("审核意见：不通过时请写明原因", field="note")
    return _move(matter, to=S.REJECTED, allowed=(S.REVIEW,), actor=actor, note=note, review_note=note[:200])


def _upload(prefix: str, upload, *, photos_only: bool = False) -> tuple[str, str, int]:
    name = getattr(upload, "name", "") or "文件"
    size = getattr(upload, "size", 0) or 0
    if size > MAX_UPLOAD:
        raise DomainError(f"文件：{name} 超过 20MB", field="file")
    content_type = getattr(upload, "content_type", "") or mimetypes.guess_type(name)[0] or ""
    if photos_only and content_type not in PHOTO_TYPES:
        raise DomainError(f"照片：{name} 不是 JPG、PNG 或 WebP 图片", field="photos")
    ext = name.rsplit(".", 1)[-1].lower()[:8] if "." in name else "bin"
    # Sealed (AES-GCM with the field key): documents, minutes and meeting photos may show residents or their homes.
    key = attachments.save(f"participation/{prefix}/{uuid.uuid4().hex}.{ext}.sealed", upload.read(), sealed=True)
    return key, content_type, size


@transaction.atomic
def document_add(*, matter: Matter, actor, upload) -> MatterDocument:
    if matter.status in (S.CLOSED, S.REJECTED):
        raise DomainError("材料：已办结或未通过审核的议题不能再上传材料", field="file")
    key, content_type, size = _upload("documents", upload)
    return MatterDocument.objects.create(
        matter=matter, name=(upload.name or "文件")[:150], key=key, content_type=content_type, size=size,
        uploaded_by=actor,
    )  # fmt: skip


# -- discussion ------------------------------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, matter: Matter, actor, body: str) -> MatterComment:
    if matter.status != S.DISCUSSION:
        raise DomainError("评论：该议题不在协商讨论阶段，不能发表意见", field="body")
    if matter.discussion_ends and timezone.localdate() > matter.discussion_ends:
        raise DomainError(f"评论：讨论已于 {matter.discussion_ends:%Y-%m-%d} 截止", field="body")
    body = _text(body, field="body", label="评论", max_length=1000)
    name = actor.full_name or actor.username
    return MatterComment.objects.create(matter=matter, author=actor, author_name=name[:50], body=body)


@transaction.atomic
def comment_hide(*, comment: MatterComment, actor, reason: str) -> MatterComment:
    reason = _text(reason, field="reason", label="隐藏原因", max_length=100)
    if not MatterComment.objects.filter(pk=comment.pk, hidden=False).update(
        hidden=True, hidden_reason=reason, hidden_by=actor
    ):
        raise ConflictError("该评论已被隐藏，请刷新页面。")
    audit.record(actor=actor, action=OTHER, field="隐藏议事评论", target=comment.matter, reason=reason,
                 extra={"comment": comment.pk})  # fmt: skip
    comment.hidden, comment.hidden_reason = True, reason
    return comment


@transaction.atomic
def comment_restore(*, comment: MatterComment, actor) -> MatterComment:
    if not MatterComment.objects.filter(pk=comment.pk, hidden=True).update(
        hidden=False, hidden_reason="", hidden_by=None
    ):
        raise ConflictError("该评论没有被隐藏，请刷新页面。")
    audit.record(actor=actor, action=OTHER, field="恢复议事评论", target=comment.matter, extra={"comment": comment.pk})
    comment.hidden = False
    return comment


@transaction.atomic
def comment_report(*, comment: MatterComment, actor, reason: str) -> CommentReport:
    reason = _text(reason, field="reason", label="举报原因", max_length=100)
    if comment.author_id == actor.pk:
        raise DomainError("举报：不能举报自己的评论", field="reason")
    try:
        with transaction.atomic():
            return CommentReport.objects.create(comment=comment, reporter=actor, reason=reason)
    except IntegrityError:
        raise ConflictError("您已经举报过这条评论，社区工作人员会尽快处理。") from None


# -- offline meetings --------------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_record(
    *, matter: Matter, actor, kind: str, held_at: dt.datetime | None, place: str, minutes: str,
    attendee_ids: list[int] = (), photos=(),
) -> MatterMeeting:  # fmt: skip
    """Record a 板凳会/恳谈会: minutes, who attended (persons of the matter's region), photos."""
    from linli.people.models import Person

    if matter.status in (S.DRAFT, S.REVIEW, S.REJECTED):
        raise DomainError("会议：议题审核通过后才能记录线下协商会议", field="kind")
    if kind not in MatterMeeting.Kind.values:
        raise DomainError("会议形式：请选择板凳会、恳谈会或协商会", field="kind")
    if held_at is None:
        raise DomainError("召开时间：请填写召开时间", field="held_at")
    if held_at > timezone.now():
        raise DomainError("召开时间：不能晚于现在（会议开完后再记录）", field="held_at")
    place = _text(place, field="place", label="地点", max_length=100)
    minutes = _text(minutes, field="minutes", label="会议纪要", max_length=10000)
    ids = sorted(set(attendee_ids))
    persons = list(
        Person.objects.filter(pk__in=ids, region_path__startswith=matter.region_path).values_list("pk", flat=True)
    )
    if len(persons) != len(ids):
        raise DomainError("参会人：有参会人不在本议题所属区域的居民中", field="attendees")
    if len(photos) > 9:
        raise DomainError("照片：最多上传 9 张", field="photos")
    meeting = MatterMeeting.objects.create(
        matter=matter, kind=kind, held_at=held_at, place=place, minutes=minutes, recorded_by=actor
    )
    MeetingAttendance.objects.bulk_create([MeetingAttendance(meeting=meeting, person_id=pk) for pk in persons])
    for upload in photos:
        key, content_type, size = _upload("meetings", upload, photos_only=True)
        MeetingPhoto.objects.create(meeting=meeting, key=key, content_type=content_type, size=size)
    return meeting


# -- polls -------------------------------------------------------------------------------------------------------------


@transaction.atomic
def poll_create(
    *,
    actor,
    region: Region,
    title: str,
    options: list[str],
    closes_at: dt.datetime | None,
    description: str = "",
    matter: Matter | None = None,
    tag=None,
    role: str = "",
    per: str = Poll.Per.PERSON,
    multiple: bool = False,
    max_choices: int = 1,
    anonymous: bool = False,
    show_tally: bool = False,
) -> Poll:
    title = _text(title, field="title", label="投票标题", max_length=100)
    labels = [o.strip() for o in options if o and o.strip()]
    if len(labels) < 2:
        raise DomainError("选项：至少需要两个选项（每行一个）", field="options")
    if len(set(labels)) != len(labels):
        raise DomainError("选项：有重复的选项", field="options")
    if any(len(x) > 100 for x in labels):
        raise DomainError("选项：每个选项不能超过 100 个字", field="options")
    if closes_at is None:
        raise DomainError("截止时间：请填写截止时间", field="closes_at")
    if closes_at <= timezone.now():
        raise DomainError("截止时间：必须晚于现在", field="closes_at")
    if per not in Poll.Per.values:
        raise DomainError("计票单位：请选择每人一票或每户一票", field="per")
    if role not in Poll.Role.values:
        raise DomainError("限定身份：不支持该身份", field="role")
    max_choices = max_choices if multiple else 1
    if multiple and not (2 <= max_choices <= len(labels)):
        raise DomainError(f"最多选几项：多选时应在 2 到 {len(labels)} 之间", field="max_choices")
    poll = Poll.objects.create(
        title=title, description=description.strip(), region=region, matter=matter, tag=tag, role=role, per=per,
        multiple=multiple, max_choices=max_choices, anonymous=anonymous, show_tally=show_tally, closes_at=closes_at,
        created_by=actor,
    )  # fmt: skip
    PollOption.objects.bulk_create([PollOption(poll=poll, label=x, position=i) for i, x in enumerate(labels)])
    audit.log_change(actor=actor, obj=poll, action="create", before=None)
    return poll


def eligibility(*, poll: Poll, user) -> tuple[object, str]:
    """(person, voter key) if ``user`` may vote in ``poll``; raises ``NotEligible`` saying why not."""
    from linli.people.models import Person, TagAssignment

    person = Person.objects.filter(user=user).first()
    if person is None:
        raise NotEligible("您的账号还没有关联居民信息，不能参加本次投票。请联系社区工作人员核实。")
    if not person.region_path.startswith(poll.region_path):
        raise NotEligible(f"本次投票只限{poll.region.name}的居民参加。")
    if poll.tag_id and not TagAssignment.objects.filter(person=person, tag__path__startswith=poll.tag.path).exists():
        raise NotEligible(f"本次投票只限“{poll.tag.name}”参加。")
    if poll.role and not any(g.role == poll.role for g in user.active_grants()):
        raise NotEligible(f"本次投票只限{poll.get_role_display()}参加。")
    if poll.per == Poll.Per.HOUSEHOLD:
        if person.household_id is None:
            raise NotEligible("本次投票每户一票，您还没有登记户信息，请联系社区工作人员。")
        return person, f"h{person.household_id}"
    return person, f"p{person.pk}"


@transaction.atomic
def ballot_cast(*, poll: Poll, actor, option_ids: list[int]) -> PollVoter:
    """One ballot per person (or household): the database refuses a second one, even from two clicks at once."""
    # Read the poll again under a row lock: a ballot never slips in after the close has counted (poll_close).
    current = Poll.objects.select_for_update().filter(pk=poll.pk).values("status", "closes_at").first()
    if current is None or current["status"] != Poll.Status.OPEN or current["closes_at"] <= timezone.now():
        raise DomainError("投票：本次投票已经结束", field="options")
    person, key = eligibility(poll=poll, user=actor)
    chosen = sorted(set(int(i) for i in option_ids))
    valid = set(poll.options.values_list("pk", flat=True))
    if not chosen:
        raise DomainError("选项：请至少选择一项", field="options")
    if not set(chosen) <= valid:
        raise DomainError("选项：所选选项不属于本次投票", field="options")
    if len(chosen) > poll.max_choices:
        raise DomainError(
            "选项：本次投票只能选一项" if poll.max_choices == 1 else f"选项：最多只能选 {poll.max_choices} 项",
            field="options",
        )
    try:
        with transaction.atomic():
            voter = PollVoter.objects.create(poll=poll, voter_key=key, user=actor, person=person)
    except IntegrityError:
        who = "您家" if poll.per == Poll.Per.HOUSEHOLD else "您"
        raise ConflictError(
            f"{who}已经投过票了，每{'户' if poll.per == Poll.Per.HOUSEHOLD else '人'}只能投一次。"
        ) from None
    link = None if poll.anonymous else voter
    PollChoice.objects.bulk_create([PollChoice(poll=poll, option_id=i, voter=link) for i in chosen])
    audit.record(actor=actor, action=OTHER, field="社区投票", target=poll)  # that they voted, never what they chose
    return voter


@transaction.atomic
def poll_close(*, poll: Poll, actor, automatic: bool = False) -> Poll:
    """End a poll and keep its tally (recounted from the ballot tables); voters are told the result is out."""
    Poll.objects.select_for_update().filter(pk=poll.pk).first()  # ballots wait for the count (ballot_cast)
    tally = selectors.poll_result(poll)
    if not Poll.objects.filter(pk=poll.pk, status=Poll.Status.OPEN).update(
        status=Poll.Status.CLOSED, closed_at=timezone.now(), tally=tally
    ):
        raise ConflictError("该投票已经结束，请刷新页面。")
    poll.refresh_from_db()
    audit.record(actor=actor, action=OTHER, field="结束投票", target=poll, extra={"ballots": tally["ballots"]},
                 reason="截止时间已到，自动结束" if automatic else "")  # fmt: skip
    transaction.on_commit(lambda: _tell_poll_closed(poll.pk, automatic=automatic))
    return poll


def _tell_poll_closed(poll_id: int, *, automatic: bool) -> None:
    poll = Poll.objects.select_related("matter", "created_by").get(pk=poll_id)
    voters = [v.user for v in PollVoter.objects.filter(poll=poll).exclude(user=None).select_related("user")]
    notifications.inbox(
        voters, target=poll, kind="poll_result", title=f"投票结果已公布：{poll.title}",
        body=f"您参加的投票已结束，共 {poll.tally.get('ballots', 0)} 票，请查看结果。",
        url=reverse("participation:my_poll_detail", args=[poll.pk]),
    )  # fmt: skip
    if not automatic or poll.created_by is None:
        return
    body = f"截止时间已到，系统已结束投票并统计结果（共 {poll.tally.get('ballots', 0)} 票）。"
    url = reverse("participation:poll_detail", args=[poll.pk])
    if poll.matter is not None and poll.matter.status == S.VOTING:
        body += f"请到议题“{poll.matter.title}”发布结果公告。"
        url = reverse("participation:matter_detail", args=[poll.matter_id])
    notifications.inbox([poll.created_by], target=poll, kind="poll_closed", title=f"投票已自动结束：{poll.title}",
                        body=body, url=url)  # fmt: skip


def close_due_polls(*, now: dt.datetime | None = None) -> int:
    """The periodic job: close every open poll whose 截止时间 has passed; returns how many it closed.

    Idempotent: a poll closed already (by staff, or by a run on another machine) is skipped.
    """
    now = now or timezone.now()
    closed = 0
    for poll in Poll.objects.filter(status=Poll.Status.OPEN, closes_at__lte=now).order_by("pk"):
        try:
            poll_close(poll=poll, actor=None, automatic=True)
        except ConflictError:
            continue
        closed += 1
    return closed


@transaction.atomic
def matter_start_poll(*, matter: Matter, actor, **poll_fields) -> Poll:
    """Close the discussion and put the matter to a community poll over its region."""
    poll_fields.setdefault("title", matter.title)
    poll = poll_create(actor=actor, region=matter.region, matter=matter, **poll_fields)
    _move(matter, to=S.VOTING, allowed=(S.DISCUSSION,), actor=actor, note="发起社区投票", method=Matter.Method.POLL)
    return poll


@transaction.atomic
def matter_start_owner_vote(
    *,
    matter: Matter,
    actor,
    owner_vote=None,
    compound=None,
    category: int | None = None,
    deadline: dt.datetime | None = None,
) -> Matter:
    """Close the discussion and put the matter to the owners' vote (业主表决, the votes part), linking the two.

    Either link an ``owner_vote`` already opened in the matter's community (not yet linked to another matter), or
    open a new one in ``compound`` with the matter as its one item of Art. 278 ``category`` (1–9).
    """
    from linli.participation.votes import services as votes

    community = community_of(matter.region)
    if owner_vote is None and compound is None:
        raise DomainError("业主表决：请选择一项已发起的业主表决，或选择小区发起新的表决", field="owner_vote")
    if matter.status != S.DISCUSSION:
        raise ConflictError(_conflict(matter))
    if owner_vote is not None:
        if not owner_vote.region_path.startswith(community.path):
            raise DomainError(f"业主表决：“{owner_vote.title}”不是{community.name}的小区的表决", field="owner_vote")
        if Matter.objects.filter(owner_vote=owner_vote).exclude(pk=matter.pk).exists():
            raise DomainError(f"业主表决：“{owner_vote.title}”已关联其他议题", field="owner_vote")
    else:
        if not compound.region_path.startswith(community.path):
            raise DomainError(f"小区：“{compound.name}”不在{community.name}", field="compound")
        if category is None:
            raise DomainError("事项类别：请选择第二百七十八条的事项类别（1–9）", field="category")
        owner_vote = votes.vote_create(
            actor=actor, compound=compound, title=matter.title[:200], deadline=deadline,
            items=[{"title": matter.title[:200], "matter": category}],
        )  # fmt: skip
    return _move(
        matter, to=S.VOTING, allowed=(S.DISCUSSION,), actor=actor, note=f"提交业主表决：{owner_vote.title}"[:200],
        method=Matter.Method.OWNER_VOTE, owner_vote=owner_vote,
    )  # fmt: skip


def owner_vote_lines(vote) -> list[str]:
    """The owners' vote of a matter in the results report: turnout and each item's outcome."""
    if vote.status != vote.Status.CLOSED or not vote.result:
        return [f"业主表决“{vote.title}”尚未结束。"]
    r = vote.result
    lines = [
        f"业主表决“{vote.title}”（{vote.compound.name}）："
        + ("参与表决达到" if r["quorum_met"] else "参与表决未达到")
        + f"“双三分之二”（面积 {r['turnout']['area']}，人数 {r['turnout']['owners']}）。"
    ]
    titles = dict(vote.items.values_list("index", "title"))
    for item in r["items"]:
        outcome = "通过" if item["passed"] else "未通过"
        lines.append(f"  事项{item['item'] + 1}“{titles.get(item['item'], '')}”：{outcome}")
    return lines


# -- results and follow-up (汇报—评价—督促—反馈) ---------------------------------------------------------------------


def results_notice_text(matter: Matter) -> tuple[str, str]:
    """The title and body of a matter's results report, from its polls' stored tallies."""
    name = matter.proposer_name
    if matter.proposer_kind == Matter.ProposerKind.RESIDENT:
        name = mask_name(name)  # the notice reaches every participant: a resident's name is masked
    lines = [f"议题：{matter.title}", f"提议方：{matter.get_proposer_kind_display()}（{name}）"]
    meetings = matter.meetings.count()
    comments = matter.comments.filter(hidden=False).count()
    lines.append(f"协商过程：线上意见 {comments} 条，线下协商会议 {meetings} 次。")
    for poll in matter.polls.filter(status=Poll.Status.CLOSED).prefetch_related("options"):
        rows = selectors.result_rows(poll)
        lines.append(f"投票（{poll.get_per_display()}）共 {poll.tally.get('ballots', 0)} 票：")
        lines += [f"  {r['option'].label}：{r['count']} 票（{r['percent']}%）" for r in rows]
    if matter.method == Matter.Method.OWNER_VOTE:
        if matter.owner_vote_id:
            lines += owner_vote_lines(matter.owner_vote)
        lines.append("表决方式：业主表决，详细结果以业主表决结果公告为准。")
    return f"议事结果公告：{matter.title}", "\n".join(lines)


@transaction.atomic
def publish_results_notice(matter: Matter, *, actor=None, summary: str = "") -> Matter:
    """汇报: publish the results report of a voted matter and tell everyone who took part.

    The report is kept on the matter and published as a notice (通知公告) to everyone in the matter's region, with
    the matter as its source; the notice part tells each of them in their inbox and keeps the read receipts.
    """
    if matter.polls.filter(status=Poll.Status.OPEN).exists():
        raise DomainError("结果公告：还有投票没有结束，请先结束投票", field="summary")
    if matter.owner_vote_id and matter.owner_vote.status != matter.owner_vote.Status.CLOSED:
        raise DomainError("结果公告：业主表决还没有结束，请先结束表决并计票", field="summary")
    title, body = results_notice_text(matter)
    if summary.strip():
        body = f"{body}\n\n{summary.strip()}"
    region, author = matter.region, actor
    _move(
        matter, to=S.RESULTS, allowed=(S.VOTING,), actor=author, note="公布议事结果",
        results_title=title[:150], results_body=body, results_published_at=timezone.now(),
    )  # fmt: skip
    # Published by the platform on the workflow's behalf: the actor's right was checked by the move above.
    publish_notice(author=None, region=region, title=title[:150], body=body, source=matter)
    return matter


@transaction.atomic
def follow_up_add(*, matter: Matter, actor, title: str, owner_name: str, deadline: dt.date | None) -> FollowUp:
    if matter.status not in (S.RESULTS, S.FOLLOW_UP):
        raise DomainError("落实事项：结果公布后才能添加落实事项", field="title")
    title = _text(title, field="title", label="落实事项", max_length=150)
    owner_name = _text(owner_name, field="owner_name", label="责任方", max_length=50)
    if deadline is None:
        raise DomainError("完成期限：请填写完成期限", field="deadline")
    item = FollowUp.objects.create(matter=matter, title=title, owner_name=owner_name, deadline=deadline)
    if matter.status == S.RESULTS:
        _move(matter, to=S.FOLLOW_UP, allowed=(S.RESULTS,), actor=actor, note="开始跟踪落实")
    return item


@transaction.atomic
def follow_up_done(*, item: FollowUp, actor, result: str) -> FollowUp:
    result = _text(result, field="result", label="完成情况", max_length=300)
    if not FollowUp.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=timezone.now(), result=result):
        raise ConflictError("该落实事项已经办结，请刷新页面。")
    item.refresh_from_db()
    audit.record(actor=actor, action=OTHER, field="落实事项办结", target=item.matter, extra={"item": item.pk})
    return item


@transaction.atomic
def follow_up_chase(*, item: FollowUp, actor) -> FollowUp:
    """督促: chase an overdue item; the office staff of the matter's region get a reminder."""
    from linli.core.models import Grant
    from linli.core.roles import OFFICE_ROLES

    if item.done_at is not None:
        raise DomainError("督促：该事项已经办结", field="item")
    if item.deadline >= timezone.localdate():
        raise DomainError(f"督促：该事项还没有超期（期限 {item.deadline:%Y-%m-%d}）", field="item")
    FollowUp.objects.filter(pk=item.pk).update(chase_count=F("chase_count") + 1, last_chased_at=timezone.now())
    item.refresh_from_db()
    matter = item.matter
    paths = [matter.region_path[:i] for i in range(selectors.STEP, len(matter.region_path) + 1, selectors.STEP)]
    grants = Grant.objects.filter(role__in=OFFICE_ROLES, region__path__in=paths).select_related("user")
    users = [g.user for g in grants]
    title = f"督促：{item.title}"
    body = f"责任方 {item.owner_name}，期限 {item.deadline:%Y-%m-%d}，已督促 {item.chase_count} 次。"
    url = reverse("participation:matter_detail", args=[matter.pk])
    transaction.on_commit(lambda: notifications.inbox(users, target=matter, kind="follow_up_chase", title=title,
                                                      body=body, url=url))  # fmt: skip
    audit.record(actor=actor, action=OTHER, field="督促落实事项", target=matter, extra={"item": item.pk})
    return item


@transaction.atomic
def follow_up_rate(*, matter: Matter, actor, score, comment: str = "") -> FollowUpRating:
    """评价: a resident rates the follow-up (1–5) once."""
    if matter.status not in (S.FOLLOW_UP, S.CLOSED):
        raise DomainError("评价：议题进入落实阶段后才能评价", field="score")
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DomainError("评分：请选择 1 到 5 星", field="score")
    comment = _text(comment, field="comment", label="意见", max_length=200, required=False)
    try:
        with transaction.atomic():
            return FollowUpRating.objects.create(matter=matter, user=actor, score=score, comment=comment)
    except IntegrityError:
        raise ConflictError("您已经评价过了，每人只能评价一次。") from None


@transaction.atomic
def matter_close(*, matter: Matter, actor, note: str = "") -> Matter:
    if matter.follow_ups.filter(done_at__isnull=True).exists():
        raise DomainError("办结：还有落实事项没有完成", field="note")
    return _move(matter, to=S.CLOSED, allowed=(S.FOLLOW_UP, S.RESULTS), actor=actor, note=note or "议题办结")
