"""One FilterSet per model: serves the console list, the API list and (later) the export."""

import django_filters
from django.db.models import Q
from django.forms import DateInput, Select
from django.utils import timezone

from linli.core.filtersets import BoundedIntegerFilter, NameSelect
from linli.core.models import Region
from linli.core.scoping import has_action, max_tag_sensitivity, restrict
from linli.people.models import AGE_BAND, Entity, Household, Person, Place, Tag, Visit, birth_year_indexes

MAX_AGE = 150  # older than anyone alive; keeps the birth-date arithmetic inside the calendar


def _regions(request):
    if request is None:
        return Region.objects.none()
    return restrict(request.user, "region.view", Region.objects.filter(level__code="grid")).order_by("path")


def _tags(request):
    if request is None:
        return Tag.objects.none()
    return Tag.objects.filter(sensitivity__lte=max_tag_sensitivity(request.user)).order_by("path")


class ScopedFilterSet(django_filters.FilterSet):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, request=request, **kwargs)


class PersonFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(field_name="name", lookup_expr="startswith", label="姓名")
    grid = django_filters.ModelChoiceFilter(queryset=_regions, method="filter_grid", label="网格", widget=NameSelect)
    person_type = django_filters.ChoiceFilter(choices=Person.PersonType.choices, label="人员类型")
    political_status = django_filters.ChoiceFilter(choices=Person.Political.choices, label="政治面貌")
    sex = django_filters.ChoiceFilter(choices=Person.Sex.choices, label="性别")
    tag = django_filters.ModelChoiceFilter(queryset=_tags, method="filter_tag", label="标签")
    age_min = BoundedIntegerFilter(method="filter_age_min", label="年龄≥", min_value=0, max_value=MAX_AGE)
    age_max = BoundedIntegerFilter(method="filter_age_max", label="年龄≤", min_value=0, max_value=MAX_AGE)

    class Meta:
        model = Person
        fields = ["name", "grid", "person_type", "political_status", "sex", "tag", "age_min", "age_max"]

    def filter_grid(self, qs, name, value: int):
        return qs.filter(region_path__startswith=value.path) if value else qs

    def filter_tag(self, qs, name, value: int):
        # Ask only for the tags the user may see (the choices already are), as a subquery: no duplicates.
        return qs.filter(pk__in=value.assignments.values("person_id")) if value else qs

    # Ages are counted by birth year (年内满 N 岁). The year is stored only as a keyed blind index, so a filter
    # asks for the index of every matching year (docs/security.md). A role without the unmask right filters by
    # whole age bands, so a filter cannot pin down a birth year either.
    def _exact(self) -> bool:
        return self.request is None or has_action(self.request.user, "person.unmask")

    def filter_age_min(self, qs, name, value):
        value = int(value) if self._exact() else int(value) // AGE_BAND * AGE_BAND
        return qs.filter(birth_year_index__in=birth_year_indexes(0, timezone.localdate().year - value))

    def filter_age_max(self, qs, name, value):
        value = int(value) if self._exact() else int(value) // AGE_BAND * AGE_BAND + AGE_BAND - 1
        return qs.filter(birth_year_index__in=birth_year_indexes(timezone.localdate().year - value, 9999))


class HouseholdFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="filter_q", label="户主/户号")
    grid = django_filters.ModelChoiceFilter(queryset=_regions, method="filter_grid", label="网格", widget=NameSelect)

    class Meta:
        model = Household
        fields = ["q", "grid"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(householder__name__startswith=value) | Q(number=value))

    def filter_grid(self, qs, name, value: int):
        return qs.filter(region_path__startswith=value.path) if value else qs


class EntityFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(field_name="name", lookup_expr="contains", label="名称")
    kind = django_filters.ChoiceFilter(choices=Entity.Kind.choices, label="类型")
    grid = django_filters.ModelChoiceFilter(queryset=_regions, method="filter_grid", label="网格", widget=NameSelect)

    class Meta:
        model = Entity
        fields = ["name", "kind", "grid"]

    def filter_grid(self, qs, name, value: int):
        return qs.filter(region_path__startswith=value.path) if value else qs


class PlaceFilterSet(EntityFilterSet):
    kind = django_filters.ChoiceFilter(choices=Place.Kind.choices, label="类型")

    class Meta:
        model = Place
        fields = ["name", "kind", "grid"]


class VisitFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(field_name="person__name", lookup_expr="startswith", label="姓名")
    grid = django_filters.ModelChoiceFilter(queryset=_regions, method="filter_grid", label="网格", widget=NameSelect)
    kind = django_filters.ChoiceFilter(choices=Visit.Kind.choices, label="方式")
    since = django_filters.DateFilter(
        field_name="visited_on",
        lookup_expr="gte",
        label="起始日期",
        widget=DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="visited_on",
        lookup_expr="lte",
        label="截止日期",
        widget=DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    follow_up_needed = django_filters.BooleanFilter(
        label="需要跟进", widget=Select(choices=[("", "全部"), ("true", "是"), ("false", "否")])
    )

    class Meta:
        model = Visit
        fields = ["name", "grid", "kind", "since", "until", "follow_up_needed"]

    def filter_grid(self, qs, name, value):
        return qs.filter(region_path__startswith=value.path) if value else qs
