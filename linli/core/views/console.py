"""Console pages of core: home, the search box, the region tree, and the audit trail."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string

from linli.core import selectors
from linli.core.errors import DomainError
from linli.core.filtersets import AuditLogFilterSet, ObjectChangeFilterSet, RegionFilterSet
from linli.core.home import home_cards
from linli.core.models import Region
from linli.core.modules import detail_sections, statistics
from linli.core.scoping import has_action
from linli.core.search import can_search, search_all
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView

HOME_CACHE_SECONDS = 300
HOME_CAP = 100_000  # the start page shows "100,000+" above this, so it never counts further


@login_required
def home(request):
    """A staff member's start page: what is in their scope, at a glance, and one level down.

    Core knows no app here: the figures are the registered statistics marked ``home`` (and their breakdown by the
    regions one level down), the cards and lists come from the registered home-card providers."""
    user = request.user
    regions = [g.region for g in user.active_grants() if g.region_id]
    # The figures depend only on the scope, not on who asks: cache them per scope for a few minutes,
    # so a street office's home page does not count a million rows on every visit.
    scope = "|".join(sorted(f"{g.role}:{g.region_id}:{g.organisation_id}" for g in user.active_grants()))
    key = "console-home:" + hashlib.sha1(f"{user.is_superuser}|{scope}".encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = _home_figures(user, regions)
        cache.set(key, figures, HOME_CACHE_SECONDS)
    children = selectors.regions_by_pk([row["region"] for row in figures["breakdown"]])
    breakdown = [dict(row, region=children[row["region"]]) for row in figures["breakdown"] if row["region"] in children]
    work_cards, work_lists = home_cards(user)
    context = {
        "work_cards": work_cards,
        "work_lists": work_lists,
        "cards": figures["cards"],
        "regions": regions,
        "organisations": [g.organisation for g in user.active_grants() if g.organisation_id],
        "columns": figures["columns"],
        "breakdown": breakdown,
        "side_lists": [lst for lst in figures["lists"] if lst.side],
    }
    return render(request, "core/console/home.html", context)


def _home_figures(user, regions: list[Region]) -> dict:
    """What the start page may cache per scope: capped totals, one grouped query per granted region and statistic,
    and the cards of the providers registered as cached (the tallies beside the regions)."""
    shown = sorted((s for s in statistics() if s.home and has_action(user, s.action)), key=lambda s: s.home)
    cards = [{"label": s.label, "count": s.compute(user, None, cap=HOME_CAP), "url_name": s.url} for s in shown]
    columns = [s for s in shown if s.breakdown is not None]
    breakdown = []
    if columns:
        for region in regions[:3]:
            children = selectors.child_regions(region, limit=30)
            if not children:
                continue
            counts = [s.breakdown(user, region) for s in columns]
            for child in children:
                breakdown.append({"region": child.pk, "counts": [c.get(child.path, 0) for c in counts]})
    _, lists = home_cards(user, cached=True)
    return {"cards": cards, "columns": [s.label for s in columns], "breakdown": breakdown, "lists": lists}


@login_required
def search(request):
    """以房找人、以人找房: one box, answered by every search provider the apps registered and the user may use."""
    if not can_search(request.user):
        raise Http404("您的账号不能打开这个页面。")
    # The forms POST the term, so it stays out of URLs, browser history, Referer headers and access logs.
    q = (request.POST if request.method == "POST" else request.GET).get("q", "")
    try:
        found = search_all(request.user, q) if q else []
    except DomainError as exc:
        return render(request, "core/console/search.html", {"q": q, "error": exc.message}, status=429)
    hits = [hit for _, answer in found for hit in answer.hits]
    if len(hits) == 1 and not request.htmx:
        return redirect(hits[0]["url"])  # exactly one thing found: open it
    answers = [
        {
            "label": provider.label,
            "answer": answer,
            "html": render_to_string(provider.template, {"answer": answer}, request=request)
            if provider.template
            else "",
        }
        for provider, answer in found
    ]
    return render(request, "core/console/search.html", {"q": q, "answers": answers})


class RegionListView(ObjectListView):
    kind = "region"
    title = "区域网格"
    filterset_class = RegionFilterSet
    template_name = "core/console/region_list.html"
    columns = [
        Column("名称", "name", link=True),
        Column("层级", "level.name"),
        Column("负责人/联户长", "leader_name"),
    ]

    def base_queryset(self):
        return selectors.region_rows()


class RegionDetailView(ObjectDetailView):
    kind = "region"
    template_name = "core/console/region_detail.html"

    def base_queryset(self):
        return selectors.region_rows().order_by()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.object
        user = self.request.user
        around = selectors.region_neighbourhood(user=user, region=region)
        context["ancestors"] = around["ancestors"]
        context["children"] = list(around["children"])
        # What other apps place in the region (housing: its buildings) comes from their registered sections: a
        # card each, points on the map, a base map, a note per child region ("12 栋楼").
        sections, points, base, notes = [], [], None, {}
        for section in detail_sections("core.Region"):
            part = section.context(user, region)
            if part is None:
                continue
            sections.append(render_to_string(section.template, part, request=self.request))
            points += part.get("map_points", [])
            base = base or part.get("map_base")
            for pk, note in part.get("child_notes", {}).items():
                notes[pk] = "，".join(filter(None, [notes.get(pk), note]))
        for child in context["children"]:
            child.note = notes.get(child.pk, "")
        context["sections"] = sections
        context["map_data"] = {
            "base": base,
            "boundary": region.boundary,
            "children": [c.boundary for c in context["children"] if c.boundary],
            "center": [float(region.lat), float(region.lng)] if region.lat is not None else None,
            "points": points,
        }
        return context


class AuditListView(ObjectListView):
    kind = "audit"
    title = "访问记录"
    filterset_class = AuditLogFilterSet
    columns = [
        Column("时间", "created_at"),
        Column("操作人", "actor_name"),
        Column("动作", "action"),
        Column("对象", "target_repr"),
        Column("字段", "field"),
        Column("事由", "reason"),
        Column("结果", "result_label"),
        Column("来源 IP", "ip"),
    ]

    def base_queryset(self):
        return selectors.audit_rows()


class ChangeListView(ObjectListView):
    kind = "audit"
    title = "变更记录"
    filterset_class = ObjectChangeFilterSet
    template_name = "core/console/change_list.html"
    columns = []

    def base_queryset(self):
        return selectors.change_rows()
