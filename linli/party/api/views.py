from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from linli.core.api.base import ScopedReadOnlyViewSet
from linli.core.errors import DomainError
from linli.core.scoping import has_action
from linli.party import selectors, services
from linli.party.api.serializers import (
    CheckinSerializer,
    ComplianceRowSerializer,
    MeetingSerializer,
    MemberSerializer,
    OrganizationSerializer,
)
from linli.party.filtersets import MeetingFilterSet, MemberFilterSet, OrganizationFilterSet


class _RequireAction:
    """403 for a user whose roles lack the kind's view action at all (a resident who is not a member)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not has_action(request.user, f"{self.kind}.view"):
            raise PermissionDenied("您没有查看党建信息的权限。")


class OrganizationViewSet(_RequireAction, ScopedReadOnlyViewSet):
    """党组织 the user may see (party roles: their area; a member: their own organisation)."""

    kind = "partyorg"
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet

    def base_queryset(self):
        return selectors.organization_rows().order_by("pk")


class MemberViewSet(_RequireAction, ScopedReadOnlyViewSet):
    """党员 (masked); party roles see their organisations' members, a member only themselves."""

    kind = "partymember"
    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet

    def base_queryset(self):
        return selectors.member_rows().order_by("pk")


class MeetingViewSet(_RequireAction, ScopedReadOnlyViewSet):
    """三会一课 and 主题党日; filters ``organization``, ``kind``, ``year``, ``status``."""

    kind = "partymeeting"
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet

    def base_queryset(self):
        return selectors.meeting_rows().order_by("-starts_at", "-pk")

    @extend_schema(request=CheckinSerializer, responses={200: None})
    def checkin(self, request, pk=None):
        """A member signs in with the meeting's code (``online``: a 流动党员 attending online)."""
        meeting = self.get_object()
        form = CheckinSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            attendance = services.meeting_checkin(
                user=request.user,
                meeting=meeting,
                code=form.validated_data["code"],
                online=form.validated_data["online"],
            )
        except DomainError as exc:
            code = status.HTTP_403_FORBIDDEN if exc.code == "forbidden" else status.HTTP_400_BAD_REQUEST
            return Response(exc.as_dict(), status=code)
        return Response(
            {"meeting": meeting.pk, "attendance": attendance.status, "label": attendance.get_status_display(),
             "detail": "签到成功"}
        )  # fmt: skip


class ComplianceView(APIView):
    """Required vs held per organisation and meeting kind in ``year``; ``held`` equals what /meetings/ lists."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int), OpenApiParameter("organization", int)],
        responses=ComplianceRowSerializer(many=True),
    )
    def get(self, request):
        if not has_action(request.user, "partymeeting.view"):
            raise PermissionDenied("您没有查看党建信息的权限。")
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
        except ValueError:
            raise serializers.ValidationError({"year": ["年度：请填写四位数字年份，如 2026。"]}) from None
        if not 2000 <= year <= 2100:
            raise serializers.ValidationError({"year": ["年度：须在 2000 到 2100 之间。"]})
        org = None
        if request.query_params.get("organization"):
            org = get_object_or_404(
                selectors.organization_choices(user=request.user, action="partyorg.view"),
                pk=request.query_params["organization"],
            )
        rows = [
            {
                "organization": r.organization.pk,
                "kind": r.kind,
                "required": r.required,
                "held": r.held,
                "behind": r.behind,
            }
            for oc in selectors.compliance(user=request.user, year=year, organization=org)
            for r in oc.rows
        ]
        return Response(rows)


def register(router) -> None:
    router.register("party/organizations", OrganizationViewSet, basename="partyorg")
    router.register("party/members", MemberViewSet, basename="partymember")
    router.register("party/meetings", MeetingViewSet, basename="partymeeting")


class _MeetingCheckinSlash(MeetingViewSet):
    """The same check-in with a trailing slash, for clients that add one; the schema lists the contract's path."""

    schema = None


api_urlpatterns = [
    path("party/compliance/", ComplianceView.as_view(), name="party-compliance"),
    # The contract's path has no trailing slash; one with a slash answers too.
    path(
        "party/meetings/<str:pk>/checkin/",
        _MeetingCheckinSlash.as_view({"post": "checkin"}),
        name="partymeeting-checkin",
    ),
    path(
        "party/meetings/<str:pk>/checkin", MeetingViewSet.as_view({"post": "checkin"}), name="partymeeting-checkin-bare"
    ),
]
