"""The grid worker's phone work view (移动工作台) and opening an event from a visit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.core.scoping import has_action, restrict
from linli.events import selectors
from linli.events.models import EventStatus
from linli.events.visits import event_from_visit
from linli.housing import selectors as housing_selectors
from linli.people import selectors as people_selectors

S = EventStatus
WORK_ROWS = 20


@login_required
def workbench(request):
    """今日工作 on a phone: tasks with deadlines, key persons due a visit, quick actions, the grid's buildings."""
    user = request.user
    if not (has_action(user, "event.handle") or has_action(user, "visit.view")):
        raise Http404
    now = timezone.now()
    tasks = []
    if has_action(user, "event.handle"):
        tasks = list(
            restrict(user, "event.view", selectors.base_queryset())
            .filter(selectors.my_tasks_q(user), status__in=[S.DISPATCHED, S.PROCESSING, S.SUSPENDED])
            .select_related("category", "house__building", "building")
            .order_by("due_at", "pk")[:WORK_ROWS]
        )  # fmt: skip
        for event in tasks:
            event.overdue = event.is_overdue(now)
            event.due_today = bool(event.due_at and timezone.localtime(event.due_at).date() == now.date())
    due, overdue_count = [], 0
    if has_action(user, "visit.view"):
        due = people_selectors.with_due(
            people_selectors.visits_due(user=user, overdue_only=False)[:WORK_ROWS], user=user
        )
        overdue_count = people_selectors.visits_due(user=user).count()
    today = timezone.localdate()
    buildings = []
    if has_action(user, "building.view"):
        buildings = list(housing_selectors.buildings_with_compound(user=user).order_by("compound__name", "number")[:60])
    context = {
        "title": "今日工作",
        "tasks": tasks,
        "due": due,
        "overdue_count": overdue_count,
        "buildings": buildings,
        "today": today,
        "regions": [g.region for g in user.active_grants() if g.region_id],
        "can_patrol": has_action(user, "event.handle") and has_action(user, "event.add"),
        "can_visit": has_action(user, "visit.add"),
    }
    return render(request, "events/console/workbench.html", context)


@login_required
@require_POST
def visit_open_event(request, pk):
    """走访发现问题，一键转为事件 (channel 网格巡查); the new event goes to the dispatchers' queue."""
    user = request.user
    visit = people_selectors.visit_for_event(user=user, pk=pk) if has_action(user, "event.add") else None
    if visit is None:
        raise Http404("没有找到该走访记录。")
    try:
        event = event_from_visit(visit=visit, actor=user, text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(visit)
    messages.success(request, f"已将走访发现转为事件 {event.number}。")
    return redirect(event)
