"""Cadences, review sessions, decisions, learnings and notifications on the wire.

Output and input are kept apart; inputs hold no rules (the services check schedules, who runs a
review, what a decision needs)."""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import InputSerializer, OutputSerializer, UTCDateTimeField
from core.models import Membership, Team, User
from okrs.models import KeyResult
from planning.api.serializers import ScopedRelatedField
from planning.models import Initiative, StrategicObjective, WorkPackage
from reviews.models import Cadence, Decision, Learning, Notification, ReviewSession

WALL_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": WALL_CLOCK,
        "example": "09:30",
        "description": "Wall-clock time (HH:MM) in the organization's time zone, no offset.",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A time of day without a zone: `HH:MM` (or `HH:MM:SS`) in, `HH:MM` out."""

    default_error_messages = {"invalid": "Give the time as HH:MM, e.g. 09:30."}

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(WALL_CLOCK, value):
            self.fail("invalid")
        return super().to_internal_value(value)

    def to_representation(self, value):
        return None if value is None else value.strftime("%H:%M")


# --- output --------------------------------------------------------------------------------


class CadenceSerializer(OutputSerializer):
    time_of_day = WallClockTimeField(read_only=True)
    participants = serializers.SerializerMethodField(help_text="Member ids (see /members/).")
    archived = serializers.SerializerMethodField()

    class Meta:
        model = Cadence
        fields = [
            "id",
            "team",
            "name",
            "kind",
            "frequency",
            "weekday",
            "week_of_month",
            "day_of_month",
            "month_of_quarter",
            "time_of_day",
            "duration_minutes",
            "starts_on",
            "ends_on",
            "reminder_lead_hours",
            "location",
            "participants",
            "archived",
            "archived_at",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_participants(self, obj) -> list[str]:
        return [str(p.pk) for p in obj.participants.all()]

    def get_archived(self, obj) -> bool:
        return obj.archived_at is not None


class ReviewSessionSerializer(OutputSerializer):
    class Meta:
        model = ReviewSession
        fields = [
            "id",
            "cadence",
            "scheduled_at",
            "status",
            "notes",
            "held_at",
            "closed_by",
            "version",
            "created_at",
            "updated_at",
        ]


class AgendaItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="work_package, key_result, decision, learning, …")
    id = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    owner = serializers.CharField()
    team = serializers.CharField()
    when = serializers.CharField(help_text="An ISO date, or empty.")
    note = serializers.CharField()
    tone = serializers.CharField(help_text="bad, warn, ok, or empty.")
    flag = serializers.CharField(help_text="The word for the tone.")
    decidable = serializers.BooleanField()
    progress = serializers.FloatField(allow_null=True)
    lines = serializers.ListField(child=serializers.CharField())


class AgendaSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    why = serializers.CharField()
    items = AgendaItemSerializer(many=True)
    total = serializers.IntegerField(help_text="Items in all (a section shows the first ones).")
    empty = serializers.CharField(help_text="What an empty section says.")


class AgendaSerializer(serializers.Serializer):
    session = serializers.UUIDField()
    layer = serializers.CharField(help_text="tactical or strategic")
    live = serializers.BooleanField(help_text="false once the session is held: kept as it stood.")
    built_at = UTCDateTimeField()
    as_of = serializers.DateField()
    sections = AgendaSectionSerializer(many=True)


# A review's verdict on work. The same values as a work package's decision at its success check,
# labelled as verdicts, so the schema names them apart.
VERDICTS = [(value, f"{label} (verdict)") for value, label in Decision.Verdict.choices]


class DecisionSerializer(OutputSerializer):
    verdict = serializers.ChoiceField(
        VERDICTS, read_only=True, allow_blank=True, help_text="Empty unless on a work package."
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "session",
            "subject",
            "verdict",
            "work_package",
            "initiative",
            "strategic_objective",
            "team",
            "subject_title",
            "summary",
            "reason",
            "owner",
            "status",
            "done_at",
            "recorded_by",
            "version",
            "created_at",
            "updated_at",
        ]


class LearningSerializer(OutputSerializer):
    work_packages = serializers.SerializerMethodField()
    key_results = serializers.SerializerMethodField()

    class Meta:
        model = Learning
        fields = [
            "id",
            "session",
            "strategic_objective",
            "statement",
            "evidence",
            "work_packages",
            "key_results",
            "recorded_by",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_work_packages(self, obj) -> list[str]:
        return [str(wp.pk) for wp in obj.work_packages.all()]

    def get_key_results(self, obj) -> list[str]:
        return [str(kr.pk) for kr in obj.key_results.all()]


class NotificationSerializer(OutputSerializer):
    kind = serializers.CharField(
        read_only=True,
        help_text="review_upcoming, check_in_due, work_package_overdue, success_check_due, "
        "intention_not_ready or weekly_digest.",
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read", "read_at"]

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")


# --- input ---------------------------------------------------------------------------------


class ScopedMemberField(ScopedRelatedField):
    def __init__(self, **kwargs):
        super().__init__(Membership, **kwargs)


class CadenceInput(InputSerializer):
    """A review's set-up. On PUT a field left out goes back to its default; on PATCH it stays."""

    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(Cadence.Kind.choices, required=False, default="weekly_delivery")
    team = ScopedRelatedField(
        Team, required=False, allow_null=True, default=None, help_text="Empty: the organization."
    )
    frequency = serializers.ChoiceField(Cadence.Frequency.choices, required=False, default="weekly")
    weekday = serializers.ChoiceField(
        Cadence.Weekday.choices, required=False, allow_null=True, default=None
    )
    week_of_month = serializers.ChoiceField(
        Cadence.WeekOfMonth.choices, required=False, allow_null=True, default=None
    )
    day_of_month = serializers.IntegerField(
        min_value=1, max_value=31, required=False, allow_null=True, default=None
    )
    month_of_quarter = serializers.IntegerField(min_value=1, max_value=3, required=False, default=1)
    time_of_day = WallClockTimeField()
    duration_minutes = serializers.IntegerField(
        min_value=5, max_value=480, required=False, default=60
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    reminder_lead_hours = serializers.IntegerField(
        min_value=0, max_value=24 * 90, required=False, default=24
    )
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    participants = ScopedMemberField(many=True, required=False, default=list)
    read_only_fields = (*InputSerializer.read_only_fields, "archived", "archived_at")


class ReviewSessionNotesInput(InputSerializer):
    notes = serializers.CharField(allow_blank=True, max_length=50000)
    read_only_fields = (
        *InputSerializer.read_only_fields,
        "cadence",
        "scheduled_at",
        "status",
        "held_at",
        "closed_by",
    )


class DecisionInput(InputSerializer):
    session = ScopedRelatedField(ReviewSession)
    subject = serializers.ChoiceField(Decision.Subject.choices)
    verdict = serializers.ChoiceField(
        VERDICTS,
        required=False,
        allow_blank=True,
        default="",
        help_text="continue, revise or stop: for a work package only.",
    )
    work_package = ScopedRelatedField(WorkPackage, required=False, allow_null=True, default=None)
    initiative = ScopedRelatedField(Initiative, required=False, allow_null=True, default=None)
    strategic_objective = ScopedRelatedField(
        StrategicObjective, required=False, allow_null=True, default=None
    )
    team = ScopedRelatedField(
        Team, required=False, allow_null=True, default=None, help_text="For a capacity decision."
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    reason = serializers.CharField(allow_blank=True, max_length=10000)
    owner = ScopedRelatedField(User, help_text="Who carries it out.")
    read_only_fields = (
        *InputSerializer.read_only_fields,
        "subject_title",
        "status",
        "done_at",
        "recorded_by",
    )


class DecisionDoneInput(InputSerializer):
    done = serializers.BooleanField(
        required=False, default=True, help_text="false: take back that it was carried out."
    )


class LearningInput(InputSerializer):
    """On PATCH fields left out keep their value; on PUT the links left out are cleared."""

    session = ScopedRelatedField(
        ReviewSession,
        required=False,
        allow_null=True,
        default=None,
        help_text="Only when recording: the review it came from.",
    )
    strategic_objective = ScopedRelatedField(StrategicObjective)
    statement = serializers.CharField(max_length=300)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    work_packages = ScopedRelatedField(WorkPackage, many=True, required=False, default=list)
    key_results = ScopedRelatedField(KeyResult, many=True, required=False, default=list)
    read_only_fields = (*InputSerializer.read_only_fields, "recorded_by")


class LearningUpdate(LearningInput):
    session = None  # type: ignore[assignment]
    read_only_fields = (*LearningInput.read_only_fields, "session")
