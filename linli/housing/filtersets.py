import django_filters

from linli.core.models import Region
from linli.core.scoping import restrict
from linli.housing.models import Building, Compound, House
from linli.housing.selectors import filter_by_address, parse_address


def _grids(request):
    if request is None:
        return Region.objects.none()
    return restrict(request.user, "region.view", Region.objects.filter(level__code="grid")).order_by("path")


def _compounds(request):
    if request is None:
        return Compound.objects.none()
    return restrict(request.user, "compound.view", Compound.objects.all())


class ScopedFilterSet(django_filters.FilterSet):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, request=request, **kwargs)


class HouseFilterSet(ScopedFilterSet):
    address = django_filters.CharFilter(method="filter_address", label="地址", help_text="如 3栋2单元501 或 3-2-501")
    compound = django_filters.ModelChoiceFilter(queryset=_compounds, field_name="building__compound", label="小区")
    grid = django_filters.ModelChoiceFilter(queryset=_grids, method="filter_grid", label="网格")
    use = django_filters.ChoiceFilter(choices=House.Use.choices, label="用途")

    class Meta:
        model = House
        fields = ["address", "compound", "grid", "use"]

    def filter_address(self, qs, name, value):
        parts = parse_address(value)
        if parts is None:
            return qs.filter(building__compound__name__startswith=value)
        return filter_by_address(qs, parts)

    def filter_grid(self, qs, name, value: int):
        return qs.filter(region_path__startswith=value.path) if value else qs


class BuildingFilterSet(ScopedFilterSet):
    compound = django_filters.ModelChoiceFilter(queryset=_compounds, label="小区")
    grid = django_filters.ModelChoiceFilter(queryset=_grids, method="filter_grid", label="网格")
    number = django_filters.CharFilter(label="楼栋号")

    class Meta:
        model = Building
        fields = ["compound", "grid", "number"]

    def filter_grid(self, qs, name, value: int):
        return qs.filter(region_path__startswith=value.path) if value else qs


class CompoundFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="contains", label="名称")

    class Meta:
        model = Compound
        fields = ["name"]
