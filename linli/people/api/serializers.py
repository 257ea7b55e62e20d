"""API shapes. Lists and details carry masked ID numbers and phones only; fields are declared."""

import datetime as dt

from rest_framework import serializers

from linli.core.scoping import has_action
from linli.people.models import Entity, Household, Person, Place, Residency, Tag


class PersonSerializer(serializers.ModelSerializer):
    age = serializers.SerializerMethodField(help_text="周岁；没有查看明文权限的角色为 null，只见 age_band")
    age_band = serializers.CharField(read_only=True, help_text="年龄段，如“30–34 岁”")
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True, default=None)

    class Meta:
        model = Person
        fields = ["id", "name", "sex", "age", "age_band", "id_type", "id_number", "phone", "ethnicity",
                  "hukou_address", "person_type", "political_status", "household", "relation", "region",
                  "region_name", "version", "updated_at"]  # fmt: skip

    def get_age(self, obj) -> int | None:
        request = self.context.get("request")
        if request is None or not has_action(request.user, "person.unmask"):
            return None
        return obj.age


class PersonWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_type = serializers.ChoiceField(choices=Person.IdType.choices, default=Person.IdType.RESIDENT_ID)
    id_number = serializers.CharField(max_length=40, help_text="完整证件号码；响应中只返回掩码")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    ethnicity = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    hukou_address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    person_type = serializers.CharField(default=Person.PersonType.RESIDENT)
    political_status = serializers.CharField(default=Person.Political.NONE)
    workplace = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class PersonCreateSerializer(PersonWriteSerializer):
    house = serializers.IntegerField(required=False, allow_null=True, help_text="房屋 ID")
    region = serializers.IntegerField(required=False, allow_null=True, help_text="网格或十联户 ID（无房屋时）")
    residency_kind = serializers.ChoiceField(choices=Residency.Kind.choices, default=Residency.Kind.OWNER)


class PersonUpdateSerializer(PersonWriteSerializer):
    version = serializers.IntegerField(help_text="读取时的 version；被他人修改过则返回 409")


class UnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("id_number", "身份证号"), ("phone", "联系电话")])
    reason = serializers.CharField(min_length=2, max_length=200)


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text="姓名、拼音首字母、身份证号、手机号或后四位、地址")


class HouseholdSerializer(serializers.ModelSerializer):
    householder_name = serializers.CharField(source="householder.name", read_only=True, default=None)

    class Meta:
        model = Household
        fields = ["id", "number", "house", "householder", "householder_name"]


class ResidencySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    house_address = serializers.CharField(source="house.short_address", read_only=True)
    start = serializers.SerializerMethodField(
        help_text="起始日期；没有查看明文权限的角色看不到出生后一年内的起始日期（即出生日期），为 null"
    )

    class Meta:
        model = Residency
        fields = ["id", "person", "person_name", "house", "house_address", "kind", "start", "end"]

    def get_start(self, obj) -> dt.date | None:
        if "exact" not in self.context:
            request = self.context.get("request")
            self.context["exact"] = request is not None and has_action(request.user, "person.unmask")
        return obj.start_for(exact=self.context["exact"])


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "code", "sensitivity", "requires_consent", "depth", "path"]


class EntitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = ["id", "name", "kind", "credit_code", "legal_person", "phone_masked", "grid", "address", "lat", "lng"]


class PlaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "kind", "entity", "grid", "address", "lat", "lng", "contact_name", "phone_masked",
                  "fire_risk"]  # fmt: skip
