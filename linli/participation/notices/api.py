"""API of participation's notices part: /api/v1/notices/ (the caller's notices), read receipts, the unread list."""

from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from linli.core.api.base import ScopedReadOnlyViewSet
from linli.participation.notices import selectors, services


class NoticeAttachmentOut(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return reverse("participation:notice_file", args=[obj.notice_id, obj.pk])


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    kind = serializers.CharField(help_text="normal 通知 | policy 政策 | emergency 紧急通知")
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.CharField(help_text="scheduled 待发布 | published 已发布 | withdrawn 已撤回")
    status_label = serializers.CharField(source="state_label")
    region = serializers.IntegerField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    audience = serializers.CharField(source="audience_label")
    pinned = serializers.BooleanField()
    publish_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField(source="source_label")
    source_url = serializers.CharField()
    recipients = serializers.IntegerField()
    read_count = serializers.IntegerField(allow_null=True, default=None, help_text="已读人数（仅工作人员）")
    read_at = serializers.DateTimeField(source="my_read_at", allow_null=True, default=None,
                                        help_text="本人阅读时间（居民）")  # fmt: skip
    attachments = NoticeAttachmentOut(many=True)


class ReadOut(serializers.Serializer):
    id = serializers.IntegerField()
    read = serializers.BooleanField()


class GridReceipt(serializers.Serializer):
    grid = serializers.CharField(source="name")
    total = serializers.IntegerField()
    read = serializers.IntegerField()
    informed = serializers.IntegerField()
    unread = serializers.IntegerField()


class UnreadPerson(serializers.Serializer):
    delivery = serializers.IntegerField(source="id")
    name = serializers.CharField(help_text="姓名（已脱敏）")
    grid = serializers.CharField()
    address = serializers.CharField()


class ReceiptsOut(serializers.Serializer):
    total = serializers.IntegerField()
    read = serializers.IntegerField()
    informed = serializers.IntegerField(help_text="未在线阅读、已上门告知")
    unread = serializers.IntegerField(source="unread_total")
    read_rate = serializers.CharField()
    grids = GridReceipt(many=True, source="by_grid")
    unread_list = UnreadPerson(many=True, source="unread")


class NoticeViewSet(ScopedReadOnlyViewSet):
    """Notices for the caller: a resident gets those that target them, staff those in their scope."""

    kind = "notice"
    serializer_class = NoticeSerializer

    def base_queryset(self):
        return selectors.notice_rows()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return selectors.notice_rows().none()
        return selectors.api_notices(user=self.request.user).prefetch_related("attachments")

    @extend_schema(responses={200: ReceiptsOut})
    @action(detail=True, methods=["get"])
    def receipts(self, request, pk=None):
        """Read receipts: counts, per grid, and the unread list (names masked) — staff only."""
        if not selectors.reads_as_staff(request.user):
            raise Http404
        notice = self.get_object()
        return Response(ReceiptsOut(selectors.receipts(user=request.user, notice=notice)).data)


class NoticeReadView(APIView):
    """``POST /api/v1/notices/{id}/read``: the caller has read the notice (their receipt)."""

    required_action = "notice.view"

    @extend_schema(request=None, responses={200: ReadOut}, tags=["notices"])
    def post(self, request, pk: int):
        notice = selectors.my_notice(user=request.user, pk=pk)
        if notice is None:
            raise Http404
        services.notice_read(user=request.user, notice=notice)
        return Response({"id": notice.pk, "read": True})


def register(router) -> None:
    """Register this part's viewsets on the /api/v1/ router."""
    router.register("notices", NoticeViewSet, basename="notice")


api_urlpatterns = [path("notices/<int:pk>/read", NoticeReadView.as_view(), name="api-notice-read")]
