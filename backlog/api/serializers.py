"""Backlogs, sprints and ideas on the wire. Output and input are kept apart; inputs hold no rules
(the services check ranges, readiness, capacity and who may do what)."""

from rest_framework import serializers

from backlog.models import CapacityPolicy, Idea, ScoringModel, Sprint, SprintCommitment
from core.api.serializers import InputSerializer, OutputSerializer
from core.models import Team
from planning.api.serializers import ScopedRelatedField, WorkPackageSerializer
from planning.models import Initiative, StrategicObjective, WorkPackage

# --- output --------------------------------------------------------------------------------


class ScoringModelSerializer(OutputSerializer):
    class Meta:
        model = ScoringModel
        fields = [
            "id",
            "team",
            "preset",
            "impact_weight",
            "urgency_weight",
            "effort_weight",
            "strategic_fit_weight",
            "risk_weight",
            "dependencies_weight",
            "updated_by",
            "version",
            "created_at",
            "updated_at",
        ]


class CapacityPolicySerializer(OutputSerializer):
    class Meta:
        model = CapacityPolicy
        fields = [
            "id",
            "team",
            "split",
            "strategic_share",
            "tactical_share",
            "urgent_share",
            "experimentation_share",
            "maintenance_share",
            "updated_by",
            "version",
            "created_at",
            "updated_at",
        ]


class BacklogItemSerializer(WorkPackageSerializer):
    """A work package of a team's backlog, with its score and its rank (1 = top)."""

    score = serializers.FloatField(read_only=True, help_text="Under the team's scoring model.")
    rank = serializers.IntegerField(
        source="position", read_only=True, help_text="Its place in the team's backlog, 1 = top."
    )
    hand_placed = serializers.BooleanField(
        read_only=True, help_text="Moved by hand: ranked by its manual position, not by its score."
    )
    open_sprint = serializers.UUIDField(
        source="open_sprint_id",
        read_only=True,
        allow_null=True,
        help_text="The open sprint it is committed to, if any.",
    )

    class Meta(WorkPackageSerializer.Meta):
        fields = [*WorkPackageSerializer.Meta.fields, "score", "rank", "hand_placed", "open_sprint"]


class SprintSerializer(OutputSerializer):
    class Meta:
        model = Sprint
        fields = [
            "id",
            "team",
            "name",
            "goal",
            "start_date",
            "end_date",
            "capacity_points",
            "status",
            "closed_at",
            "closed_by",
            "close_note",
            "version",
            "created_at",
            "updated_at",
        ]


class SprintCommitmentSerializer(OutputSerializer):
    class Meta:
        model = SprintCommitment
        fields = [
            "id",
            "sprint",
            "work_package",
            "points",
            "category",
            "over_capacity",
            "below_strategic_target",
            "reason",
            "committed_by",
            "committed_at",
            "outcome",
            "version",
            "updated_at",
        ]


class IdeaSerializer(OutputSerializer):
    class Meta:
        model = Idea
        fields = [
            "id",
            "team",
            "title",
            "description",
            "strategic_objective",
            "rationale",
            "proposer",
            "status",
            "source",
            "external_id",
            "shortlisted_by",
            "shortlisted_at",
            "decided_by",
            "decided_at",
            "rejection_reason",
            "work_package",
            "version",
            "created_at",
            "updated_at",
        ]


class BacklogMoveResultSerializer(serializers.Serializer):
    work_package = serializers.UUIDField()
    rank = serializers.IntegerField(help_text="Its new place in the team's backlog, 1 = top.")


# --- input ---------------------------------------------------------------------------------


def _weight() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=ScoringModel.MAX_WEIGHT, required=False)


def _share() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=100, required=False)


class ScoringModelInput(InputSerializer):
    """Fields left out keep their value (a team without a model starts from the defaults)."""

    team = ScopedRelatedField(Team, help_text="Only when creating: the team it scores.")
    preset = serializers.ChoiceField(ScoringModel.Preset.choices, required=False)
    impact_weight = _weight()
    urgency_weight = _weight()
    effort_weight = _weight()
    strategic_fit_weight = _weight()
    risk_weight = _weight()
    dependencies_weight = _weight()
    read_only_fields = (*InputSerializer.read_only_fields, "updated_by")


class ScoringModelUpdate(ScoringModelInput):
    team = None  # type: ignore[assignment]  # the team of an existing model does not change
    read_only_fields = (*ScoringModelInput.read_only_fields, "team")


class CapacityPolicyInput(InputSerializer):
    """Fields left out keep their value; in the simple split only the two first shares count."""

    team = ScopedRelatedField(Team, help_text="Only when creating: the team it splits.")
    split = serializers.ChoiceField(CapacityPolicy.Split.choices, required=False)
    strategic_share = _share()
    tactical_share = _share()
    urgent_share = _share()
    experimentation_share = _share()
    maintenance_share = _share()
    read_only_fields = (*InputSerializer.read_only_fields, "updated_by")


class CapacityPolicyUpdate(CapacityPolicyInput):
    team = None  # type: ignore[assignment]
    read_only_fields = (*CapacityPolicyInput.read_only_fields, "team")


class BacklogMoveInput(InputSerializer):
    direction = serializers.RegexField(
        r"^(up|down)$",
        required=False,
        error_messages={"invalid": "Move it up or down."},
        help_text="up or down (or give position).",
    )
    position = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, help_text="1 = top; instead of direction."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class BacklogResetInput(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class SprintInput(InputSerializer):
    team = ScopedRelatedField(Team, help_text="Only when creating.")
    name = serializers.CharField(max_length=120)
    goal = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    capacity_points = serializers.IntegerField(min_value=1, max_value=10000)
    read_only_fields = (
        *InputSerializer.read_only_fields,
        "status",
        "closed_at",
        "closed_by",
        "close_note",
    )


class SprintUpdate(SprintInput):
    team = None  # type: ignore[assignment]
    read_only_fields = (*SprintInput.read_only_fields, "team")


class SprintCommitInput(InputSerializer):
    work_package = ScopedRelatedField(WorkPackage)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Why it is committed past capacity or the strategic share (required then).",
    )


class SprintUncommitInput(InputSerializer):
    work_package = ScopedRelatedField(WorkPackage)


class SprintCloseInput(InputSerializer):
    outcomes = serializers.DictField(
        child=serializers.ChoiceField(SprintCommitment.Outcome.choices),
        required=False,
        default=dict,
        help_text="Work package id → done, carried_over or stopped; work not named gets its "
        "default (done work done, stopped work stopped, the rest carried over).",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class IdeaInput(InputSerializer):
    team = ScopedRelatedField(Team, help_text="Only when proposing.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=10000
    )
    strategic_objective = ScopedRelatedField(
        StrategicObjective, required=False, allow_null=True, default=None
    )
    rationale = serializers.CharField(max_length=10000)
    source = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=50,
        help_text="Only when proposing.",
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Only when proposing.",
    )
    read_only_fields = (
        *InputSerializer.read_only_fields,
        "proposer",
        "status",
        "shortlisted_by",
        "shortlisted_at",
        "decided_by",
        "decided_at",
        "rejection_reason",
        "work_package",
    )


class IdeaUpdate(IdeaInput):
    team = None  # type: ignore[assignment]
    source = None  # type: ignore[assignment]
    external_id = None  # type: ignore[assignment]
    read_only_fields = (*IdeaInput.read_only_fields, "team", "source", "external_id")


class IdeaRejectInput(InputSerializer):
    rejection_reason = serializers.CharField(
        max_length=5000, allow_blank=True, help_text="Why it is turned down (required)."
    )


class IdeaPromoteInput(InputSerializer):
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Default: the idea's.",
    )
    category = serializers.ChoiceField(
        WorkPackage.Category.choices, required=False, allow_blank=True, default=""
    )
    initiative = ScopedRelatedField(Initiative, required=False, allow_null=True, default=None)
    estimate = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=1000
    )
