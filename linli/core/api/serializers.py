from rest_framework import serializers

from linli.core.models import Organisation, Region
from linli.core.selectors import region_pk_at


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
            parents[parent_path] = region_pk_at(parent_path)
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
    token = serializers.CharField(help_text="只显示这一次；服务器只保存其摘要")
    user = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    expiry = serializers.DateTimeField(help_text="过期时间：工作人员 8 小时，居民 30 天")


class ApiTokenSerializer(serializers.Serializer):
    """One of the owner's API tokens: never the token itself, only its first characters."""

    id = serializers.CharField(source="token_key", help_text="令牌编号（令牌的前 15 个字符），用于吊销")
    prefix = serializers.SerializerMethodField(help_text="令牌开头 8 个字符，便于辨认")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField()
    current = serializers.SerializerMethodField(help_text="是否为本次请求所用的令牌")

    def get_prefix(self, obj) -> str:
        return obj.token_key[:8]

    def get_current(self, obj) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return getattr(auth, "digest", None) == obj.digest
