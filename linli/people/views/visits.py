"""Console pages for 走访 (visits): the list, recording a visit (phone camera), a visit, overdue reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from linli.core.errors import DomainError
from linli.core.scoping import can, has_action
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView
from linli.people import selectors, services
from linli.people.filtersets import VisitFilterSet
from linli.people.forms import VisitForm
from linli.people.models import Household, Person, Visit


class VisitListView(ObjectListView):
    kind = "visit"
    title = "走访记录"
    filterset_class = VisitFilterSet
    columns = [
        Column("走访日期", "visited_on", link=True, css="text-nowrap"),
        Column("走访对象", "target_name"),
        Column("方式", "kind", css="text-nowrap"),
        Column("走访情况", "notes_short"),
        Column("跟进事项", "follow_up"),
        Column("转办事件", "event_number", css="font-monospace"),
        Column("走访人", "visitor_name", css="text-nowrap"),
        Column("网格", "region.name"),
    ]

    def base_queryset(self):
        return selectors.visit_rows()


class VisitDetailView(ObjectDetailView):
    kind = "visit"
    template_name = "people/console/visit_detail.html"

    def base_queryset(self):
        return selectors.visit_rows(detail=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visit, user = self.object, self.request.user
        context.update(
            photos=list(visit.photos.all()),
            can_open_event=not visit.event_id and can(user, "visit.add", visit) and has_action(user, "event.add"),
        )
        return context


def _target(request):
    """The person or household a new visit is about, from ?person= or ?household=, in the user's scope."""
    source = request.POST if request.method == "POST" else request.GET
    person = household = None
    try:
        if source.get("person"):
            person = selectors.visit_target(user=request.user, person_id=int(source["person"]))
        elif source.get("household"):
            household = selectors.visit_target(user=request.user, household_id=int(source["household"]))
    except (ValueError, Person.DoesNotExist, Household.DoesNotExist):
        raise Http404("没有找到走访对象。")
    if person is None and household is None:
        raise Http404("请先选择走访对象。")
    return person, household


@login_required
def visit_add(request):
    if not has_action(request.user, "visit.add"):
        raise Http404
    person, household = _target(request)
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate(), "kind": Visit.Kind.HOME})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_record(
                actor=request.user, person=person, household=household, visited_on=data["visited_on"],
                kind=data["kind"], notes=data["notes"], follow_up_needed=data["follow_up_needed"],
                follow_up=data["follow_up"], photos=request.FILES.getlist("photos"),
            )  # fmt: skip
        except DomainError as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"已记录对 {visit.target_name} 的走访。")
            target = request.POST.get("next", "")
            return redirect(target if _safe(target) else visit.get_absolute_url())
    history = selectors.visit_history(user=request.user, person=person)[:5] if person else []
    tags = selectors.visible_tags(user=request.user, person=person) if person else []
    context = {"form": form, "person": person, "household": household, "history": history, "tags": tags,
               "next": request.GET.get("next", "") if _safe(request.GET.get("next", "")) else "",
               "title": "记录走访"}  # fmt: skip
    return render(request, "people/console/visit_form.html", context)


def _safe(url: str) -> bool:
    return url.startswith("/console/") and "//" not in url


@login_required
def visit_overdue(request):
    """走访提醒: key persons whose visit is due, most overdue first (for a grid worker or a community)."""
    user = request.user
    if not has_action(user, "visit.view"):
        raise Http404
    show_all = request.GET.get("show") == "all"
    qs = selectors.visits_due(user=user, overdue_only=not show_all)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "title": "走访提醒",
        "page_obj": page,
        "paginator": page.paginator,
        "querystring": "show=all" if show_all else "",
        "persons": selectors.with_due(page.object_list, user=user),
        "cycles": selectors.visit_cycles(user=user),
        "show_all": show_all,
        "can_add": has_action(user, "visit.add"),
        "today": timezone.localdate(),
    }
    return render(request, "people/console/visit_overdue.html", context)


@login_required
def visit_photo(request, pk):
    """A visit photo, only to someone who may see the visit."""
    photo = selectors.visit_photo_for(user=request.user, pk=pk)
    if photo is None:
        raise Http404
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
