import django_filters
from django import forms

from linli.party.models import Disclosure, Meeting, MeetingKind, OrgKind, PartyMember, PartyOrganization


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
