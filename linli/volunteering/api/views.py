"""/api/v1/wishes/ (the wall, post, publish, claim, fulfil, confirm …) and /api/v1/volunteers/me/hours."""

from django.db import transaction
from django.http import Http404
from django.urls import re_path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from linli.core import selectors as core_selectors
from linli.core.api.base import ScopedReadOnlyViewSet
from linli.core.errors import DomainError
from linli.core.modules import provides
from linli.core.scoping import has_action
from linli.volunteering import selectors, services
from linli.volunteering.api import serializers as s
from linli.volunteering.filtersets import (
    ActivityFilterSet,
    SignupFilterSet,
    TeamFilterSet,
    VolunteerFilterSet,
    WishFilterSet,
)


class WishViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """微心愿: ``GET ?status=open`` is the wall (names masked); residents ``POST`` a wish (201, 待审核)."""

    kind = "wish"
    filterset_class = WishFilterSet
    serializer_class = s.WishSerializer

    def base_queryset(self):
        return selectors.wish_rows().order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return s.WishCreateSerializer if self.action == "create" else s.WishSerializer

    @extend_schema(request=s.WishCreateSerializer, responses={201: s.WishStatusSerializer})
    def create(self, request, *args, **kwargs):
        form = s.WishCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        region = None
        if d.pop("region") is not None:
            region = core_selectors.regions_by_pk([form.validated_data["region"]]).get(form.validated_data["region"])
            if region is None:
                raise DomainError("所属区域：不存在", field="region")
        wish = services.wish_create(actor=request.user, region=region, **d)
        return Response({"id": wish.pk, "status": wish.status}, status=status.HTTP_201_CREATED)


ACTIONS = {
    # name: (the action the user needs on the wish to find it, the action needed at all)
    "publish": "wish.publish",
    "reject": "wish.publish",
    "dispatch": "wish.dispatch",
    "claim": "wish.claim",
    "give_up": "wish.view",
    "fulfil": "wish.view",
    "confirm": "wish.view",
    "withdraw": "wish.view",
}


class WishActionView(APIView):
    """``POST /api/v1/wishes/{id}/<publish|claim|fulfil|confirm|give_up|reject|dispatch|withdraw>`` →
    ``{"id", "status"}``; 409 when someone else moved the wish first (another claimer won)."""

    def required_action(self, request):
        return None

    @extend_schema(
        operation_id="v1_wishes_act", request=s.WishActionSerializer, responses={200: s.WishStatusSerializer}
    )
    @transaction.atomic
    def post(self, request, pk: int, op: str):
        user = request.user
        needed = ACTIONS[op]
        if op == "claim" and not has_action(user, needed) and provides("party.position_holders"):
            needed = "wish.view"  # a 双报到 position holder may claim in their community; the service decides
        if not has_action(user, needed):
            raise PermissionDenied("没有权限执行该操作。")
        wish = selectors.wish_for(user=user, pk=pk, action=needed)
        if wish is None:
            raise Http404
        form = s.WishActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            if op == "publish":
                services.wish_publish(wish=wish, actor=user)
            elif op == "reject":
                services.wish_reject(wish=wish, actor=user, reason=d["reason"] or d["note"])
            elif op == "claim":
                services.wish_claim(wish=wish, actor=user)
            elif op == "give_up":
                services.wish_give_up(wish=wish, actor=user, reason=d["reason"] or d["note"])
            elif op == "fulfil":
                services.wish_fulfil(wish=wish, actor=user, note=d["note"], photo=d["photo"], hours=d["hours"])
            elif op == "confirm":
                services.wish_confirm(wish=wish, actor=user)
            elif op == "withdraw":
                services.wish_withdraw(wish=wish, actor=user)
            elif op == "dispatch":
                to_user = (
                    selectors.claimer_candidate(user=user, pk=d["to_user"], region_path=wish.region_path)
                    if d["to_user"]
                    else None
                )
                team = selectors.team_for(user=user, pk=d["team"]) if d["team"] else None
                if d["to_user"] and to_user is None:
                    raise DomainError("派单对象：该党员、志愿者或岗位人员不存在", field="to_user")
                services.wish_dispatch(wish=wish, actor=user, to_user=to_user, team=team)
        except DomainError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied(exc.message)
            raise
        return Response({"id": wish.pk, "status": wish.status})


class MyHoursView(APIView):
    """``GET /api/v1/volunteers/me/hours`` → ``{"confirmed_hours": "12.5", "star": 0}``."""

    def required_action(self, request):
        return None

    @extend_schema(operation_id="v1_volunteers_me_hours", responses={200: s.HoursSerializer})
    def get(self, request):
        hours = selectors.my_hours(user=request.user)
        return Response({"confirmed_hours": str(hours["confirmed_hours"]), "star": hours["star"]})


class VolunteerViewSet(ScopedReadOnlyViewSet):
    kind = "volunteer"
    serializer_class = s.VolunteerSerializer
    filterset_class = VolunteerFilterSet

    def base_queryset(self):
        return selectors.volunteer_rows().order_by("pk")


class TeamViewSet(ScopedReadOnlyViewSet):
    kind = "team"
    serializer_class = s.TeamSerializer
    filterset_class = TeamFilterSet

    def base_queryset(self):
        return selectors.team_rows().order_by("pk")


class ActivityViewSet(ScopedReadOnlyViewSet):
    kind = "activity"
    serializer_class = s.ActivitySerializer
    filterset_class = ActivityFilterSet

    def base_queryset(self):
        return selectors.activity_rows().order_by("-starts_at", "-pk")


class SignupViewSet(ScopedReadOnlyViewSet):
    kind = "signup"
    serializer_class = s.SignupSerializer
    filterset_class = SignupFilterSet

    def base_queryset(self):
        return selectors.signup_rows().order_by("pk")


OPS = "|".join(ACTIONS)
api_urlpatterns = [
    re_path(rf"^wishes/(?P<pk>[0-9]+)/(?P<op>{OPS})/?$", WishActionView.as_view(), name="wish-action"),
    re_path(r"^volunteers/me/hours/?$", MyHoursView.as_view(), name="volunteer-my-hours"),
]


def register(router) -> None:
    router.register("wishes", WishViewSet, basename="wish")
    router.register("volunteers", VolunteerViewSet, basename="volunteer")
    router.register("volunteer-teams", TeamViewSet, basename="volunteer-team")
    router.register("volunteer-activities", ActivityViewSet, basename="volunteer-activity")
    router.register("volunteer-signups", SignupViewSet, basename="volunteer-signup")
