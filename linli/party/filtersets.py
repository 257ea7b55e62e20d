import django_filters
from django import forms

from linli.party.models import (
    Cadre,
    Disclosure,
    Meeting,
    MeetingKind,
    OrgKind,
    Pairing,
    PartyMember,
    PartyOrganization,
    Position,
    ReportingUnit,
    ServiceRecord,
    StudyMaterial,
)


class IdFilter(django_filters.NumberFilter):
    """A whole-number id: anything else is a 400 with the field named, never a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class ScopedFilterSet(django_filters.FilterSet):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, request=request, **kwargs)


class OrganizationFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="名称")
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices, label="组织类型")
    parent = IdFilter(field_name="parent_id", label="上级组织")

    class Meta:
        model = PartyOrganization
        fields = []


class MemberFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="person__name", lookup_expr="startswith", label="姓名")
    organization = IdFilter(field_name="organization_id", label="党组织")
    status = django_filters.ChoiceFilter(choices=PartyMember.Status.choices, label="党员类别")
    work_status = django_filters.ChoiceFilter(choices=PartyMember.WorkStatus.choices, label="在职状态")
    active = django_filters.BooleanFilter(field_name="is_active", label="在册")

    class Meta:
        model = PartyMember
        fields = []


class MeetingFilterSet(ScopedFilterSet):
    organization = IdFilter(field_name="organization_id", label="党组织")
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices, label="会议类型")
    year = IdFilter(field_name="starts_at__year", label="年度", min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(choices=Meeting.Status.choices, label="状态")

    class Meta:
        model = Meeting
        fields = []


class DisclosureFilterSet(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=Disclosure.Status.choices, label="状态")

    class Meta:
        model = Disclosure
        fields = []


def _communities(request):
    from linli.party.selectors import communities_for

    return communities_for(user=request.user) if request else PartyOrganization.objects.none()


def _orgs(request):
    from linli.core.scoping import restrict

    return restrict(request.user, "partyorg.view").order_by("region_path", "name") if request else None


def _units(request):
    from linli.core.scoping import restrict

    return restrict(request.user, "partyunit.view").order_by("name") if request else None


class UnitFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="单位名称")
    community = django_filters.ModelChoiceFilter(queryset=_communities, label="报到社区")

    class Meta:
        model = ReportingUnit
        fields = []


class PositionFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="岗位")
    community = django_filters.ModelChoiceFilter(queryset=_communities, label="社区")
    full = django_filters.BooleanFilter(method="filter_full", label="名额已满")

    class Meta:
        model = Position
        fields = []

    def filter_full(self, queryset, name, value):
        from django.db.models import F

        return queryset.filter(claimed__gte=F("quota")) if value else queryset.filter(claimed__lt=F("quota"))


class CadreFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="startswith", label="姓名")
    unit = django_filters.CharFilter(field_name="unit", lookup_expr="icontains", label="派出单位")
    community = django_filters.ModelChoiceFilter(queryset=_communities, label="下沉社区")
    current = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull", label="在岗")

    class Meta:
        model = Cadre
        fields = []


class MaterialFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="学习内容")
    organization = django_filters.ModelChoiceFilter(queryset=_orgs, label="党组织")
    year = IdFilter(field_name="created_at__year", label="年度", min_value=2000, max_value=2100)

    class Meta:
        model = StudyMaterial
        fields = []


class PairingFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="member__person__name", lookup_expr="startswith", label="结对党员")
    organization = django_filters.ModelChoiceFilter(field_name="member__organization", queryset=_orgs, label="党组织")
    active = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull", label="结对中")

    class Meta:
        model = Pairing
        fields = []


class ServiceFilterSet(ScopedFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units, label="报到单位")
    year = IdFilter(field_name="on__year", label="年度", min_value=2000, max_value=2100)
    kind = django_filters.ChoiceFilter(
        choices=[("unit", "单位"), ("member", "党员")], method="filter_kind", label="服务主体"
    )

    class Meta:
        model = ServiceRecord
        fields = []

    def filter_kind(self, queryset, name, value):
        return queryset.filter(unit__isnull=value != "unit")
