from html import escape

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

from linli.core.models import AuditLog, ObjectChange, Region


class FastSelect(forms.Select):
    """A <select> written out directly: Django renders every <option> through a template (50 ms for the ~600
    communities and grids in a district leader's filter form). Same markup as Django's, flat choices only."""

    def options(self):
        """(value, label) pairs, in order."""
        return self.choices

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        formatted = self.format_value(value)  # a list (Select) or one string (NullBooleanSelect)
        chosen = {formatted} if isinstance(formatted, str) else set(formatted)
        out = [f"<select{flatatt(final)}>"]
        for v, label in self.options():
            v = str(v)
            if hasattr(label, "__html__"):
                text = label.__html__()
            else:
                text = str(label)
                text = text if text.isalnum() else escape(text)  # letters and digits (CJK too) need no escaping
            value = v if v.isalnum() else escape(v)
            out.append(f'<option value="{value}"{" selected" if v in chosen else ""}>{text}</option>')
        out.append("</select>")
        return mark_safe("".join(out))


class NameSelect(FastSelect):
    """The <select> of a model choice filter whose label is the row's ``name`` (regions): the options are read as
    (pk, name) pairs, not as model instances. 彩虹社区's 725 grids, each with its boundary polygon, cost a third of
    an empty dispatcher queue page's CPU as instances."""

    def options(self):
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return choices
        field = choices.field
        head = [("", field.empty_label)] if field.empty_label is not None else []
        return head + list(choices.queryset.values_list("pk", "name"))


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
