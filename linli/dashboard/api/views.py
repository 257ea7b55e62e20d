"""``/api/v1/screen/…``: the big screen's figures (issue 14's contract), for the screen and for outside checks."""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from linli.core.scoping import has_action
from linli.dashboard import selectors

REGION = OpenApiParameter("region", int, description="区域 ID（默认：本人可看的全部区域）")


class _ScreenView(APIView):
    def _region(self, request):
        if not has_action(request.user, selectors.ACTION):
            raise NotFound("您的账号不能查看大屏数据。")
        try:
            return selectors.region_for(request.user, request.query_params.get("region"))
        except Http404 as e:
            raise NotFound(str(e)) from None


class SummaryView(_ScreenView):
    """人口、房屋与事件的汇总数字（只有数字，没有任何个人信息）。"""

    @extend_schema(parameters=[REGION], responses={200: dict}, tags=["screen"])
    def get(self, request):
        return Response(selectors.summary(request.user, self._region(request)))


class PanelsView(_ScreenView):
    """大屏的其他面板：30 天趋势、挂牌督办、下级区域、其他模块的统计。"""

    @extend_schema(parameters=[REGION], responses={200: dict}, tags=["screen"])
    def get(self, request):
        return Response(selectors.panels(request.user, self._region(request)))


def register(router) -> None:
    pass


api_urlpatterns = [
    path("screen/summary", SummaryView.as_view(), name="screen-summary"),
    path("screen/panels", PanelsView.as_view(), name="screen-panels"),
]
