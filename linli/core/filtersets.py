import django_filters
from django import forms

from linli.core.models import AuditLog, ObjectChange, Region


class BoundedIntegerFilter(django_filters.NumberFilter):
    """A whole number between ``min_value`` and ``max_value``; anything else is a form error in Chinese (a 400
    from the API), never a value that reaches date arithmetic or the database out of range."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, label: str, **kwargs):
        message = f"{label}：请填写 {min_value}–{max_value} 之间的整数"
        errors = {"invalid": message, "min_value": message, "max_value": message}
        super().__init__(*args, min_value=min_value, max_value=max_value, label=label, error_messages=errors, **kwargs)


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label="名称")
    level = django_filters.CharFilter(field_name="level__code", label="层级")

    class Meta:
        model = Region
        fields = ["q", "level"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)


class AuditLogFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="contains", label="操作人")
    target = django_filters.CharFilter(field_name="target_repr", lookup_expr="contains", label="对象")
    action = django_filters.ChoiceFilter(choices=AuditLog.Action.choices, label="动作")
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="起始日期")
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="截止日期")

    class Meta:
        model = AuditLog
        fields = ["actor", "target", "action", "since", "until"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)


class ObjectChangeFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="contains", label="操作人")
    target = django_filters.CharFilter(field_name="target_repr", lookup_expr="contains", label="对象")
    action = django_filters.ChoiceFilter(choices=ObjectChange.Action.choices, label="动作")
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="起始日期")
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="截止日期")

    class Meta:
        model = ObjectChange
        fields = ["actor", "target", "action", "since", "until"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
