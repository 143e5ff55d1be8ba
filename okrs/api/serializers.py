"""OKRs and KPIs on the wire. Output and input are kept apart; inputs hold no business logic.

Numbers stored as decimals (values, targets, weights, grades) travel as strings, exactly as
stored; ``progress`` is a float from 0 to 1 and ``confidence`` a whole number from 0 to 10.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from core.api.serializers import InputSerializer, OutputSerializer, UTCDateTimeField, wire_datetime
from core.models import Team, User
from okrs import rules, selectors
from okrs.models import (
    CheckIn,
    Contribution,
    Cycle,
    Direction,
    KeyResult,
    Objective,
    OutcomeMeasure,
    OutcomeMeasureValue,
)
from planning.models import StrategicObjective, WorkPackage

PROGRESS_HELP = "0 to 1, computed from the latest check-ins (null when nothing weighs in)."

# --- output --------------------------------------------------------------------------------


class CycleSerializer(OutputSerializer):
    class Meta:
        model = Cycle
        fields = [
            "id",
            "name",
            "start_date",
            "end_date",
            "status",
            "closed_at",
            "version",
            "created_at",
            "updated_at",
        ]


class ObjectiveSerializer(OutputSerializer):
    """Read from selectors.objective_api_list (its figures are annotations)."""

    progress = serializers.FloatField(read_only=True, allow_null=True, help_text=PROGRESS_HELP)
    quality_warnings = serializers.SerializerMethodField(
        help_text="Advice (never a block): reads like a project, no link to strategy, "
        "no or too many key results."
    )

    class Meta:
        model = Objective
        fields = [
            "id",
            "cycle",
            "level",
            "team",
            "statement",
            "description",
            "owner",
            "strategic_objective",
            "parent",
            "carried_from",
            "grade",
            "retrospective",
            "graded_at",
            "version",
            "created_at",
            "updated_at",
            "progress",
            "quality_warnings",
        ]

    def get_quality_warnings(self, obj) -> list[str]:
        return selectors.objective_warnings(obj)


class KeyResultSerializer(OutputSerializer):
    """Read from selectors.key_result_api_list (its figures are annotations)."""

    current_value = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        read_only=True,
        help_text="The latest check-in's value (the start value before the first one).",
    )
    confidence = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The latest check-in's confidence (0-10)."
    )
    last_check_in_at = UTCDateTimeField(read_only=True, allow_null=True)
    progress = serializers.FloatField(read_only=True, help_text=PROGRESS_HELP)
    quality_warnings = serializers.SerializerMethodField(
        help_text="Advice (never a block): a task or activity count, no measurable target, "
        "no owner, stale check-ins."
    )

    class Meta:
        model = KeyResult
        fields = [
            "id",
            "objective",
            "title",
            "metric_kind",
            "unit",
            "start_value",
            "target_value",
            "direction",
            "weight",
            "owner",
            "outcome_measure",
            "carried_from",
            "version",
            "created_at",
            "updated_at",
            "current_value",
            "confidence",
            "last_check_in_at",
            "progress",
            "quality_warnings",
        ]

    def get_quality_warnings(self, obj) -> list[str]:
        return selectors.key_result_warnings(obj)


# --- the lists' lean path -------------------------------------------------------------------
# A list page of 100 objectives or key results reads ``values()`` rows and writes them with the
# functions below instead of a model instance and DRF fields per row. Each writes exactly what
# its serializer declares (okrs/tests/test_api_dashboards_scale.py compares the two), decimals
# through the declared fields themselves.


def _time(value) -> str | None:
    return None if value is None else wire_datetime(value)


def _decimal(field: serializers.Field, value) -> str | None:
    return None if value is None else field.to_representation(value)


OBJECTIVE_WIRE_COLUMNS = (
    "id",
    "cycle_id",
    "level",
    "team_id",
    "statement",
    "description",
    "owner_id",
    "strategic_objective_id",
    "parent_id",
    "carried_from_id",
    "grade",
    "retrospective",
    "graded_at",
    "version",
    "created_at",
    "updated_at",
    "progress",
    "key_result_count",
)
_GRADE = serializers.DecimalField(max_digits=3, decimal_places=2)


def objective_row_to_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """An objective on the wire, as ObjectiveSerializer declares it, from a
    ``values(*OBJECTIVE_WIRE_COLUMNS)`` row of selectors.objective_api_list."""
    progress = row["progress"]
    return {
        "id": str(row["id"]),
        "cycle": row["cycle_id"],
        "level": row["level"],
        "team": row["team_id"],
        "statement": row["statement"],
        "description": row["description"],
        "owner": row["owner_id"],
        "strategic_objective": row["strategic_objective_id"],
        "parent": row["parent_id"],
        "carried_from": row["carried_from_id"],
        "grade": _decimal(_GRADE, row["grade"]),
        "retrospective": row["retrospective"],
        "graded_at": _time(row["graded_at"]),
        "version": int(row["version"]),
        "created_at": _time(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
        "progress": None if progress is None else float(progress),
        "quality_warnings": rules.objective_advice(
            statement=row["statement"],
            level=row["level"],
            has_strategic_link=row["strategic_objective_id"] is not None
            or row["parent_id"] is not None,
            has_parent=row["parent_id"] is not None,
            key_result_count=row["key_result_count"],
            all_weights_zero=row["key_result_count"] > 0 and progress is None,
        ),
    }


KEY_RESULT_WIRE_COLUMNS = (
    "id",
    "objective_id",
    "title",
    "metric_kind",
    "unit",
    "start_value",
    "target_value",
    "direction",
    "weight",
    "owner_id",
    "outcome_measure_id",
    "carried_from_id",
    "version",
    "created_at",
    "updated_at",
    "current_value",
    "confidence",
    "last_check_in_at",
    "progress",
    "objective__cycle__status",
)
_VALUE = serializers.DecimalField(max_digits=18, decimal_places=4)
_WEIGHT = serializers.DecimalField(max_digits=6, decimal_places=2)


def key_result_row_to_wire(row: Mapping[str, Any], *, now=None) -> dict[str, Any]:
    """A key result on the wire, as KeyResultSerializer declares it, from a
    ``values(*KEY_RESULT_WIRE_COLUMNS)`` row of selectors.key_result_api_list."""
    confidence = row["confidence"]
    return {
        "id": str(row["id"]),
        "objective": row["objective_id"],
        "title": row["title"],
        "metric_kind": row["metric_kind"],
        "unit": row["unit"],
        "start_value": _decimal(_VALUE, row["start_value"]),
        "target_value": _decimal(_VALUE, row["target_value"]),
        "direction": row["direction"],
        "weight": _decimal(_WEIGHT, row["weight"]),
        "owner": row["owner_id"],
        "outcome_measure": row["outcome_measure_id"],
        "carried_from": row["carried_from_id"],
        "version": int(row["version"]),
        "created_at": _time(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
        "current_value": _decimal(_VALUE, row["current_value"]),
        "confidence": None if confidence is None else int(confidence),
        "last_check_in_at": _time(row["last_check_in_at"]),
        "progress": float(row["progress"]),
        "quality_warnings": selectors.key_result_advice_of(
            title=row["title"],
            metric_kind=row["metric_kind"],
            owner_id=row["owner_id"],
            last_check_in_at=row["last_check_in_at"],
            created_at=row["created_at"],
            cycle_status=row["objective__cycle__status"],
            now=now,
        ),
    }


class CheckInSerializer(OutputSerializer):
    class Meta:
        model = CheckIn
        fields = [
            "id",
            "key_result",
            "value",
            "confidence",
            "note",
            "author",
            "checked_in_at",
            "created_at",
        ]


class ContributionSerializer(OutputSerializer):
    class Meta:
        model = Contribution
        fields = ["id", "key_result", "work_package", "created_at"]


class OutcomeMeasureSerializer(OutputSerializer):
    class Meta:
        model = OutcomeMeasure
        fields = [
            "id",
            "strategic_objective",
            "name",
            "unit",
            "direction",
            "target_value",
            "target_date",
            "description",
            "version",
            "created_at",
            "updated_at",
        ]


class OutcomeMeasureValueSerializer(OutputSerializer):
    class Meta:
        model = OutcomeMeasureValue
        fields = [
            "id",
            "measure",
            "observed_on",
            "value",
            "note",
            "source",
            "recorded_by",
            "version",
            "created_at",
            "updated_at",
        ]


# --- input ---------------------------------------------------------------------------------


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id that must belong to the caller's organization (else: does not exist)."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        membership = self.context["membership"]
        if self.model is User:
            return User.objects.filter(memberships__organization_id=membership.organization_id)
        return self.model.objects.filter(organization_id=membership.organization_id)


def _number(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, **kwargs)


class CycleInput(InputSerializer):
    name = serializers.CharField(max_length=80)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.ChoiceField(
        [Cycle.Status.PLANNING, Cycle.Status.ACTIVE],
        required=False,
        default=Cycle.Status.PLANNING,
        help_text="A new cycle starts in planning or active; later, use activate and close.",
    )
    read_only_fields = (*InputSerializer.read_only_fields, "closed_at")


class CycleUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=80)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    # The status moves only through POST .../activate/ and .../close/.
    read_only_fields = (*InputSerializer.read_only_fields, "closed_at", "status")


class ObjectiveUpdateInput(InputSerializer):
    """An objective write. On PUT, a field left out goes back to its default; on PATCH it stays.
    The cycle is fixed once the objective exists; grades come through POST .../grade/."""

    level = serializers.ChoiceField(
        Objective.Level.choices, required=False, default=Objective.Level.ORGANIZATION
    )
    team = ScopedRelatedField(
        Team, required=False, allow_null=True, default=None, help_text="For a team objective."
    )
    statement = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = ScopedRelatedField(User, required=False, allow_null=True, default=None)
    strategic_objective = ScopedRelatedField(
        StrategicObjective,
        required=False,
        allow_null=True,
        default=None,
        help_text="Required for an organization objective.",
    )
    parent = ScopedRelatedField(
        Objective,
        required=False,
        allow_null=True,
        default=None,
        help_text="The organization objective a team objective cascades from.",
    )
    read_only_fields = (
        *InputSerializer.read_only_fields,
        "cycle",
        "carried_from",
        "grade",
        "retrospective",
        "graded_at",
        "progress",
        "quality_warnings",
    )


class ObjectiveInput(ObjectiveUpdateInput):
    cycle = ScopedRelatedField(Cycle)
    read_only_fields = tuple(f for f in ObjectiveUpdateInput.read_only_fields if f != "cycle")


class KeyResultUpdateInput(InputSerializer):
    """A key result write; its objective is fixed once it exists. Yes/no results run from 0 to 1
    (start, target and direction are then set for you); the direction defaults to the way from
    start to target."""

    title = serializers.CharField(max_length=300)
    metric_kind = serializers.ChoiceField(
        KeyResult.Kind.choices, required=False, default=KeyResult.Kind.NUMBER
    )
    unit = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    start_value = _number(required=False, allow_null=True, default=None)
    target_value = _number(required=False, allow_null=True, default=None)
    direction = serializers.ChoiceField(
        Direction.choices, required=False, allow_null=True, default=None
    )
    weight = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, required=False, default=1
    )
    owner = ScopedRelatedField(User, required=False, allow_null=True, default=None)
    outcome_measure = ScopedRelatedField(
        OutcomeMeasure,
        required=False,
        allow_null=True,
        default=None,
        help_text="The KPI this key result moves.",
    )
    read_only_fields = (
        *InputSerializer.read_only_fields,
        "objective",
        "carried_from",
        "current_value",
        "confidence",
        "last_check_in_at",
        "progress",
        "quality_warnings",
    )


class KeyResultInput(KeyResultUpdateInput):
    objective = ScopedRelatedField(Objective)
    read_only_fields = tuple(f for f in KeyResultUpdateInput.read_only_fields if f != "objective")


class CheckInInput(InputSerializer):
    key_result = ScopedRelatedField(KeyResult)
    value = _number()
    confidence = serializers.IntegerField(
        min_value=0, max_value=10, help_text="0 (no chance) to 10 (certain)."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    checked_in_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Left out: now."
    )
    read_only_fields = (*InputSerializer.read_only_fields, "author")


class ContributionInput(InputSerializer):
    key_result = ScopedRelatedField(KeyResult)
    work_package = ScopedRelatedField(WorkPackage)


class OutcomeMeasureInput(InputSerializer):
    strategic_objective = ScopedRelatedField(StrategicObjective)
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    direction = serializers.ChoiceField(
        Direction.choices, required=False, default=Direction.INCREASE
    )
    target_value = _number()
    target_date = serializers.DateField(required=False, allow_null=True, default=None)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000
    )


class OutcomeMeasureValueInput(InputSerializer):
    observed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Left out: today."
    )
    value = _number()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    source = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    read_only_fields = (*InputSerializer.read_only_fields, "measure", "recorded_by")


# --- actions -------------------------------------------------------------------------------


class GradeInput(InputSerializer):
    grade = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=0, max_value=1, help_text="0.0 to 1.0."
    )
    retrospective = serializers.CharField(
        max_length=5000, help_text="A line on what the objective taught."
    )


class CycleGradeInput(GradeInput):
    objective = ScopedRelatedField(Objective)


class CycleCloseInput(InputSerializer):
    grades = CycleGradeInput(
        many=True,
        required=False,
        default=list,
        help_text="Every objective of the cycle not graded before needs one.",
    )
    carry_over = ScopedRelatedField(
        KeyResult,
        many=True,
        required=False,
        default=list,
        help_text="Unfinished key results to copy into next_cycle.",
    )
    next_cycle = ScopedRelatedField(Cycle, required=False, allow_null=True, default=None)
