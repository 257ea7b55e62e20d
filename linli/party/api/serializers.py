from rest_framework import serializers

from linli.party.models import Meeting, PartyMember, PartyOrganization

# Choice values are plain strings here (with a *_label beside them): the OpenAPI schema then has no enum named
# "status" or "kind" to collide with other apps' enums.


class OrganizationSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = PartyOrganization
        fields = ["id", "name", "kind", "kind_label", "parent", "region", "region_name", "secretary_name", "is_active"]


class MemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    phone = serializers.CharField(source="person.phone_masked", read_only=True)
    member_status = serializers.CharField(source="status", read_only=True)
    member_status_label = serializers.CharField(source="get_status_display", read_only=True)
    work_status = serializers.CharField(read_only=True)
    work_status_label = serializers.CharField(source="get_work_status_display", read_only=True)

    class Meta:
        model = PartyMember
        fields = [
            "id", "name", "phone", "organization", "member_status", "member_status_label", "probation_start",
            "probation_end", "work_status", "work_status_label", "joined_on", "is_central_household", "vanguard_post",
            "is_active",
        ]  # fmt: skip


class MeetingSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    meeting_status = serializers.CharField(source="status", read_only=True)
    meeting_status_label = serializers.CharField(source="get_status_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id", "organization", "organization_name", "kind", "kind_label", "title", "starts_at", "place",
            "meeting_status", "meeting_status_label", "online_allowed",
        ]  # fmt: skip


class CheckinSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)
    online = serializers.BooleanField(required=False, default=False)


class ComplianceRowSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    kind = serializers.CharField()
    required = serializers.IntegerField()
    held = serializers.IntegerField()
    behind = serializers.BooleanField()
