"""Console pages of core: home, the search box, the region tree, and the audit trail."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import Substr
from django.shortcuts import redirect, render
from django.urls import reverse

from linli.core import selectors
from linli.core.errors import DomainError
from linli.core.filtersets import AuditLogFilterSet, ObjectChangeFilterSet, RegionFilterSet
from linli.core.home import home_cards
from linli.core.models import Region
from linli.core.permissions import requires
from linli.core.scoping import has_action, max_tag_sensitivity, restrict
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView
from linli.people.models import Tag

HOME_CACHE_SECONDS = 300


@login_required
def home(request):
    """A staff member's start page: what is in their scope, at a glance, and one level down."""
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
    children = {r.pk: r for r in Region.objects.filter(pk__in=[row["region"] for row in figures["breakdown"]])}
    breakdown = [dict(row, region=children[row["region"]]) for row in figures["breakdown"] if row["region"] in children]
    tags = {t.pk: t for t in Tag.objects.filter(pk__in=[row["tag"] for row in figures["groups"]])}
    groups = [dict(row, tag=tags[row["tag"]]) for row in figures["groups"] if row["tag"] in tags]
    work_cards, work_lists = home_cards(user)
    context = {
        "work_cards": work_cards,
        "work_lists": work_lists,
        "cards": figures["cards"],
        "regions": regions,
        "organisations": [g.organisation for g in user.active_grants() if g.organisation_id],
        "breakdown": breakdown,
        "groups": groups,
    }
    return render(request, "core/console/home.html", context)


def _home_figures(user, regions: list[Region]) -> dict:
    """Counts for the home page: capped totals, one grouped query per granted region, tag counts."""
    from linli.housing.models import Building, House
    from linli.people.models import Household, Person, TagAssignment

    cards = []
    for label, kind, model, url_name in [
        ("实有人口", "person", Person, "people:person_list"),
        ("户", "household", Household, "people:household_list"),
        ("房屋", "house", House, "housing:house_list"),
        ("楼栋", "building", Building, "housing:building_list"),
    ]:
        if has_action(user, f"{kind}.view"):
            count = restrict(user, f"{kind}.view", model.objects.order_by())[:100_001].count()
            cards.append({"label": label, "count": count, "url_name": url_name})
    breakdown = []
    if has_action(user, "person.view"):
        for region in regions[:3]:
            children = list(Region.objects.get_children(region)[:30])
            if not children:
                continue
            width = len(children[0].path)
            counts = {}
            for kind, model in (("persons", Person), ("houses", House)):
                rows = (
                    restrict(user, f"{kind[:-1]}.view", model.objects.filter(region_path__startswith=region.path))
                    .annotate(prefix=Substr("region_path", 1, width))
                    .order_by()
                    .values("prefix")
                    .annotate(n=Count("id"))
                )
                counts[kind] = {row["prefix"]: row["n"] for row in rows}
            for child in children:
                breakdown.append(
                    {
                        "region": child.pk,
                        "persons": counts["persons"].get(child.path, 0),
                        "houses": counts["houses"].get(child.path, 0),
                    }
                )
    groups = []
    if has_action(user, "person.view") and has_action(user, "tag.view"):
        visible = Tag.objects.filter(sensitivity__lte=max_tag_sensitivity(user), depth__gt=1).order_by("path")
        assignments = restrict(user, "tagassignment.view", TagAssignment.objects.filter(tag__in=visible))
        counts = dict(assignments.order_by().values_list("tag_id").annotate(n=Count("id")).values_list("tag_id", "n"))
        groups = [{"tag": t.pk, "count": counts[t.pk]} for t in visible if counts.get(t.pk)]
    return {"cards": cards, "breakdown": breakdown, "groups": groups}


@login_required
@requires("person.view")
def search(request):
    from linli.people.selectors import search as people_search

    # The forms POST the term, so it stays out of URLs, browser history, Referer headers and access logs.
    q = (request.POST if request.method == "POST" else request.GET).get("q", "")
    try:
        result = people_search(user=request.user, q=q) if q else None
    except DomainError as exc:
        return render(request, "core/console/search.html", {"q": q, "error": exc.message}, status=429)
    if result is not None and result.single_target is not None and not request.htmx:
        target = result.single_target
        name = "people:person_detail" if target._meta.model_name == "person" else "housing:house_detail"
        return redirect(name, pk=target.pk)
    context = {"q": q, "result": result, "exact_age": has_action(request.user, "person.unmask")}
    return render(request, "core/console/search.html", context)


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
        context["children"] = around["children"]
        buildings = list(restrict(user, "building.view").filter(region_path__startswith=region.path)[:300])
        context["buildings"] = [b for b in buildings if b.grid_id == region.pk]
        community = around["community"]
        context["map_data"] = {
            # The own-geometry base (compounds, building footprints) of the community the region is in.
            "base": reverse("housing:base_map", args=[community.pk]) if community is not None else None,
            "boundary": region.boundary,
            "children": [c.boundary for c in context["children"] if c.boundary],
            "center": [float(region.lat), float(region.lng)] if region.lat is not None else None,
            "points": [
                {"lat": float(b.lat), "lng": float(b.lng), "name": str(b), "url": b.get_absolute_url()}
                for b in buildings
                if b.lat is not None
            ],
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
