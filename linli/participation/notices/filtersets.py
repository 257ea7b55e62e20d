"""One FilterSet per list of the notices part (console list, API list, export)."""

import django_filters

from linli.participation.notices.models import LearningMaterial, Notice


class NoticeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="标题")
    kind = django_filters.ChoiceFilter(choices=Notice.Kind.choices, label="类型", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=Notice.Status.choices, label="状态", empty_label="全部")

    class Meta:
        model = Notice
        fields = ["q", "kind", "status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)


class MaterialFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="标题")
    kind = django_filters.ChoiceFilter(choices=LearningMaterial.Kind.choices, label="类型", empty_label="全部")

    class Meta:
        model = LearningMaterial
        fields = ["q", "kind"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
