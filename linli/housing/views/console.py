"""Console pages for places: houses (with the tabs other apps add: people now and before), buildings, compounds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string

from linli.core.audit import changes_for
from linli.core.errors import DomainError
from linli.core.modules import detail_sections
from linli.core.scoping import can, restrict
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView
from linli.housing import selectors, services
from linli.housing.filtersets import BuildingFilterSet, CompoundFilterSet, HouseFilterSet
from linli.housing.forms import HouseEditForm


class HouseListView(ObjectListView):
    kind = "house"
    replica_reads = True
    title = "房屋"
    filterset_class = HouseFilterSet
    columns = [
        Column("房屋", "short_address", link=True),
        Column("楼层", "floor"),
        Column("建筑面积（㎡）", "area"),
        Column("用途", "use"),
        Column("十联户", "household_unit.name"),
    ]

    def base_queryset(self):
        return selectors.house_rows()


class HouseDetailView(ObjectDetailView):
    kind = "house"
    template_name = "housing/console/house_detail.html"

    def base_queryset(self):
        return selectors.house_rows(detail=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, house = self.request.user, self.object
        # Tabs other apps add (people: 住户, who lives here now and before); housing knows none of them by name.
        sections, buttons = [], []
        for section in detail_sections("housing.House"):
            if section.buttons is not None:
                buttons += section.buttons(user, house)
            part = section.context(user, house)
            if part is not None:
                html = render_to_string(section.template, part, request=self.request)
                sections.append({"key": section.key, "label": section.label, "html": html})
        tab = self.request.GET.get("tab", "")
        if tab not in [s["key"] for s in sections]:
            tab = "history" if tab == "history" or not sections else sections[0]["key"]
        context.update(
            tab=tab,
            sections=sections,
            buttons=buttons,
            can_change=can(user, "house.change", house),
            changes=changes_for(house)[:100] if self.request.GET.get("tab") == "history" else [],
        )
        return context


@login_required
def house_edit(request, pk):
    house = get_object_or_404(restrict(request.user, "house.change"), pk=pk)
    form = HouseEditForm(
        request.POST or None,
        initial={"floor": house.floor, "area": house.area, "use": house.use, "version": house.version},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.house_update(
                actor=request.user,
                house=house,
                version=data["version"],
                floor=data["floor"],
                area=data["area"],
                use=data["use"],
            )
        except DomainError as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "已保存。")
            return redirect("housing:house_detail", pk=house.pk)
    return render(request, "housing/console/house_form.html", {"form": form, "house": house})


class BuildingListView(ObjectListView):
    kind = "building"
    title = "楼栋"
    filterset_class = BuildingFilterSet
    columns = [
        Column("楼栋", "__str__", link=True),
        Column("小区", "compound.name"),
        Column("网格", "grid.name"),
        Column("层数", "floors"),
        Column("门牌地址", "address"),
    ]

    def base_queryset(self):
        return selectors.building_rows()


class BuildingDetailView(ObjectDetailView):
    kind = "building"
    template_name = "housing/console/building_detail.html"

    def base_queryset(self):
        return selectors.building_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["houses"] = selectors.houses_in_building(user=self.request.user, building=self.object)
        return context


class CompoundListView(ObjectListView):
    kind = "compound"
    title = "小区"
    filterset_class = CompoundFilterSet
    columns = [
        Column("小区", "name", link=True),
        Column("所属社区", "community.name"),
        Column("物业公司", "property_company.name"),
        Column("地址", "address"),
    ]

    def base_queryset(self):
        return selectors.compound_rows()


class CompoundDetailView(ObjectDetailView):
    kind = "compound"
    template_name = "housing/console/compound_detail.html"

    def base_queryset(self):
        return selectors.compound_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["buildings"] = selectors.buildings_in_compound(user=self.request.user, compound=self.object)
        return context
