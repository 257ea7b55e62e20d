"""Console pages of core: home, the search box, the region tree, and the audit trail."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render

from linli.core.filtersets import AuditLogFilterSet, ObjectChangeFilterSet, RegionFilterSet
from linli.core.models import AuditLog, ObjectChange, Region
from linli.core.scoping import has_action, max_tag_sensitivity, restrict
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView


@login_required
def home(request):
    """A staff member's start page: what is in their scope, at a glance, and one level down."""
    from linli.housing.models import Building, House
    from linli.people.models import Household, Person, Tag, TagAssignment

    user = request.user
    cards = []
    for label, kind, model, url_name in [
        ("实有人口", "person", Person, "people:person_list"),
        ("户", "household", Household, "people:household_list"),
        ("房屋", "house", House, "housing:house_list"),
        ("楼栋", "building", Building, "housing:building_list"),
    ]:
        if has_action(user, f"{kind}.view"):
            count = restrict(user, f"{kind}.view", model.objects.all())[:100_001].count()
            cards.append({"label": label, "count": count, "url_name": url_name})
    regions = [g.region for g in user.active_grants() if g.region_id]
    breakdown = []
    if has_action(user, "person.view"):
        persons = restrict(user, "person.view", Person.objects.all())
        houses = restrict(user, "house.view", House.objects.all())
        for region in regions[:3]:
            for child in Region.objects.get_children(region).select_related("level")[:30]:
                breakdown.append(
                    {
                        "region": child,
                        "persons": persons.filter(region_path__startswith=child.path).count(),
                        "houses": houses.filter(region_path__startswith=child.path).count(),
                    }
                )
    groups = []
    if has_action(user, "person.view") and has_action(user, "tag.view"):
        assignments = restrict(user, "tagassignment.view", TagAssignment.objects.all())
        visible = Tag.objects.filter(sensitivity__lte=max_tag_sensitivity(user), depth__gt=1).order_by("path")
        counts = dict(
            assignments.filter(tag__in=visible).values_list("tag_id").annotate(n=Count("id")).values_list("tag_id", "n")
        )
        groups = [{"tag": t, "count": counts.get(t.pk, 0)} for t in visible if counts.get(t.pk)]
    context = {"cards": cards, "regions": regions, "breakdown": breakdown, "groups": groups}
    return render(request, "core/console/home.html", context)


@login_required
def search(request):
    from linli.people.selectors import search as people_search

    q = request.GET.get("q", "")
    result = people_search(user=request.user, q=q) if q else None
    if result is not None and result.single_target is not None and not request.htmx:
        target = result.single_target
        name = "people:person_detail" if target._meta.model_name == "person" else "housing:house_detail"
        return redirect(name, pk=target.pk)
    return render(request, "core/console/search.html", {"q": q, "result": result})


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
        return Region.objects.select_related("level").order_by("path")


class RegionDetailView(ObjectDetailView):
    kind = "region"
    template_name = "core/console/region_detail.html"

    def base_queryset(self):
        return Region.objects.select_related("level")

    def get_context_data(self, **kwargs):
        from linli.housing.models import Building

        context = super().get_context_data(**kwargs)
        region = self.object
        user = self.request.user
        context["ancestors"] = restrict(user, "region.view", Region.objects.get_ancestors(region))
        context["children"] = Region.objects.get_children(region).select_related("level").annotate(n=Count("buildings"))
        buildings = list(
            restrict(user, "building.view", Building.objects.filter(region_path__startswith=region.path))[:300]
        )
        context["buildings"] = [b for b in buildings if b.grid_id == region.pk]
        context["map_data"] = {
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
        Column("结果", "result"),
        Column("来源 IP", "ip"),
    ]

    def base_queryset(self):
        return AuditLog.objects.all()


class ChangeListView(ObjectListView):
    kind = "audit"
    title = "变更记录"
    filterset_class = ObjectChangeFilterSet
    template_name = "core/console/change_list.html"
    columns = []

    def base_queryset(self):
        return ObjectChange.objects.select_related("target_type")
