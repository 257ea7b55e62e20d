import django_filters

from linli.volunteering.models import Activity, Signup, Team, Volunteer, Wish


class ScopedFilterSet(django_filters.FilterSet):
    """One FilterSet per model serves the console list, the API list and the export (the request is unused)."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)


class WishFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="心愿")
    status = django_filters.ChoiceFilter(choices=Wish.Status.choices, label="状态")
    category = django_filters.ChoiceFilter(choices=Wish.Category.choices, label="类别")

    class Meta:
        model = Wish
        fields = ["q", "status", "category"]


class VolunteerFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="startswith", label="姓名")
    status = django_filters.ChoiceFilter(choices=Volunteer.Status.choices, label="状态")
    is_party_member = django_filters.BooleanFilter(label="党员")

    class Meta:
        model = Volunteer
        fields = ["q", "status", "is_party_member"]


class TeamFilterSet(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=Team.Kind.choices, label="类型")

    class Meta:
        model = Team
        fields = ["kind"]


class ActivityFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="活动名称")
    status = django_filters.ChoiceFilter(choices=Activity.Status.choices, label="状态")
    category = django_filters.ChoiceFilter(choices=Activity.Category.choices, label="类别")

    class Meta:
        model = Activity
        fields = ["q", "status", "category"]


class SignupFilterSet(ScopedFilterSet):
    hours_status = django_filters.ChoiceFilter(choices=Signup.Hours.choices, label="时长状态")

    class Meta:
        model = Signup
        fields = ["hours_status"]
