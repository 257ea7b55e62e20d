from rest_framework import serializers

from linli.core.models import Organisation, Region


class RegionSerializer(serializers.ModelSerializer):
    level = serializers.CharField(source="level.code", read_only=True)
    level_name = serializers.CharField(source="level.name", read_only=True)
    parent = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = ["id", "name", "level", "level_name", "code", "path", "depth", "parent", "lat", "lng", "boundary",
                  "leader_name"]  # fmt: skip

    def get_parent(self, obj) -> int | None:
        parent_path = obj.path[: -obj.steplen]
        parents = self.context.setdefault("_parents", {})
        if not parent_path:
            return None
        if parent_path not in parents:
            parents[parent_path] = Region.objects.filter(path=parent_path).values_list("pk", flat=True).first()
        return parents[parent_path]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "region", "credit_code"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="用户名或手机号")
    password = serializers.CharField(style={"input_type": "password"})
    otp = serializers.CharField(required=False, allow_blank=True, help_text="工作人员账号的 6 位动态验证码")


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    user = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
