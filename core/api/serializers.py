"""Serializer bases: times in UTC, unknown input fields refused, read-only ones ignored."""

import datetime

from rest_framework import serializers

from core.models import Membership, Organization, Team


class UTCDateTimeField(serializers.DateTimeField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(*args, **kwargs)


class OutputSerializer(serializers.ModelSerializer):
    """What an object looks like on the wire, in responses and on the changes feed."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        serializers.models.DateTimeField: UTCDateTimeField,
    }


class InputSerializer(serializers.Serializer):
    """Validates a write. Fields the API shows but never takes are ignored; others are refused."""

    read_only_fields: tuple[str, ...] = (
        "id",
        "version",
        "created_at",
        "updated_at",
        "organization",
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"body": ["Send a JSON object with the object's fields."]}
            )
        unknown = set(data) - set(self.fields) - set(self.read_only_fields)
        if unknown:
            raise serializers.ValidationError(
                {field: ["Unknown field."] for field in sorted(unknown)}
            )
        return super().to_internal_value({k: v for k, v in data.items() if k in self.fields})


class OrganizationSerializer(OutputSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "timezone", "fiscal_year_start_month", "created_at"]


class TeamSerializer(OutputSerializer):
    archived = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "parent", "archived", "archived_at", "created_at"]

    def get_archived(self, obj) -> bool:
        return obj.archived_at is not None


class MemberSerializer(OutputSerializer):
    """A person in the organization (a membership, seen from the person's side)."""

    user = serializers.UUIDField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    teams = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "full_name", "role", "teams", "is_active", "created_at"]

    def get_teams(self, obj) -> list[str]:
        return [str(team.pk) for team in obj.teams.all()]


class ChangeSerializer(serializers.Serializer):
    cursor = serializers.SerializerMethodField()
    type = serializers.CharField(source="object_type")
    id = serializers.UUIDField(source="object_id")
    op = serializers.CharField()
    version = serializers.IntegerField()
    at = UTCDateTimeField()
    data = serializers.JSONField(allow_null=True)

    def get_cursor(self, obj) -> str:
        from core.changelog import encode_cursor

        return encode_cursor(obj.id)


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next_cursor = serializers.CharField()
    has_more = serializers.BooleanField()
