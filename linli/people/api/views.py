from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from linli.core import replica
from linli.core.api.base import ScopedReadOnlyViewSet
from linli.core.http import parse_pk
from linli.core.scoping import restrict
from linli.housing.api.serializers import HouseSerializer
from linli.people import selectors, services
from linli.people.api import serializers as s
from linli.people.filtersets import EntityFilterSet, HouseholdFilterSet, PersonFilterSet, PlaceFilterSet


class PersonViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """实有人口. Create and update send the full ID number; responses carry only masks."""

    kind = "person"
    filterset_class = PersonFilterSet
    replica_reads = True
    http_method_names = ["get", "post", "put", "head", "options"]

    def base_queryset(self):
        return selectors.person_rows().order_by("pk")

    def get_serializer_class(self):
        return {
            "create": s.PersonCreateSerializer,
            "update": s.PersonUpdateSerializer,
            "unmask": s.UnmaskSerializer,
        }.get(self.action, s.PersonSerializer)

    @extend_schema(request=s.PersonCreateSerializer, responses={201: s.PersonSerializer})
    def create(self, request, *args, **kwargs):
        form = s.PersonCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        house_id, region_id, kind = data.pop("house", None), data.pop("region", None), data.pop("residency_kind")
        house = region = None
        if house_id:
            house = restrict(request.user, "house.view").filter(pk=house_id).first()
            if house is None:
                return Response({"house": ["房屋：不存在或不在您的范围内"]}, status=status.HTTP_400_BAD_REQUEST)
        if region_id:
            region = restrict(request.user, "region.view").filter(pk=region_id).first()
            if region is None:
                return Response({"region": ["所属网格：不存在或不在您的范围内"]}, status=status.HTTP_400_BAD_REQUEST)
        person = services.person_create(
            actor=request.user, data=services.clean_person_data(**data), house=house, region=region, residency_kind=kind
        )
        return Response(s.PersonSerializer(person, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PersonUpdateSerializer, responses={200: s.PersonSerializer, 409: None})
    def update(self, request, *args, **kwargs):
        person = self.get_object()
        form = s.PersonUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version = data.pop("version")
        person = services.person_update(
            actor=request.user, person=person, version=version, data=services.clean_person_data(**data)
        )
        return Response(s.PersonSerializer(person, context={"request": request}).data)

    @extend_schema(request=s.UnmaskSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def unmask(self, request, pk=None):
        """Reveal one field with a reason; recorded in the access log."""
        person = self.get_object()
        form = s.UnmaskSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        value = services.person_unmask(actor=request.user, person=person, **form.validated_data)
        return Response({"field": form.validated_data["field"], "value": value})

    def required_action(self, request) -> str:
        return "person.view" if self.action == "unmask" else super().required_action(request)


class HouseholdViewSet(ScopedReadOnlyViewSet):
    kind = "household"
    serializer_class = s.HouseholdSerializer
    filterset_class = HouseholdFilterSet

    def base_queryset(self):
        return selectors.household_rows().order_by("pk")


class ResidencyViewSet(ScopedReadOnlyViewSet):
    kind = "residency"
    serializer_class = s.ResidencySerializer

    def base_queryset(self):
        qs = selectors.residency_rows().order_by("pk")
        for key in ("person", "house"):
            value = self.request.query_params.get(key)
            if value:
                pk = parse_pk(value)
                qs = qs.filter(**{f"{key}_id": pk}) if pk is not None else qs.none()  # invalid: nothing, not all
        return qs


class TagViewSet(ScopedReadOnlyViewSet):
    """The tag tree, limited to the sensitivity levels the user may see."""

    kind = "region"
    serializer_class = s.TagSerializer
    pagination_class = None

    def required_action(self, request) -> str:
        return "tag.view"

    def get_queryset(self):
        return selectors.visible_tag_tree(user=self.request.user)


class EntityViewSet(ScopedReadOnlyViewSet):
    kind = "entity"
    serializer_class = s.EntitySerializer
    filterset_class = EntityFilterSet

    def base_queryset(self):
        return selectors.entity_rows().order_by("pk")


class PlaceViewSet(ScopedReadOnlyViewSet):
    kind = "place"
    serializer_class = s.PlaceSerializer
    filterset_class = PlaceFilterSet

    def base_queryset(self):
        return selectors.place_rows().order_by("pk")


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="id_number / phone / phone_last4 / pinyin / name / address / empty")
    message = serializers.CharField()
    persons = s.PersonSerializer(many=True)
    houses = HouseSerializer(many=True)


class SearchView(APIView):
    """以房找人、以人找房: name, pinyin initials, ID number, phone or its last 4, or an address."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)], responses={200: SearchResultSerializer, 429: None}
    )
    def get(self, request):
        """Kept for old clients; prefer POST, which keeps the term out of URLs."""
        return self._search(request, request.query_params.get("q", ""))

    @extend_schema(request=s.SearchSerializer, responses={200: SearchResultSerializer, 429: None})
    def post(self, request):
        """The term in the body. A full ID number or phone is audited and limited per user (429 when over)."""
        form = s.SearchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._search(request, form.validated_data["q"])

    def _search(self, request, q: str):
        if not q.strip():
            raise NotFound("请输入搜索内容。")
        with replica.reading():
            result = selectors.search(user=request.user, q=q)
            return Response(
                {
                    "kind": result.kind,
                    "message": result.message,
                    "persons": s.PersonSerializer(result.persons, many=True, context={"request": request}).data,
                    "houses": HouseSerializer(result.houses, many=True).data,
                }
            )


def register(router) -> None:
    router.register("persons", PersonViewSet, basename="person")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("residencies", ResidencyViewSet, basename="residency")
    router.register("tags", TagViewSet, basename="tag")
    router.register("entities", EntityViewSet, basename="entity")
    router.register("places", PlaceViewSet, basename="place")


api_urlpatterns = [path("search", SearchView.as_view(), name="api-search")]
