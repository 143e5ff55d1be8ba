"""Strategy and work on the wire. Output and input are kept apart; inputs hold no business logic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from core.api.serializers import InputSerializer, OutputSerializer, wire_datetime
from core.models import Team, User
from planning import rules
from planning.models import Initiative, StrategicObjective, WorkPackage

# --- output --------------------------------------------------------------------------------


class StrategicObjectiveSerializer(OutputSerializer):
    quality_warnings = serializers.SerializerMethodField(
        help_text="Advice (never a block): reads like a tactic, no trade-off, short horizon."
    )

    class Meta:
        model = StrategicObjective
        fields = [
            "id",
            "statement",
            "rationale",
            "horizon_start",
            "horizon_end",
            "trade_offs",
            "outcome_measures",
            "owner",
            "priority",
            "status",
            "version",
            "created_at",
            "updated_at",
            "quality_warnings",
        ]

    def get_quality_warnings(self, obj) -> list[str]:
        return rules.strategic_objective_advice(
            statement=obj.statement,
            trade_offs=obj.trade_offs,
            horizon_start=obj.horizon_start,
            horizon_end=obj.horizon_end,
        )


class InitiativeSerializer(OutputSerializer):
    teams = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        fields = [
            "id",
            "strategic_objective",
            "title",
            "description",
            "owner",
            "teams",
            "start_date",
            "end_date",
            "status",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_teams(self, obj) -> list[str]:
        return [str(team.pk) for team in obj.teams.all()]


def _wire_date(value: Any) -> Any:
    if not value:
        return None
    return value if isinstance(value, str) else value.isoformat()


def _wire_datetime(value: Any) -> Any:
    """What ``UTCDateTimeField`` writes: ISO 8601 in UTC with a ``Z``."""
    if not value:
        return None
    return value if isinstance(value, str) else wire_datetime(value)


# The fields of a work package on the wire, in order (WorkPackageSerializer's Meta), and the
# columns (attribute names) they are built from: a ``values()`` row of these, or a loaded
# instance's ``__dict__``, is all ``work_package_row_to_wire`` reads.
WORK_PACKAGE_WIRE_FIELDS = [
    "id",
    "title",
    "description",
    "initiative",
    "team",
    "owner",
    "start_date",
    "due_date",
    "output_kind",
    "outputs",
    "success_criterion",
    "success_review_date",
    "category",
    "estimate",
    "status",
    "decision",
    "decision_reason",
    "source",
    "external_id",
    "version",
    "created_at",
    "updated_at",
]
_RELATED = {"initiative", "team", "owner"}
WORK_PACKAGE_WIRE_COLUMNS = tuple(
    f"{name}_id" if name in _RELATED else name for name in WORK_PACKAGE_WIRE_FIELDS
)


def work_package_row_to_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """A work package on the wire, exactly as ``WorkPackageSerializer`` declares it, from its
    column values by attribute name (a ``values(*WORK_PACKAGE_WIRE_COLUMNS)`` row).

    The hot path of the list endpoint, the bulk upsert and the changes feed: building DRF fields
    per object cost about 3 ms each, and a model instance per row of a list page about a third of
    the page's time. ``tests/perf/test_wire_format.py`` holds it to the serializer's declared
    output.
    """
    estimate = row["estimate"]
    return {
        "id": str(row["id"]),
        "title": row["title"],
        "description": row["description"],
        "initiative": row["initiative_id"],
        "team": row["team_id"],
        "owner": row["owner_id"],
        "start_date": _wire_date(row["start_date"]),
        "due_date": _wire_date(row["due_date"]),
        "output_kind": row["output_kind"],
        "outputs": row["outputs"],
        "success_criterion": row["success_criterion"],
        "success_review_date": _wire_date(row["success_review_date"]),
        "category": row["category"],
        "estimate": None if estimate is None else int(estimate),
        "status": row["status"],
        "decision": row["decision"],
        "decision_reason": row["decision_reason"],
        "source": row["source"],
        "external_id": row["external_id"],
        "version": int(row["version"]),
        "created_at": _wire_datetime(row["created_at"]),
        "updated_at": _wire_datetime(row["updated_at"]),
    }


def work_package_to_wire(wp: WorkPackage) -> dict[str, Any]:
    """A loaded work package on the wire (reads its attributes only: no query)."""
    try:
        return work_package_row_to_wire(wp.__dict__)
    except KeyError:  # a deferred column: read it through the attribute
        return work_package_row_to_wire({c: getattr(wp, c) for c in WORK_PACKAGE_WIRE_COLUMNS})


class WorkPackageSerializer(OutputSerializer):
    """Declares the wire format (schema, docs); ``to_representation`` takes the lean path."""

    def to_representation(self, instance):
        if type(self) is not WorkPackageSerializer:  # a subclass declares more fields
            return super().to_representation(instance)
        return work_package_to_wire(instance)

    class Meta:
        model = WorkPackage
        fields = WORK_PACKAGE_WIRE_FIELDS


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


class StrategicObjectiveInput(InputSerializer):
    statement = serializers.CharField(max_length=300)
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    horizon_start = serializers.DateField()
    horizon_end = serializers.DateField()
    trade_offs = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=50
    )
    outcome_measures = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=50
    )
    owner = ScopedRelatedField(User, required=False, allow_null=True, default=None)
    priority = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    status = serializers.ChoiceField(
        StrategicObjective.Status.choices, required=False, default="draft"
    )
    read_only_fields = (*InputSerializer.read_only_fields, "quality_warnings")


class InitiativeInput(InputSerializer):
    strategic_objective = ScopedRelatedField(StrategicObjective)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = ScopedRelatedField(User, required=False, allow_null=True, default=None)
    teams = ScopedRelatedField(Team, many=True, required=False, default=list)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(Initiative.Status.choices, required=False, default="planned")


class WorkPackageInput(InputSerializer):
    """A work package write. On PUT, a field left out goes back to its default; on PATCH it stays."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    initiative = ScopedRelatedField(Initiative, required=False, allow_null=True, default=None)
    team = ScopedRelatedField(Team)
    owner = ScopedRelatedField(User, required=False, allow_null=True, default=None)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    output_kind = serializers.ChoiceField(
        WorkPackage.OutputKind.choices, required=False, allow_blank=True, default=""
    )
    outputs = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    success_criterion = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    success_review_date = serializers.DateField(required=False, allow_null=True, default=None)
    category = serializers.ChoiceField(
        WorkPackage.Category.choices, required=False, default="strategic"
    )
    estimate = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=1000
    )
    status = serializers.ChoiceField(
        WorkPackage.Status.choices,
        required=False,
        help_text="Left out: a new package is ready when complete, else an intention; "
        "an existing one keeps its status.",
    )
    decision = serializers.ChoiceField(
        WorkPackage.Decision.choices,
        required=False,
        allow_blank=True,
        help_text="The decision at the success check; needs decision_reason.",
    )
    decision_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    reopen_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        write_only=True,
        help_text="Why done or stopped work is being reopened (required then).",
    )
    source = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    external_id = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )


class WorkPackageSyncItem(InputSerializer):
    """One item of an upsert by external id. Fields left out keep their value (or default, when
    the package is new); related objects are given by id."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True)
    initiative = serializers.UUIDField(allow_null=True)
    team = serializers.UUIDField()
    owner = serializers.UUIDField(allow_null=True)
    start_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    output_kind = serializers.ChoiceField(WorkPackage.OutputKind.choices, allow_blank=True)
    outputs = serializers.CharField(allow_blank=True, max_length=5000)
    success_criterion = serializers.CharField(allow_blank=True, max_length=300)
    success_review_date = serializers.DateField(allow_null=True)
    category = serializers.ChoiceField(WorkPackage.Category.choices)
    estimate = serializers.IntegerField(allow_null=True, min_value=0, max_value=1000)
    status = serializers.ChoiceField(WorkPackage.Status.choices)
    reopen_reason = serializers.CharField(allow_blank=True, max_length=5000)
    source = serializers.CharField(max_length=50)
    external_id = serializers.CharField(max_length=200)
    read_only_fields = (*InputSerializer.read_only_fields, "decision", "decision_reason")

    def get_fields(self):
        # Validated as partial (a field left out keeps its value), so none is required: a new
        # package without title or team, or an item without source and external_id, is an error
        # of the upsert itself. The schema then documents what the API accepts.
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields
