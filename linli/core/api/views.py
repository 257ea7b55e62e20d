from django.contrib.auth import authenticate
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from linli.core import audit, selectors, services
from linli.core.api.base import ScopedReadOnlyViewSet
from linli.core.api.serializers import (
    ApiTokenSerializer,
    RegionSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from linli.core.errors import DomainError
from linli.core.filtersets import RegionFilterSet
from linli.core.middleware import otp_required
from linli.core.models import AuditLog


class LoginThrottle(AnonRateThrottle):
    scope = "login"


class ObtainTokenView(APIView):
    """Exchange username (or mobile) + password (+ TOTP for staff) for an API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, tags=["auth"])
    def post(self, request):
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=form.validated_data["username"], password=form.validated_data["password"]
        )
        if user is None:
            return Response({"detail": "用户名或密码错误。"}, status=status.HTTP_400_BAD_REQUEST)
        if otp_required(user):
            code = form.validated_data.get("otp", "")
            devices = selectors.otp_devices_of(user=user)
            if not code or not any(d.verify_token(code) for d in devices):
                return Response(
                    {"detail": "工作人员账号需要有效的动态验证码（otp）。"}, status=status.HTTP_400_BAD_REQUEST
                )
        row, token = services.api_token_issue(user=user)
        audit.record(actor=user, action=AuditLog.Action.LOGIN, target=user, extra={"channel": "api"})
        answer = {"token": token, "user": user.username, "roles": sorted(user.roles()), "expiry": row.expiry}
        return Response(TokenResponseSerializer(answer).data)


class TokenListView(APIView):
    """The caller's own API tokens (never the token text): what works, since when, until when."""

    @extend_schema(responses={200: ApiTokenSerializer(many=True)}, tags=["auth"])
    def get(self, request):
        rows = selectors.api_tokens_of(user=request.user)
        return Response(ApiTokenSerializer(rows, many=True, context={"request": request}).data)


class TokenDetailView(APIView):
    """Revoke one of the caller's tokens; someone else's answers 404 like a missing one."""

    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request, token_id: str):
        try:
            services.api_token_revoke(user=request.user, token_id=token_id)
        except DomainError as e:
            return Response({"detail": e.message}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegionViewSet(ScopedReadOnlyViewSet):
    """The scope tree, limited to the regions the user works in."""

    kind = "region"
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet

    def base_queryset(self):
        return selectors.region_rows()


def register(router) -> None:
    router.register("regions", RegionViewSet, basename="region")


api_urlpatterns = [
    path("auth/token", ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens", TokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/<str:token_id>", TokenDetailView.as_view(), name="api-token-detail"),
]
