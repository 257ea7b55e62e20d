"""Pages of the deliberation part: the console (/console/participation/…) and the resident app (/m/matters/, /m/polls/)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_POST

from linli.core import attachments
from linli.core.errors import DomainError
from linli.core.scoping import has_action
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView
from linli.participation.deliberation import selectors, services
from linli.participation.deliberation.filtersets import MatterFilterSet, PollFilterSet
from linli.participation.deliberation.models import Matter, MatterMeeting, Poll
from linli.participation.votes.models import MATTERS

T = "participation/deliberation/"
VOTE_CATEGORIES = [(n, f"{n}. {label}") for n, label in sorted(MATTERS.items())]
LOGIN = "/accounts/login/?next=/m/matters/"


def _need(user, action: str) -> None:
    if not has_action(user, action):
        raise PermissionDenied("没有权限执行该操作。")


def _date(value: str, label: str, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    day = parse_date(value)
    if day is None:
        raise DomainError(f"{label}：日期格式应为 年-月-日，如 2026-12-31", field=field)
    return day


def _datetime(value: str, label: str, field: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value.replace(" ", "T"))
    except ValueError:
        moment = None
    if moment is None:
        raise DomainError(f"{label}：时间格式应为 年-月-日 时:分", field=field)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _ints(values) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            raise DomainError("选项：提交的内容有误，请刷新页面后重试", field="options") from None
    return out


# -- console: matters ------------------------------------------------------------------------------------------------


class MatterList(ObjectListView):
    kind = "matter"
    title = "议事协商"
    add_url_name = "participation:matter_add"
    filterset_class = MatterFilterSet
    columns = [
        Column("议题", "title", link=True),
        Column("所属区域", "region.name"),
        Column("提议方", "proposer_kind"),
        Column("提议人", "proposer_name"),
        Column("状态", "status"),
        Column("讨论截止", "discussion_ends"),
        Column("提出时间", "created_at"),
    ]

    def base_queryset(self):
        return selectors.matter_rows().order_by("-created_at", "-pk")


class MatterDetail(ObjectDetailView):
    kind = "matter"
    template_name = T + "console/matter_detail.html"

    def base_queryset(self):
        return selectors.matter_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, matter = self.request.user, self.object
        can_vote_link = matter.status == Matter.Status.DISCUSSION and has_action(user, "matter.change")
        context.update(
            matter=matter,
            S=Matter.Status,
            can_change=has_action(user, "matter.change"),
            can_moderate=has_action(user, "matter.moderate"),
            comments=selectors.comments_for(user=user, matter=matter),
            meetings=selectors.meetings_for(matter),
            follow_ups=selectors.follow_ups_for(matter),
            polls=list(matter.polls.all()),
            owner_vote=selectors.owner_vote_summary(user=user, matter=matter),
            linkable_votes=selectors.linkable_owner_votes(user=user, matter=matter) if can_vote_link else [],
            vote_compounds=selectors.vote_compounds(user=user, matter=matter) if can_vote_link else [],
            vote_categories=VOTE_CATEGORIES,
            documents=list(matter.documents.all()),
            transitions=list(matter.transitions.select_related("actor")),
            rating=selectors.rating_summary(matter),
            persons=selectors.persons_of(user=user, matter=matter) if matter.is_public else [],
            meeting_kinds=MatterMeeting.Kind.choices,
            per_choices=Poll.Per.choices,
            role_choices=Poll.Role.choices,
            tags=selectors.tag_choices(),
            today=timezone.localdate(),
        )
        return context


@login_required
def matter_add(request):
    user = request.user
    _need(user, "matter.add")
    regions = selectors.region_choices(user=user)
    data = request.POST if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            region = selectors.region_for(user=user, pk=data.get("region"))
            if region is None:
                raise DomainError("所属区域：请选择议题所属的社区或网格", field="region")
            matter = services.matter_create(
                actor=user, region=region, title=data.get("title", ""), description=data.get("description", ""),
                proposer_kind=data.get("proposer_kind", ""), proposer_name=data.get("proposer_name", ""),
            )  # fmt: skip
        except DomainError as exc:
            errors = {f or "__all__": m for f, m in exc.errors}
        else:
            messages.success(request, "议题已提交，等待审核。")
            return redirect("participation:matter_detail", pk=matter.pk)
    return render(request, T + "console/matter_form.html", {
        "regions": regions, "data": data, "errors": errors, "kinds": Matter.ProposerKind.choices,
    })  # fmt: skip


CONSOLE_OPS = {
    "submit", "approve", "reject", "start_poll", "start_owner_vote", "publish_results", "follow_up_add",
    "follow_up_done", "follow_up_chase", "close", "comment_hide", "comment_restore", "meeting_add", "document_add",
}  # fmt: skip


@login_required
@require_POST
def matter_action(request, pk, op):
    """Every staff action on a matter's page; a refused one comes back as a Chinese message."""
    user = request.user
    matter = selectors.matter_get(user=user, pk=pk)
    if matter is None or op not in CONSOLE_OPS:
        raise Http404("没有找到该议题。")
    _need(user, "matter.moderate" if op.startswith("comment_") else "matter.change")
    p = request.POST
    try:
        done = _console_op(request, matter, op, p)
    except DomainError as exc:
        messages.error(request, "；".join(m for _, m in exc.errors))
    else:
        messages.success(request, done)
    return redirect("participation:matter_detail", pk=pk)


def _console_op(request, matter: Matter, op: str, p) -> str:
    user = request.user
    if op == "submit":
        services.matter_submit(matter=matter, actor=user)
        return "已提交审核。"
    if op == "approve":
        ends = _date(p.get("discussion_ends"), "讨论截止日期", "discussion_ends")
        services.matter_review(matter=matter, actor=user, approve=True, note=p.get("note", ""), discussion_ends=ends)
        return "审核通过，议题进入协商讨论。"
    if op == "reject":
        services.matter_review(matter=matter, actor=user, approve=False, note=p.get("note", ""))
        return "已退回，提议人会看到审核意见。"
    if op == "start_poll":
        multiple = p.get("multiple") == "1"
        try:
            max_choices = int(p.get("max_choices") or (2 if multiple else 1))
        except ValueError:
            raise DomainError("最多选几项：请填写数字", field="max_choices") from None
        poll = services.matter_start_poll(
            matter=matter, actor=user, options=p.get("options", "").splitlines(),
            closes_at=_datetime(p.get("closes_at"), "截止时间", "closes_at"), per=p.get("per", Poll.Per.PERSON),
            multiple=multiple, max_choices=max_choices, anonymous=p.get("anonymous") == "1",
            show_tally=p.get("show_tally") == "1", role=p.get("role", ""), tag=selectors.tag_get(p.get("tag")),
            description=p.get("description", ""),
        )  # fmt: skip
        return f"已发起投票（截止 {timezone.localtime(poll.closes_at):%Y-%m-%d %H:%M}）。"
    if op == "start_owner_vote":
        return _start_owner_vote(user, matter, p)
    if op == "publish_results":
        services.publish_results_notice(matter, actor=user, summary=p.get("summary", ""))
        return "结果公告已发布，并已通知参与的居民。"
    if op == "follow_up_add":
        services.follow_up_add(matter=matter, actor=user, title=p.get("title", ""), owner_name=p.get("owner_name", ""),
                               deadline=_date(p.get("deadline"), "完成期限", "deadline"))  # fmt: skip
        return "已添加落实事项。"
    if op in ("follow_up_done", "follow_up_chase"):
        item = selectors.follow_up_get(matter=matter, pk=p.get("item"))
        if item is None:
            raise DomainError("落实事项：没有找到该事项，请刷新页面", field="item")
        if op == "follow_up_done":
            services.follow_up_done(item=item, actor=user, result=p.get("result", ""))
            return "已标记为完成。"
        services.follow_up_chase(item=item, actor=user)
        return "已督促，社区工作人员会收到提醒。"
    if op == "close":
        services.matter_close(matter=matter, actor=user, note=p.get("note", ""))
        return "议题已办结。"
    if op in ("comment_hide", "comment_restore"):
        comment = selectors.comment_get(matter=matter, pk=p.get("comment"))
        if comment is None:
            raise DomainError("评论：没有找到该评论，请刷新页面", field="comment")
        if op == "comment_hide":
            services.comment_hide(comment=comment, actor=user, reason=p.get("reason", ""))
            return "评论已隐藏。"
        services.comment_restore(comment=comment, actor=user)
        return "评论已恢复显示。"
    if op == "meeting_add":
        services.meeting_record(
            matter=matter, actor=user, kind=p.get("kind", ""), held_at=_datetime(p.get("held_at"), "召开时间", "held_at"),
            place=p.get("place", ""), minutes=p.get("minutes", ""), attendee_ids=_ints(p.getlist("attendees")),
            photos=request.FILES.getlist("photos"),
        )  # fmt: skip
        return "会议记录已保存。"
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError("材料：请选择要上传的文件", field="file")
    services.document_add(matter=matter, actor=user, upload=upload)
    return "材料已上传。"


def _start_owner_vote(user, matter: Matter, p) -> str:
    """Link an open owners' vote of the matter's community, or open a new one in a chosen compound."""
    if p.get("owner_vote"):
        vote = selectors.owner_vote_for(user=user, matter=matter, pk=p.get("owner_vote"))
        if vote is None:
            raise DomainError("业主表决：没有找到该表决，或它已关联其他议题，请刷新页面", field="owner_vote")
        services.matter_start_owner_vote(matter=matter, actor=user, owner_vote=vote)
        return f"已关联业主表决“{vote.title}”。"
    compound = None
    if p.get("compound"):
        compound = selectors.vote_compound_for(user=user, matter=matter, pk=p.get("compound"))
        if compound is None:
            raise DomainError("小区：请选择本社区的小区", field="compound")
    try:
        category = int(p.get("category") or 0) or None
    except ValueError:
        category = None
    matter = services.matter_start_owner_vote(
        matter=matter, actor=user, compound=compound, category=category,
        deadline=_datetime(p.get("deadline"), "截止时间", "deadline"),
    )  # fmt: skip
    return f"已在{compound.name}发起业主表决，议题进入表决。"


def _file(matter: Matter | None, row) -> StreamingHttpResponse:
    """A document or photo of a matter the user may see, unsealed on the way out (files kept before sealing are
    served as they are); never cached by a shared proxy."""
    if matter is None or row is None or not attachments.exists(row.key):
        raise Http404("没有找到该文件。")
    response = StreamingHttpResponse(attachments.chunks(row.key), content_type=_shown_type(row))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if hasattr(row, "name"):
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(row.name)}"
    return response


def _shown_type(row) -> str:
    # A document is always a download; only a photo's own image type is shown inline (never HTML or SVG).
    if hasattr(row, "name"):
        return "application/octet-stream"
    return row.content_type if row.content_type in services.PHOTO_TYPES else "application/octet-stream"


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
def matter_document(request, pk, doc):
    matter = selectors.matter_get(user=request.user, pk=pk)
    return _file(matter, selectors.document_get(matter=matter, pk=doc) if matter else None)


@login_required
def meeting_photo(request, pk, photo):
    matter = selectors.matter_get(user=request.user, pk=pk)
    return _file(matter, selectors.meeting_photo_get(matter=matter, pk=photo) if matter else None)


class FollowUpOverdue(ObjectListView):
    """落实督促: overdue follow-up items of the matters in the user's scope."""

    kind = "matter"
    action = "change"
    title = "落实督促（超期未完成的落实事项）"
    columns = [
        Column("落实事项", "title", link=True),
        Column("议题", "matter"),
        Column("责任方", "owner_name"),
        Column("完成期限", "deadline"),
        Column("督促次数", "chase_count"),
    ]

    def get_queryset(self):
        _need(self.request.user, "matter.change")
        self.filterset, self.filter_errors = None, []
        return selectors.overdue_follow_ups(user=self.request.user)

    def get(self, request, *args, **kwargs):
        if request.GET.get("export"):
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_export"] = False
        return context


# -- console: polls --------------------------------------------------------------------------------------------------


class PollList(ObjectListView):
    kind = "poll"
    title = "社区投票"
    add_url_name = "participation:poll_add"
    filterset_class = PollFilterSet
    columns = [
        Column("投票", "title", link=True),
        Column("范围", "region.name"),
        Column("计票单位", "per"),
        Column("状态", "status"),
        Column("截止时间", "closes_at"),
        Column("参与", "ballot_count"),
    ]

    def base_queryset(self):
        return selectors.poll_rows().order_by("-created_at", "-pk")


class PollDetail(ObjectDetailView):
    kind = "poll"
    template_name = T + "console/poll_detail.html"

    def base_queryset(self):
        return selectors.poll_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        poll = self.object
        context.update(
            poll=poll,
            rows=selectors.result_rows(poll),
            tally_visible=selectors.tally_visible(user=self.request.user, poll=poll),
            can_change=has_action(self.request.user, "poll.change"),
        )
        return context


@login_required
def poll_add(request):
    user = request.user
    _need(user, "poll.add")
    data = request.POST if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            region = selectors.region_for(user=user, pk=data.get("region"))
            if region is None:
                raise DomainError("投票范围：请选择投票范围（社区或网格）", field="region")
            multiple = data.get("multiple") == "1"
            try:
                max_choices = int(data.get("max_choices") or (2 if multiple else 1))
            except ValueError:
                raise DomainError("最多选几项：请填写数字", field="max_choices") from None
            poll = services.poll_create(
                actor=user, region=region, title=data.get("title", ""), options=data.get("options", "").splitlines(),
                closes_at=_datetime(data.get("closes_at"), "截止时间", "closes_at"), per=data.get("per", "person"),
                multiple=multiple, max_choices=max_choices, anonymous=data.get("anonymous") == "1",
                show_tally=data.get("show_tally") == "1", role=data.get("role", ""),
                tag=selectors.tag_get(data.get("tag")), description=data.get("description", ""),
            )  # fmt: skip
        except DomainError as exc:
            errors = {f or "__all__": m for f, m in exc.errors}
        else:
            messages.success(request, "投票已发起。")
            return redirect("participation:poll_detail", pk=poll.pk)
    return render(request, T + "console/poll_form.html", {
        "regions": selectors.region_choices(user=user), "data": data, "errors": errors, "tags": selectors.tag_choices(),
        "per_choices": Poll.Per.choices, "role_choices": Poll.Role.choices,
    })  # fmt: skip


@login_required
@require_POST
def poll_close(request, pk):
    user = request.user
    _need(user, "poll.change")
    poll = selectors.poll_get(user=user, pk=pk)
    if poll is None:
        raise Http404("没有找到该投票。")
    try:
        services.poll_close(poll=poll, actor=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "投票已结束，结果已按选票重新统计。")
    return redirect(request.POST.get("next") or poll.get_absolute_url())


# -- resident app ----------------------------------------------------------------------------------------------------


@login_required(login_url=LOGIN)
def my_matters(request):
    user = request.user
    if not has_action(user, "matter.view"):
        raise Http404
    rows = list(selectors.matter_list(user=user).order_by("-created_at", "-pk")[:100])
    polls = list(selectors.poll_list(user=user).filter(status=Poll.Status.OPEN).order_by("closes_at")[:20])
    return render(request, T + "resident/my_matters.html", {
        "rows": rows, "polls": polls, "can_propose": has_action(user, "matter.propose"),
    })  # fmt: skip


@login_required(login_url=LOGIN)
def my_matter_new(request):
    user = request.user
    if not has_action(user, "matter.propose"):
        raise Http404
    data = request.POST if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            matter = services.matter_create(
                actor=user, region=services.home_region_of(user), title=data.get("title", ""),
                description=data.get("description", ""), proposer_kind=Matter.ProposerKind.RESIDENT,
            )  # fmt: skip
        except DomainError as exc:
            errors = {f or "__all__": m for f, m in exc.errors}
        else:
            messages.success(request, "您的议题已提交，社区审核后将公开讨论。")
            return redirect("participation:my_matter_detail", pk=matter.pk)
    return render(request, T + "resident/my_matter_new.html", {"data": data, "errors": errors})


@login_required(login_url=LOGIN)
def my_matter_detail(request, pk):
    user = request.user
    matter = selectors.matter_get(user=user, pk=pk)
    if matter is None:
        raise Http404("没有找到该议题。")
    polls = list(matter.polls.all())
    return render(request, T + "resident/my_matter_detail.html", {
        "matter": matter, "S": Matter.Status, "comments": selectors.comments_for(user=user, matter=matter),
        "meetings": selectors.meetings_for(matter), "follow_ups": selectors.follow_ups_for(matter), "polls": polls,
        "owner_vote": selectors.owner_vote_summary(user=user, matter=matter),
        "documents": list(matter.documents.all()), "rating": selectors.rating_summary(matter),
        "my_rating": selectors.my_rating(user=user, matter=matter),
        "can_comment": has_action(user, "matter.comment") and matter.status == Matter.Status.DISCUSSION,
        "can_rate": has_action(user, "matter.rate") and matter.status in (Matter.Status.FOLLOW_UP, Matter.Status.CLOSED),
    })  # fmt: skip


@login_required(login_url=LOGIN)
@require_POST
def my_matter_action(request, pk, op):
    user = request.user
    matter = selectors.matter_get(user=user, pk=pk)
    if matter is None or op not in ("comment", "report", "rate"):
        raise Http404("没有找到该议题。")
    p = request.POST
    try:
        if op == "comment":
            _need(user, "matter.comment")
            services.comment_add(matter=matter, actor=user, body=p.get("body", ""))
            done = "您的意见已发表。"
        elif op == "report":
            comment = selectors.comment_get(matter=matter, pk=p.get("comment"))
            if comment is None or comment.hidden:
                raise DomainError("举报：没有找到该评论", field="comment")
            services.comment_report(comment=comment, actor=user, reason=p.get("reason", ""))
            done = "已收到您的举报，社区工作人员会尽快处理。"
        else:
            _need(user, "matter.rate")
            services.follow_up_rate(matter=matter, actor=user, score=p.get("score"), comment=p.get("comment", ""))
            done = "感谢您的评价！"
    except DomainError as exc:
        messages.error(request, "；".join(m for _, m in exc.errors))
    else:
        messages.success(request, done)
    return redirect("participation:my_matter_detail", pk=pk)


@login_required(login_url=LOGIN)
def my_polls(request):
    user = request.user
    if not has_action(user, "poll.view"):
        raise Http404
    rows = list(selectors.poll_list(user=user).order_by("-created_at", "-pk")[:100])
    return render(request, T + "resident/my_polls.html", {"rows": rows})


@login_required(login_url=LOGIN)
def my_poll_detail(request, pk):
    user = request.user
    poll = selectors.poll_get(user=user, pk=pk)
    if poll is None:
        raise Http404("没有找到该投票。")
    if request.method == "POST":
        try:
            _need(user, "poll.vote")
            services.ballot_cast(poll=poll, actor=user, option_ids=_ints(request.POST.getlist("options")))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "投票成功，感谢您的参与！")
        return redirect("participation:my_poll_detail", pk=pk)
    voter = selectors.my_ballot(user=user, poll=poll)
    reason = ""
    if voter is None and poll.status == Poll.Status.OPEN:
        try:
            _, key = services.eligibility(poll=poll, user=user)
            if selectors.has_voted(poll=poll, voter_key=key):
                reason = "您家已有家庭成员投过票（每户一票）。"
        except DomainError as exc:
            reason = exc.message
    return render(request, T + "resident/my_poll_detail.html", {
        "poll": poll, "options": selectors.poll_options(poll), "voter": voter,
        "mine": [] if poll.anonymous else selectors.my_choices(voter=voter), "reason": reason,
        "tally_visible": selectors.tally_visible(user=user, poll=poll), "rows": selectors.result_rows(poll),
        "open": poll.status == Poll.Status.OPEN and poll.closes_at > timezone.now(),
    })  # fmt: skip
