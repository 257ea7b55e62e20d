from rest_framework import serializers

from linli.volunteering.models import Activity, Signup, Team, Volunteer, Wish


class WishSerializer(serializers.ModelSerializer):
    """A wish on the wall: the name masked (a minor's never shown), no address."""

    name = serializers.CharField(source="public_name", read_only=True, help_text="心愿人（脱敏）")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    wish_status = serializers.CharField(source="status", read_only=True)

    class Meta:
        model = Wish
        fields = ["id", "title", "content", "category_label", "name", "region_name", "wish_status", "status_label",
                  "published_at", "claim_deadline", "fulfilled_at", "done_at"]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = data.pop("wish_status")
        return data


class WishCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True, help_text="心愿（60 字以内）")
    content = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    category = serializers.CharField(required=False, default=Wish.Category.OTHER, help_text="类别代码")
    beneficiary_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="",
                                             help_text="工作人员代登记时：心愿人姓名")  # fmt: skip
    is_minor = serializers.BooleanField(required=False, default=False)
    address = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    region = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="工作人员代登记时：区域编号"
    )


class WishStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class WishActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    hours = serializers.CharField(required=False, allow_blank=True, default="")
    to_user = serializers.IntegerField(required=False, allow_null=True, default=None)
    team = serializers.IntegerField(required=False, allow_null=True, default=None)
    photo = serializers.ImageField(required=False, allow_null=True, default=None)


class HoursSerializer(serializers.Serializer):
    confirmed_hours = serializers.CharField(help_text="经组织者确认的服务时长（小时，十进制字符串）")
    star = serializers.IntegerField(help_text="星级：100/300/600/1000/1500 小时对应 1–5 星")


class VolunteerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="masked_name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Volunteer
        fields = ["id", "name", "region_name", "is_party_member", "created_at"]


class TeamSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "kind_label", "description"]


class ActivitySerializer(serializers.ModelSerializer):
    activity_status = serializers.CharField(source="get_status_display", read_only=True)
    signed_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "place", "starts_at", "ends_at", "quota", "signed_count", "activity_status"]


class SignupSerializer(serializers.ModelSerializer):
    activity_title = serializers.CharField(source="activity.title", read_only=True)
    volunteer_name = serializers.CharField(source="volunteer.masked_name", read_only=True)
    signup_status = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Signup
        fields = ["id", "activity", "activity_title", "volunteer_name", "signup_status", "checked_in_at",
                  "checked_out_at", "hours"]  # fmt: skip
