"""One FilterSet for events: serves the console lists, the API list and the exports."""

import django_filters
from django.db.models import Q
from django.forms import NullBooleanSelect
from django.utils import timezone

from linli.core.filtersets import FastSelect, NameSelect
from linli.core.models import Region
from linli.core.scoping import restrict
from linli.events.models import TIMED_STATUSES, Channel, Event, EventStatus, Supervision


def _regions(request):
    if request is None:
        return Region.objects.none()
    return restrict(request.user, "region.view", Region.objects.filter(level__code__in=["community", "grid"])).order_by(
        "path"
    )


class YesNoSelect(FastSelect, NullBooleanSelect):
    """全部 / 是 / 否 for the yes-no filters."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "全部"), ("true", "是"), ("false", "否")]


def _top_categories():
    from linli.events import caches

    return [(c.pk, c.name) for c in caches.top_categories()]


class EventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="编号/标题")
    status = django_filters.MultipleChoiceFilter(choices=EventStatus.choices, label="状态")
    group = django_filters.ChoiceFilter(choices=_top_categories, method="filter_group", label="大类", widget=FastSelect)
    category = django_filters.CharFilter(method="filter_category", label="小类代码")
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label="渠道", widget=FastSelect)
    grid = django_filters.ModelChoiceFilter(
        queryset=_regions, method="filter_grid", label="网格/社区", widget=NameSelect
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已超期", widget=YesNoSelect)
    supervision = django_filters.ChoiceFilter(choices=Supervision.choices, label="督办级别", widget=FastSelect)
    needs_triage = django_filters.BooleanFilter(label="待分拨", widget=YesNoSelect)
    flagged = django_filters.BooleanFilter(label="挂牌督办", widget=YesNoSelect)
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="上报起")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="上报止")

    class Meta:
        model = Event
        fields = ["q", "status", "group", "category", "channel", "grid", "overdue", "supervision", "needs_triage",
                  "flagged", "created_after", "created_before"]  # fmt: skip

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, request=request, **kwargs)

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        if value.upper().startswith("SJ"):
            return qs.filter(number__startswith=value.upper())
        return qs.filter(Q(title__contains=value) | Q(external_id=value))

    def filter_group(self, qs, name, value: str):
        return qs.filter(category__parent_id=int(value)) if value else qs

    def filter_category(self, qs, name, value):
        from linli.events import caches

        if not value:
            return qs
        category = caches.category(value)
        return qs.filter(category_id=category.pk) if category is not None else qs.none()

    def filter_grid(self, qs, name, value: Region):
        return qs.filter(region_path__startswith=value.path) if value else qs

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        now = timezone.now()
        late = Q(status__in=TIMED_STATUSES, due_at__lt=now)
        return qs.filter(late) if value else qs.exclude(late)
