from django.db import transaction
from rest_framework import mixins, serializers
from rest_framework.response import Response

from linli.core.api.base import ScopedReadOnlyViewSet
from linli.housing import selectors, services
from linli.housing.api.serializers import BuildingSerializer, CompoundSerializer, HouseSerializer
from linli.housing.filtersets import BuildingFilterSet, CompoundFilterSet, HouseFilterSet
from linli.housing.models import House


class CompoundViewSet(ScopedReadOnlyViewSet):
    kind = "compound"
    serializer_class = CompoundSerializer
    filterset_class = CompoundFilterSet

    def base_queryset(self):
        return selectors.compound_rows().order_by("pk")


class BuildingViewSet(ScopedReadOnlyViewSet):
    kind = "building"
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilterSet

    def base_queryset(self):
        return selectors.building_rows().order_by("pk")


class HouseUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    floor = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, allow_null=True)
    use = serializers.ChoiceField(choices=House.Use.choices, required=False)


class HouseViewSet(mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """Houses; ``PATCH`` with the ``version`` you read (a stale version answers 409)."""

    kind = "house"
    replica_reads = True
    serializer_class = HouseSerializer
    filterset_class = HouseFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def base_queryset(self):
        return selectors.house_rows().order_by("pk")

    def get_serializer_class(self):
        return HouseUpdateSerializer if self.action == "partial_update" else HouseSerializer

    @transaction.atomic
    def partial_update(self, request, *args, **kwargs):
        house = self.get_object()
        form = HouseUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version = data.pop("version")
        house = services.house_update(actor=request.user, house=house, version=version, **data)
        return Response(HouseSerializer(house).data)


def register(router) -> None:
    router.register("compounds", CompoundViewSet, basename="compound")
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("houses", HouseViewSet, basename="house")
