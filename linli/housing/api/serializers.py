from rest_framework import serializers

from linli.housing.models import Building, Compound, House


class CompoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Compound
        fields = ["id", "name", "community", "property_company", "address", "lat", "lng"]


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "name", "number", "compound", "grid", "floors", "address", "lat", "lng"]


class HouseSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="short_address", read_only=True)
    unit = serializers.CharField(source="unit.number", read_only=True, default=None)

    class Meta:
        model = House
        fields = ["id", "address", "building", "unit", "floor", "number", "area", "use", "household_unit", "version"]
        read_only_fields = ["building", "number", "household_unit", "version"]
