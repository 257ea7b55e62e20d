"""Filters of the matter and poll lists (console and API)."""

import django_filters

from linli.participation.deliberation.models import Matter, Poll


class _Scoped(django_filters.FilterSet):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, request=request, **kwargs)


class MatterFilterSet(_Scoped):
    q = django_filters.CharFilter(field_name="title", lookup_expr="contains", label="议题")
    status = django_filters.ChoiceFilter(choices=Matter.Status.choices, label="状态")
    proposer_kind = django_filters.ChoiceFilter(choices=Matter.ProposerKind.choices, label="提议方")

    class Meta:
        model = Matter
        fields = ["q", "status", "proposer_kind"]


class PollFilterSet(_Scoped):
    q = django_filters.CharFilter(field_name="title", lookup_expr="contains", label="投票")
    status = django_filters.ChoiceFilter(choices=Poll.Status.choices, label="状态")

    class Meta:
        model = Poll
        fields = ["q", "status"]
