"""Serializer bases: times in UTC, unknown input fields refused, read-only ones ignored."""

import datetime
import json
from typing import Any

import orjson
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField, RelatedField

from core.models import Membership, Organization, Team


def wire_datetime(value: datetime.datetime) -> str:
    """What ``UTCDateTimeField`` writes for an aware time: ISO 8601 in UTC with a ``Z``."""
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class UTCDateTimeField(serializers.DateTimeField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(*args, **kwargs)


_GENERIC = object()  # a field read through DRF's own get_attribute
_IDENTITY = object()  # a related id, written as it is


class OutputSerializer(serializers.ModelSerializer):
    """What an object looks like on the wire, in responses and on the changes feed.

    ``to_representation`` is DRF's, with the per-field overhead taken out of the common cases:
    a field reading one attribute of a model instance reads it with ``getattr`` (a related id
    straight from its ``*_id`` column) and converts it with the field's own
    ``to_representation``. Everything else (``source="*"``, dotted sources, method fields,
    nested serializers, callables, a missing attribute) goes through DRF's path, so the output
    is the same; tests/perf/test_wire_format.py compares the two.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        serializers.models.DateTimeField: UTCDateTimeField,
    }

    def _read_plan(self) -> list[tuple[str, Any, Any, Field]]:
        """(wire name, attribute to read or _GENERIC, converter or _IDENTITY, field) per field."""
        model = getattr(getattr(self, "Meta", None), "model", None)
        plan = []
        for field in self._readable_fields:
            attr: Any = _GENERIC
            convert: Any = field.to_representation
            simple = len(field.source_attrs) == 1 and field.source != "*"
            if simple and isinstance(field, RelatedField):
                if (
                    isinstance(field, PrimaryKeyRelatedField)
                    and type(field).get_attribute is RelatedField.get_attribute
                    and type(field).to_representation is PrimaryKeyRelatedField.to_representation
                    and field.pk_field is None
                    and field.use_pk_only_optimization()
                    and model is not None
                ):
                    try:
                        model_field = model._meta.get_field(field.source)
                    except FieldDoesNotExist:
                        model_field = None
                    if isinstance(model_field, models.ForeignKey):
                        attr, convert = model_field.attname, _IDENTITY
            elif (
                simple
                and type(field).get_attribute is Field.get_attribute
                and not isinstance(field, serializers.BaseSerializer)
            ):
                attr = field.source
            plan.append((field.field_name, attr, convert, field))
        return plan

    def row_columns(self) -> list[str] | None:
        """The attributes to read with ``values()`` when every field reads one attribute
        as it is stored (no method fields, no nested objects, no sources through relations),
        or None. ``to_representation`` of such a row (``row_to_wire``) is that of the instance."""
        if type(self).to_representation is not OutputSerializer.to_representation:
            return None
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = self._read_plan()
        if any(attr is _GENERIC for _, attr, _, _ in plan):
            return None
        return [attr for _, attr, _, _ in plan]

    def row_to_wire(self, row: dict[str, Any]) -> dict[str, Any]:
        """A ``values(*row_columns())`` row on the wire (see ``row_columns``)."""
        ret: dict[str, Any] = {}
        for name, attr, convert, _ in self.__dict__["_plan"]:
            value = row[attr]
            ret[name] = None if value is None else value if convert is _IDENTITY else convert(value)
        return ret

    def to_representation(self, instance):
        if not isinstance(instance, models.Model):
            return super().to_representation(instance)
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = self._read_plan()
        ret: dict[str, Any] = {}
        for name, attr, convert, field in plan:
            if attr is not _GENERIC:
                try:
                    value = getattr(instance, attr)
                except Exception:  # DRF's path below decides what a failed read means
                    value = _GENERIC
                if value is None:
                    ret[name] = None
                    continue
                if value is not _GENERIC and not callable(value):
                    ret[name] = value if convert is _IDENTITY else convert(value)
                    continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret


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


def _parse_json(text: str):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # e.g. an integer beyond 64 bits: the standard parser reads it
        return json.loads(text)


def change_row_to_wire(row: tuple) -> dict[str, Any]:
    """A ``changelog.changes_rows_since`` row on the wire, exactly as ``ChangeSerializer``
    writes the entry (tests/sync/test_changes_feed.py compares the two)."""
    entry_id, object_type, object_id, op, version, at, data = row
    return {
        "cursor": str(entry_id),  # changelog.encode_cursor
        "type": object_type,
        "id": str(object_id),
        "op": op,
        "version": int(version),
        "at": wire_datetime(at),
        "data": None if data is None else _parse_json(data),
    }


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
