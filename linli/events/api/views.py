"""/api/v1/events/: list, detail and create (residents and staff), workflow transitions as POST actions,
categories, the inbox, and POST /api/v1/events/classify."""

import functools

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ReadOnlyModelViewSet

from linli.core import selectors as core_selectors
from linli.core.api.base import ScopedReadOnlyViewSet
from linli.core.errors import ConflictError, DomainError
from linli.core.http import parse_pk
from linli.core.scoping import restrict
from linli.core.views.generic import KnownCountPaginator
from linli.events import selectors, services
from linli.events.api import serializers as s
from linli.events.filtersets import EventFilterSet
from linli.events.models import Channel, EventStatus
from linli.housing import selectors as housing_selectors


class EventViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """事件. Residents see and create their own; staff see their area; departments what was sent to them."""

    kind = "event"
    filterset_class = EventFilterSet
    replica_reads = True

    def base_queryset(self):
        qs = selectors.base_queryset().order_by("-created_at", "-pk")
        if self.action == "retrieve":
            qs = qs.prefetch_related("photos", "tasks__organisation")
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return s.EventCreateSerializer
        if self.action == "retrieve":
            return s.EventDetailSerializer
        if self.action in ACTION_ATTRS:
            return s.ActionSerializer
        return s.EventSerializer

    def required_action(self, request) -> str:
        if self.action in ACTION_ATTRS:
            return "event.view"
        return super().required_action(request)

    def list(self, request, *args, **kwargs):
        known = self._count_from_counters(request)
        if known is not None:  # a district's exact count without counting 2,000,000 rows
            self.paginator.django_paginator_class = functools.partial(KnownCountPaginator, count=known)
        return super().list(request, *args, **kwargs)

    def _count_from_counters(self, request) -> int | None:
        """The list's ``count`` from the counters of current states, when the only filters are ``status`` and
        ``grid`` (what the big screen's figures are compared with) and the viewer's reach is regions."""
        params = set(request.query_params) - {"page", "page_size", "format"}
        if not params <= {"status", "grid"}:
            return None
        statuses = request.query_params.getlist("status")
        if any(st not in EventStatus.values for st in statuses):
            return None  # the filter answers 400
        region = None
        if "grid" in params:
            pk = parse_pk(request.query_params.get("grid"))
            region = core_selectors.regions_by_pk([pk]).get(pk) if pk else None
            if region is None:
                return None
        return selectors.counted_by_status(request.user, statuses, region)

    def get_queryset(self):
        if self.action in ACTION_ATTRS:
            return restrict(self.request.user, "event.view", self.base_queryset())
        return super().get_queryset()

    @extend_schema(request=s.EventCreateSerializer, responses={201: s.EventDetailSerializer})
    def create(self, request, *args, **kwargs):
        form = s.EventCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        user = request.user
        where = {}
        # By primary key, without the models' default ordering (its joins); the grid comes from the region cache.
        if d["house"]:
            where["house"] = housing_selectors.place_for_report(user=user, house_id=d["house"])
            if where["house"] is None:
                raise DomainError("房屋：不存在或不在您的范围内", field="house")
        if d["building"]:
            where["building"] = housing_selectors.place_for_report(user=user, building_id=d["building"])
            if where["building"] is None:
                raise DomainError("楼栋：不存在", field="building")
        staff = user.is_staff_role
        channel = (d["channel"] or Channel.PHONE) if staff else Channel.RESIDENT_APP
        event = services.event_open(
            channel=channel, category_code=d["category"] or None, text=d["text"], title=d["title"],
            reporter=None if staff else user, reporter_name=d["reporter_name"], contact_phone=d["contact_phone"],
            anonymous=d["anonymous"], lat=d["lat"], lng=d["lng"], address=d["address"], actor=user,
            external_source=channel if d["external_id"] else "", external_id=d["external_id"],
            photos=request.FILES.getlist("photos"), **where,
        )  # fmt: skip
        # The event as created carries its relations, first timeline step and photos: no reading back.
        return Response(s.created_event_data(selectors.as_created(event), request), status=status.HTTP_201_CREATED)

    def _act(self, request, name):
        event = self.get_object()
        form = s.ActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        user = request.user
        if "version" in d and d["version"] != event.version:
            raise ConflictError(f"该事件刚刚已被他人处理（当前状态：{event.get_status_display()}），请刷新后重试。")
        note = d["note"]
        if name == "accept":
            services.event_accept(event=event, actor=user, category_code=d["category"] or None, note=note)
        elif name == "reject":
            services.event_reject(event=event, actor=user, reason=note)
        elif name == "merge":
            parent = selectors.event_by_number_or_pk(user=user, number=d["parent"], pk=parse_pk(d["parent"]))
            if parent is None:
                raise DomainError("合并：目标事件不存在或不在您的范围内", field="parent")
            services.event_merge(event=event, parent=parent, actor=user, note=note)
        elif name == "dispatch":
            services.event_dispatch(event=event, actor=user, note=note, **selectors.parse_handler(d["handler"]))
        elif name == "reassign":
            services.event_reassign(event=event, actor=user, reason=note, **selectors.parse_handler(d["handler"]))
        elif name == "escalate":
            lead = next(iter(core_selectors.organisations_by_pk([d.get("lead")])), None)
            if lead is None:
                raise DomainError("吹哨报到：请选择牵头部门", field="lead")
            assists = core_selectors.organisations_by_pk(d["assists"])
            services.event_escalate(
                event=event, actor=user, lead=lead, assists=assists, note=note, days=d["days"] or None
            )
        elif name == "sign":
            services.event_sign(event=event, actor=user, note=note)
        elif name == "return":
            services.event_return(event=event, actor=user, reason=note)
        elif name == "resolve":
            services.event_resolve(
                event=event, actor=user, result=d["result"] or note, photos=request.FILES.getlist("photos")
            )
        elif name == "verify":
            services.event_verify(event=event, actor=user, passed=d["passed"], note=note)
        elif name == "close":
            services.event_close(event=event, actor=user, note=note)
        elif name == "rework":
            services.event_rework(event=event, actor=user, reason=note)
        elif name == "suspend":
            services.event_suspend(event=event, actor=user, reason=note)
        elif name == "resume":
            services.event_resume(event=event, actor=user, note=note)
        elif name == "extension_request":
            services.event_request_extension(event=event, actor=user, days=d["days"], reason=note)
        elif name == "extension_decide":
            services.event_decide_extension(event=event, actor=user, approve=d["approve"], note=note)
        elif name == "revisit":
            services.event_revisit(event=event, actor=user, note=note, outcome=d.get("outcome", ""))
        elif name == "rate":
            services.event_rate(event=event, actor=user, rating=d["rating"], comment=note)
        elif name == "flag":
            services.event_flag(event=event, actor=user, flagged=d["flagged"], note=note)
        elif name == "categorise":
            services.event_set_category(event=event, actor=user, category_code=d["category"])
        event = self.base_queryset().prefetch_related("photos", "tasks__organisation").get(pk=event.pk)
        return Response(s.EventDetailSerializer(event, context={"request": request}).data)


ACTION_NAMES = ["accept", "reject", "merge", "dispatch", "reassign", "escalate", "sign", "return", "resolve", "verify",
                "close", "rework", "suspend", "resume", "extension_request", "extension_decide", "revisit", "rate",
                "flag", "categorise"]  # fmt: skip


def _make_action(name: str):
    def handler(self, request, pk=None):
        return self._act(request, name)

    handler.__name__ = f"act_{name}"
    handler.__doc__ = f"{services.ACTIONS.get(name, (name,))[0]}（POST；状态不符返回 400，已被他人处理返回 409）"
    handler = action(detail=True, methods=["post"], url_path=name.replace("_", "-"), url_name=name.replace("_", "-"))(
        handler
    )
    return extend_schema(request=s.ActionSerializer, responses={200: s.EventDetailSerializer})(handler)


ACTION_ATTRS = {f"act_{n}" for n in ACTION_NAMES}
for _name in ACTION_NAMES:
    setattr(EventViewSet, f"act_{_name}", _make_action(_name))


class CategoryViewSet(ReadOnlyModelViewSet):
    """The event taxonomy (public to every signed-in user)."""

    serializer_class = s.CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.active_categories()

    def required_action(self, request):
        return None


class NotificationViewSet(ReadOnlyModelViewSet):
    """My inbox (the recipient is the scope)."""

    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.inbox(user=None).none()
        return selectors.inbox(user=self.request.user).order_by("-created_at", "-pk")

    def required_action(self, request):
        return None


class ClassifyView(APIView):
    """Top categories for a text: ``{"suggestions": [{"code", "name", "confidence"}, …]}``, best first."""

    def required_action(self, request):
        return "event.add"

    @extend_schema(
        request=s.ClassifyRequestSerializer, parameters=[s.ClassifyQuerySerializer],
        responses={200: s.ClassifyResponseSerializer},
    )  # fmt: skip
    def post(self, request):
        query = s.ClassifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        form = s.ClassifyRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            from linli.events.classifier import suggest
        except ImportError:
            raise NotFound("分类建议：分类模型尚未安装。")
        rows = suggest(form.validated_data["text"], k=query.validated_data["k"])
        out = [{"code": r["code"], "name": r["name"], "confidence": round(float(r["confidence"]), 4)} for r in rows]
        return Response({"suggestions": out})


def register(router) -> None:
    router.register("events", EventViewSet, basename="event")
    router.register("event-categories", CategoryViewSet, basename="event-category")
    router.register("notifications", NotificationViewSet, basename="notification")
