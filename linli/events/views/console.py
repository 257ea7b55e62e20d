"""Console pages for events: dispatcher queue, my tasks, lists, detail with timeline and actions, intake, patrol,
12345 order import, supervision list, statistics, inbox, and the scoped photo download."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from linli.core import selectors as core_selectors
from linli.core.errors import DomainError
from linli.core.http import safe_next
from linli.core.permissions import requires
from linli.core.scoping import grant_reach, has_action, restrict
from linli.core.views.generic import COUNT_CAP, CappedPaginator, Column, KnownCountPaginator, ObjectListView
from linli.events import selectors, services
from linli.events.filtersets import EventFilterSet
from linli.events.forms import HotlineImportForm, IntakeForm, PatrolForm, category_choices
from linli.events.models import (
    Event,
    EventPhoto,
    EventStatus,
)
from linli.housing import selectors as housing_selectors

S = EventStatus


class TimeColumn(Column):
    """A datetime shown (and exported) in Asia/Shanghai as text: Excel cannot hold time-zone-aware values."""

    def value(self, obj):
        value = super().value(obj)
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


COLUMNS = [
    Column("编号", "number", link=True, css="font-monospace"),
    Column("标题", "title"),
    Column("分类", "category.name"),
    Column("渠道", "channel"),
    Column("状态", "status"),
    Column("位置", "location_label"),
    Column("网格", "region.name"),
    Column("处置方", "handler_label"),
    Column("联系电话", "contact_phone_masked", css="font-monospace"),
    TimeColumn("上报时间", "created_at"),
    TimeColumn("时限", "due_at"),
    Column("督办", "supervision"),
    Column("评价", "rating"),
]


class EventPaginator(CappedPaginator):
    """Counts (capped) without the list's ordering and joins: the count does not sort what it counts."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()


# The yes-no filters send "unknown" for 全部 (YesNoSelect): no filter, like an empty field.
_YES_NO = ("overdue", "needs_triage", "flagged")


class EventListBase(ObjectListView):
    kind = "event"
    filterset_class = EventFilterSet
    template_name = "events/console/event_list.html"
    partial_template = "events/console/event_list.html#table"
    columns = COLUMNS
    paginator_class = EventPaginator
    bulk = False
    show_counts = False

    def base_queryset(self):
        # Lists filter, order and count on the event table alone (its indexes); only the page's rows are then
        # read with their relations (``paginate_queryset``). An export reads every row's relations at once.
        if self.action == "export":
            return self.narrow(selectors.base_queryset())
        return self.narrow(selectors.unfiltered_rows())

    def narrow(self, qs):
        """The list's own filter (my tasks, supervision…) on top of the scope and the filter form."""
        return qs

    @cached_property
    def state_counts(self) -> dict[str, int | str]:
        """Events per state in the dispatcher's area (the tabs), and the overdue ones."""
        return selectors.queue_counts(user=self.request.user)

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, more = super().paginate_queryset(queryset, page_size)
        page.object_list = selectors.page_rows(list(rows.values_list("pk", flat=True)))
        return paginator, page, page.object_list, more

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        for event in context["object_list"]:
            event.overdue_now = event.is_overdue(now)
            event.warn_now = bool(event.warn_at and event.status in (S.ACCEPTED, S.DISPATCHED, S.PROCESSING)
                                  and event.warn_at <= now and not event.overdue_now)  # fmt: skip
        context["bulk"] = self.bulk and has_action(self.request.user, "event.dispatch")
        if context["bulk"]:
            context["handler_choices"] = selectors.handler_choices(event=None, user=self.request.user)
        if self.show_counts:
            counts = self.state_counts
            context["state_tabs"] = [(s, S(s).label, counts[s]) for s in
                                     (S.PENDING, S.ACCEPTED, S.DISPATCHED, S.PROCESSING, S.SUSPENDED, S.RESOLVED,
                                      S.VERIFIED, S.CLOSED, S.REJECTED, S.MERGED)]  # fmt: skip
            context["overdue_total"] = counts["overdue"]
            context["current_status"] = self.request.GET.getlist("status")
        return context


class EventListView(EventListBase):
    title = "全部事件"
    replica_reads = True


class EventQueueView(EventListBase):
    """受理派遣: the dispatcher's queue — counts per state, filters, overdue in red, bulk dispatch."""

    title = "受理派遣"
    action = "dispatch"
    bulk = True
    show_counts = True

    def export_xlsx(self):
        if not has_action(self.request.user, "event.dispatch"):
            raise PermissionDenied("没有导出权限。")
        return super().export_xlsx()

    DEFAULT_STATES = [S.PENDING, S.ACCEPTED, S.RESOLVED, S.VERIFIED]

    def get_queryset(self):
        qs = super().get_queryset()
        if not self.request.GET.get("status") and self.action != "export":
            qs = qs.filter(status__in=self.DEFAULT_STATES)
        return qs.order_by("-emergency", "status", "due_at", "-created_at", "-pk")

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        known = self._count_from_counters()
        if known is None:
            return super().get_paginator(queryset, per_page, orphans, allow_empty_first_page, **kwargs)
        return KnownCountPaginator(queryset, per_page, orphans, allow_empty_first_page, count=known)

    def _count_from_counters(self) -> int | None:
        """The queue's total without counting its rows when it is filtered by state and grid only (its default view: a
        community's open events, which grow with every report): the sum of the tabs' counts, or under a grid the
        counters of current states when the dispatcher's reach is regions; None otherwise (the rows are counted,
        capped)."""
        if self.filter_errors:
            return None
        given = {key for key, values in self.request.GET.lists()
                 if any(v and not (key in _YES_NO and v == "unknown") for v in values)}  # fmt: skip
        if not given - {"page"} <= {"status", "grid"}:
            return None
        statuses = [v for v in self.request.GET.getlist("status") if v] or self.DEFAULT_STATES
        if any(st not in S.values for st in statuses):
            return None
        if "grid" not in given:  # the tabs' counts, already read: exact from the counters (or counted, capped)
            counts = [self.state_counts[st] for st in statuses]
            return sum(counts) if all(isinstance(n, int) for n in counts) else None
        region = self.filterset.form.cleaned_data.get("grid") if self.filterset is not None else None
        if region is None:
            return None
        return selectors.counted_by_status(self.request.user, statuses, region, action="event.dispatch")


class MyTasksView(EventListBase):
    """我的任务: what the grid worker, department or property staff must handle now."""

    title = "我的任务"
    action = "handle"

    def narrow(self, qs):
        return qs.filter(selectors.my_tasks_q(self.request.user), status__in=[S.DISPATCHED, S.PROCESSING, S.SUSPENDED])

    def get_queryset(self):
        return super().get_queryset().order_by("due_at", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tasks"] = selectors.org_open_tasks(user=self.request.user)
        return context


class SupervisionListView(EventListBase):
    """挂牌督办: flagged by a leader or escalated to 督办 by the timer."""

    title = "挂牌督办"

    def narrow(self, qs):
        return qs.filter(Q(flagged=True) | Q(supervision=3)).exclude(status__in=[S.CLOSED, S.REJECTED, S.MERGED])

    def get_queryset(self):
        return super().get_queryset().order_by("due_at", "pk")


def _scoped_event(user, pk, action="event.view") -> Event:
    qs = restrict(user, action, selectors.base_queryset().select_related("house__building__compound", "house__unit",
                                                                          "building__compound", "parent", "region__level"))  # fmt: skip
    try:
        return qs.get(pk=pk)
    except (Event.DoesNotExist, ValueError):
        raise Http404("没有找到该事件。")


@login_required
def event_detail(request, pk):
    user = request.user
    if not has_action(user, "event.view"):
        raise Http404
    event = _scoped_event(user, pk)
    actions = services.allowed_actions(event, user)
    photos = list(event.photos.all())
    is_dispatcher = "accept" in actions or "dispatch" in actions or "categorise" in actions
    context = {
        "event": event,
        "timeline": selectors.timeline(event=event),
        "report_photos": [p for p in photos if p.kind == EventPhoto.Kind.REPORT],
        "result_photos": [p for p in photos if p.kind == EventPhoto.Kind.RESULT],
        "actions": actions,
        "tasks": list(event.tasks.select_related("organisation", "done_by")),
        "merged": selectors.merged_into(user=user, event=event),
        "similar": selectors.similar_events(event=event, user=user) if event.status in (S.PENDING, S.ACCEPTED) else [],
        "overdue": event.is_overdue(),
        "map_data": _map_data(event),
        "handler_choices": selectors.handler_choices(event=event, user=user) if is_dispatcher else [],
        "departments": core_selectors.departments() if "escalate" in actions else [],
        "contact_phone": _masked_phone(event),
        "can_reveal_phone": has_action(user, "event.unmask_reporter"),
        "my_org_ids": list(grant_reach(user).org_ids),
    }
    if event.channel == "open311":
        context["public_text"] = _public_text_context(event, user)
    if is_dispatcher:
        context["suggestions"] = selectors.suggestions(f"{event.title}\n{event.description}")
        top = context["suggestions"][0]["code"] if context["suggestions"] else ""
        context["default_category"] = event.category.code if event.category_id else top
        context["suggested_handler"] = selectors.suggested_handler_value(event)
        context["category_groups"] = category_choices()[1:]
    return render(request, "events/console/event_detail.html", context)


def _public_text_context(event: Event, user) -> dict:
    """The Open311 review card: what the public feed shows now, and the redacted text proposed for review."""
    from django.conf import settings

    from linli.core.redaction import redact
    from linli.events.open311.views import public_description, public_media_url

    reviewed = event.public_reviewed_at is not None
    return {
        "reviewable": services.public_text_reviewable(event, user),
        "reviewed": reviewed,
        "reviewer": event.public_reviewed_by.display_name if reviewed and event.public_reviewed_by_id else "",
        "mode": settings.OPEN311_PUBLISH,
        "shown": public_description(event),
        "proposed": event.public_description if reviewed else redact(event.description),
        "media_shown": public_media_url(event),
    }


@login_required
@require_POST
def event_public_text(request, pk):
    """Review the text Open311 publishes for the event (redacted again when stored)."""
    event = _scoped_event(request.user, pk)
    try:
        version = int(request.POST.get("version", event.version))
    except ValueError:
        version = event.version
    try:
        services.event_review_public_text(event=event, actor=request.user, text=request.POST.get("text", ""),
                                          version=version)  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已审核：Open311 公开数据现在显示审核后的描述。")
    return redirect(event)


def _map_data(event: Event) -> dict:
    point = None
    if event.lat is not None:
        point = [float(event.lat), float(event.lng)]
    elif event.building_id and event.building.lat is not None:
        point = [float(event.building.lat), float(event.building.lng)]
    from django.urls import reverse

    from linli.core.maps import tile_config
    from linli.events import routing

    community = routing.community_of(event.region)
    return {"point": point, "boundary": event.region.boundary, "label": event.location_label or event.region.name,
            "base": reverse("housing:base_map", args=[community.pk]) if community.level.code == "community" else None,
            "own_base": tile_config()["kind"] == "none"}  # fmt: skip


def _handler_kwargs(request) -> dict:
    return selectors.parse_handler(request.POST.get("handler", ""))


@login_required
@require_POST
def event_act(request, pk, action):
    """One workflow action from the detail page's forms; the service checks state and permission."""
    user = request.user
    event = _scoped_event(user, pk)
    post = request.POST
    try:
        version = int(post.get("version", event.version))
    except ValueError:
        version = event.version
    if version != event.version:
        messages.error(request, f"该事件刚刚已被他人处理（当前状态：{event.get_status_display()}），请查看后重试。")
        return redirect(event)
    note = post.get("note", "")
    try:
        if action == "accept":
            services.event_accept(event=event, actor=user, category_code=post.get("category") or None, note=note)
        elif action == "reject":
            services.event_reject(event=event, actor=user, reason=note)
        elif action == "merge":
            parent = selectors.event_by_number_or_pk(
                user=user, number=post.get("parent", ""), pk=_int(post.get("parent_id"))
            )
            if parent is None:
                raise DomainError("合并：请填写要合并到的事件编号（须在您的范围内）", field="parent")
            services.event_merge(event=event, parent=parent, actor=user, note=note)
        elif action == "dispatch":
            services.event_dispatch(event=event, actor=user, note=note, **_handler_kwargs(request))
        elif action == "reassign":
            services.event_reassign(event=event, actor=user, reason=note, **_handler_kwargs(request))
        elif action == "escalate":
            orgs = {o.pk: o for o in core_selectors.departments()}
            lead = orgs.get(_int(post.get("lead")))
            if lead is None:
                raise DomainError("吹哨报到：请选择牵头部门", field="lead")
            assists = [orgs[i] for i in map(_int, post.getlist("assists")) if i in orgs]
            services.event_escalate(event=event, actor=user, lead=lead, assists=assists, note=note,
                                    days=_int(post.get("days")) or None)  # fmt: skip
        elif action == "sign":
            services.event_sign(event=event, actor=user, note=note)
        elif action == "return":
            services.event_return(event=event, actor=user, reason=note)
        elif action == "resolve":
            services.event_resolve(event=event, actor=user, result=post.get("result", note),
                                   photos=request.FILES.getlist("photos"))  # fmt: skip
        elif action == "verify":
            services.event_verify(event=event, actor=user, passed=True, note=note)
        elif action == "verify_fail":
            services.event_verify(event=event, actor=user, passed=False, note=note)
        elif action == "close":
            services.event_close(event=event, actor=user, note=note)
        elif action == "rework":
            services.event_rework(event=event, actor=user, reason=note)
        elif action == "suspend":
            services.event_suspend(event=event, actor=user, reason=note)
        elif action == "resume":
            services.event_resume(event=event, actor=user, note=note)
        elif action == "extension_request":
            services.event_request_extension(event=event, actor=user, days=_int(post.get("days")) or 0, reason=note)
        elif action in ("extension_approve", "extension_refuse"):
            services.event_decide_extension(event=event, actor=user, approve=action == "extension_approve", note=note)
        elif action == "revisit":
            services.event_revisit(event=event, actor=user, note=note, outcome=post.get("outcome", ""))
        elif action == "flag":
            services.event_flag(event=event, actor=user, flagged=post.get("flagged", "1") == "1", note=note)
        elif action == "categorise":
            services.event_set_category(event=event, actor=user, category_code=post.get("category", ""),
                                        suggested_code=post.get("suggested", ""))  # fmt: skip
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        label = services.ACTIONS.get(action, ("操作",))[0]
        messages.success(request, f"已{label}：{event.number}。")
    return redirect(safe_next(request, event.get_absolute_url()))  # 今日工作 signs in place and stays there


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_POST
def bulk_dispatch(request):
    """批量派遣: the selected events to one handler, or each by its dispatch rule when no handler is chosen."""
    user = request.user
    if not has_action(user, "event.dispatch"):
        raise PermissionDenied("没有派遣权限。")
    ids = [i for i in map(_int, request.POST.getlist("ids")) if i]
    events = list(restrict(user, "event.dispatch", selectors.base_queryset().filter(pk__in=ids)))
    try:
        handler = _handler_kwargs(request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("events:event_queue")
    done, failed = 0, []
    for event in events:
        try:
            services.event_dispatch(event=event, actor=user, **handler)
            done += 1
        except DomainError as exc:
            failed.append(f"{event.number}：{exc.message}")
    if done:
        messages.success(request, f"已派遣 {done} 件。")
    for line in failed[:10]:
        messages.error(request, line)
    if not events:
        messages.warning(request, "请先勾选要派遣的事件。")
    return redirect(safe_next(request, reverse("events:event_queue")))


@login_required
@require_POST
def task_act(request, pk, action):
    task = selectors.task_with_event(pk=pk)
    if task is None:
        raise Http404
    _scoped_event(request.user, task.event_id)
    try:
        if action == "sign":
            services.task_sign(task=task, actor=request.user)
        elif action == "done":
            services.task_complete(task=task, actor=request.user, result=request.POST.get("result", ""))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已报到。" if action == "sign" else "协办任务已完成。")
    return redirect(task.event)


@login_required
@requires("event.dispatch")
def event_intake(request):
    """电话登记: a fast form for staff taking a call; suggestions appear as the text is typed."""
    user = request.user
    form = IntakeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_open(
                channel=data["channel"], category_code=data["category"] or None, text=data["text"],
                reporter_name=data["reporter_name"], contact_phone=data["contact_phone"], anonymous=data["anonymous"],
                building=data["building"], address=data["address"], actor=user,
                external_source=data["channel"] if data["external_id"] else "", external_id=data["external_id"],
                photos=request.FILES.getlist("photos"),
            )  # fmt: skip
        except DomainError as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"已登记 {event.number}。")
            if data["accept_now"]:
                _accept_after_intake(request, event)
            return redirect(event)
    return render(request, "events/console/intake.html", {"form": form, "title": "电话登记"})


@login_required
@require_POST
def reveal_reporter_phone(request, pk):
    """htmx: the reporter's phone in clear after a reason is given (回访); the access is recorded either way."""
    event = _scoped_event(request.user, pk)
    context = {"event": event, "masked": _masked_phone(event), "can_reveal": True}
    try:
        context["value"] = services.event_reveal_reporter_phone(actor=request.user, event=event,
                                                                reason=request.POST.get("reason", ""))  # fmt: skip
    except DomainError as exc:
        context["error"] = exc.message
    return render(request, "events/partials/reporter_phone.html", context)


def _masked_phone(event: Event) -> str:
    return event.contact_phone_masked or (event.reporter_user.phone_masked if event.reporter_user_id else "")


def _accept_after_intake(request, event: Event) -> None:
    """登记后立即受理: accept now, or say why it did not happen (the event is registered either way)."""
    if not event.category_id:
        messages.warning(
            request, "未立即受理：没有选择分类。受理时必须确定分类，请在本页选择分类（可参考分类建议）后点“受理”。"
        )
        return
    try:
        services.event_accept(event=event, actor=request.user)
    except DomainError as exc:
        messages.warning(request, f"未立即受理：{exc.message.rstrip('。')}。事件已登记，在待受理队列中。")


@login_required
@require_POST
def classify_partial(request):
    """htmx POST: the classifier's top-3 for the text typed or pasted so far, as clickable choices.

    POST, not GET: a long call note (hundreds of characters, each 9 bytes when percent-encoded) would not fit in
    a URL that proxies accept."""
    if not has_action(request.user, "event.add"):
        raise Http404
    text = request.POST.get("text", "")[:4000]
    if not text.strip():
        selectors.warm_classifier()  # the form's first (empty) request loads the model while the caller talks
    context = {"suggestions": selectors.suggestions(text), "typed": bool(text.strip())}
    return render(request, "events/partials/suggestions.html", context)


@login_required
@requires("event.handle", "event.add")
def patrol(request):
    """巡查上报 (phone-sized): GPS point or building, photos, and 自办自结."""
    user = request.user
    form = PatrolForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_patrol(
                actor=user, category_code=data["category"], text=data["text"], self_resolve=data["self_resolve"],
                result=data["result"], building=data["building"], lat=data["lat"], lng=data["lng"],
                address=data["address"], photos=request.FILES.getlist("photos"),
                result_photos=request.FILES.getlist("result_photos"),
            )  # fmt: skip
        except DomainError as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"已上报 {event.number}" + ("，已自办自结。" if data["self_resolve"] else "。"))
            return redirect(event)
    return render(request, "events/console/patrol.html", {"form": form, "title": "巡查上报"})


@login_required
@requires("event.stats")
def stats(request):
    user = request.user
    dimension = request.GET.get("by", "category")
    since = _date(request.GET.get("since")) or (timezone.localdate() - dt.timedelta(days=90))
    until = _date(request.GET.get("until"))
    rows = selectors.statistics(user=user, dimension=dimension, since=since, until=until)
    if request.GET.get("export") == "xlsx":
        return _export_stats(request, rows, dimension)
    context = {
        "rows": rows,
        "dimension": dimension,
        "dimensions": [(k, v[1]) for k, v in selectors.STAT_DIMENSIONS.items()],
        "since": since,
        "until": until,
        "chart": {"labels": [r["label"] for r in rows[:15]], "total": [r["total"] for r in rows[:15]],
                  "on_time": [r["on_time_rate"] for r in rows[:15]],
                  "satisfaction": [r["satisfaction_rate"] for r in rows[:15]]},
        "title": "统计分析",
    }  # fmt: skip
    return render(request, "events/console/stats.html", context)


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _export_stats(request, rows, dimension):
    """The statistics table as xlsx (aggregates only: no personal data), with an EXPORT audit row."""
    import tempfile

    from linli.core import audit, xlsx
    from linli.core.models import AuditLog

    if not has_action(request.user, "event.export"):
        raise PermissionDenied("没有导出权限。")
    head = [selectors.STAT_DIMENSIONS.get(dimension, ("", "分组"))[1], "事件数", "已办结", "已结案", "超期未办",
            "按时办结率%", "结案率%", "满意率%", "平均处置时长（小时）"]  # fmt: skip
    keys = ["label", "total", "resolved", "closed", "overdue", "on_time_rate", "closure_rate", "satisfaction_rate",
            "avg_hours"]  # fmt: skip
    audit.record(actor=request.user, action=AuditLog.Action.EXPORT, field="事件统计",
                 extra={"count": len(rows), "by": dimension, "path": request.path})  # fmt: skip
    handle = tempfile.TemporaryFile()
    with xlsx.Workbook(handle) as book:
        sheet = book.sheet("事件统计")
        sheet.append(head, header=True)
        for row in rows:
            sheet.append(["" if row[k] is None else row[k] for k in keys])
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"事件统计-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


@login_required
def inbox(request):
    rows = selectors.inbox(user=request.user)[:100]
    return render(request, "events/console/inbox.html", {"rows": rows, "title": "消息"})


@login_required
@require_POST
def inbox_read(request, pk=None):
    qs = selectors.inbox(user=request.user, unread_only=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    qs.update(read_at=timezone.now())
    return redirect(safe_next(request, "/", candidates=(request.META.get("HTTP_REFERER"),)))


@login_required
def photo(request, pk):
    """A photo, only to someone who may see its event (staff in scope, or the reporter)."""
    photo = selectors.photo_for(user=request.user, pk=pk)
    if photo is None:
        raise Http404
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404
    response = FileResponse(handle, content_type=photo.content_type or "image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def category_json(request):
    """Sub-categories as JSON for forms (code, name, deadline, emergency hint)."""
    rows = [
        {"code": c.code, "name": c.name, "deadline": c.deadline_label, "emergency": c.emergency_hint}
        for c in selectors.leaf_categories()
    ]
    return JsonResponse({"categories": rows})


def buildings_for(user):
    return housing_selectors.buildings_with_compound(user=user)


class _RollBack(Exception):
    """Raised inside the import's transaction to undo a file that has problems."""


HOTLINE_TEMPLATE_HEAD = ["工单编号", "来电人", "联系电话", "诉求内容", "分类代码", "地址", "纬度", "经度"]
HOTLINE_TEMPLATE_ROW = ["GZ20260301-0001", "李女士", "13812345678", "3栋楼下垃圾三天没人清运", "0201",
                        "彩虹花园3栋", "", ""]  # fmt: skip


@login_required
def hotline_import(request):
    """12345 工单导入: a file of orders into one community of the user's scope; all or nothing; audited."""
    from linli.core import audit
    from linli.core.models import AuditLog
    from linli.events import hotline

    user = request.user
    if not has_action(user, "event.dispatch"):
        raise PermissionDenied("没有导入 12345 工单的权限。")
    form = HotlineImportForm(request.POST or None, request.FILES or None, user=user)
    context = {"form": form, "title": "12345 工单导入", "columns": hotline.HEADERS}
    if request.method == "POST" and form.is_valid():
        region, upload = form.cleaned_data["community"], form.cleaned_data["file"]
        data = upload.read()
        try:
            rows = hotline.read_rows(data, upload.name)
        except Exception:  # a broken file: bad encoding, not JSON, not an xlsx, a JSON of the wrong shape…
            form.add_error("file", "工单文件：无法读取。请上传 UTF-8 或 GBK 编码的 CSV、Excel（.xlsx）或 JSON 文件。")
            return render(request, "events/console/hotline_import.html", context)
        if not rows:
            form.add_error("file", "工单文件：没有工单行（第 1 行是表头，从第 2 行起每行一张工单）。")
            return render(request, "events/console/hotline_import.html", context)
        # import_orders opens each order in its own transaction and skips rows it cannot open; the page wants a
        # file imported whole or not at all, so it runs the import in one transaction and undoes it on any problem.
        saved = True
        try:
            with transaction.atomic():
                result = hotline.import_orders(data=data, filename=upload.name, region=region, actor=user)
                if result.errors:
                    raise _RollBack
        except _RollBack:
            saved = False
        audit.record(
            actor=user, action=AuditLog.Action.IMPORT, target=region, field="12345工单",
            reason=upload.name[:500], result="ok" if saved else "rejected",
            extra={"file": upload.name, "rows": len(rows), "created": len(result.created) if saved else 0,
                   "existing": len(result.existing), "problems": len(result.problems), "path": request.path},
        )  # fmt: skip
        context.update(result=result, saved=saved, community=region, file_name=upload.name, rows=len(rows),
                       created=_hotline_links(user, result.created) if saved else [],
                       existing=_hotline_links(user, result.existing))  # fmt: skip
        if saved:
            form = HotlineImportForm(user=user, initial={"community": region.pk})
            context["form"] = form
    return render(request, "events/console/hotline_import.html", context)


def _hotline_links(user, orders: list[str]) -> list[tuple[str, Event | None]]:
    """(order number, event or None when the event lies outside the user's scope) in the file's order."""
    from linli.events.hotline import SOURCE

    events = selectors.events_for_orders(user=user, source=SOURCE, orders=orders)
    by_order = {e.external_id: e for e in events.only("pk", "number", "title", "external_id", "status")}
    return [(order, by_order.get(order)) for order in orders]


@login_required
def hotline_template(request):
    """The import template: a UTF-8 CSV (with BOM, so Excel opens it) with the headers and one example row."""
    import csv
    import io

    if not has_action(request.user, "event.dispatch"):
        raise PermissionDenied("没有导入 12345 工单的权限。")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HOTLINE_TEMPLATE_HEAD)
    writer.writerow(HOTLINE_TEMPLATE_ROW)
    response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''12345-orders-template.csv"
    return response
