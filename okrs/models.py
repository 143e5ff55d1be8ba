"""OKRs tied to strategy: cycles, objectives and their key results, check-ins, and the outcome
measures (KPIs) that judge a strategic objective over time, kept apart from any quarter's OKRs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.audit import tracked
from core.models import Organization, Team
from planning.models import Initiative, StrategicObjective, WorkPackage


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase"
    DECREASE = "decrease", "Decrease"


class Cycle(models.Model):
    """A period of OKRs, usually a quarter. Closed cycles are read-only."""

    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cycles")
    name = models.CharField(max_length=80)
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="okr_cycle_dates_order",
                violation_error_message="The cycle must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planning", "active", "closed"]),
                name="okr_cycle_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "start_date"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


@tracked()
class Objective(models.Model):
    """An outcome for one cycle, set for the whole organization or for one team.

    Organization objectives serve a strategic objective; team objectives cascade from them.
    """

    class Level(models.TextChoices):
        ORGANIZATION = "organization", "Organization"
        TEAM = "team", "Team"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="okr_objectives"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.RESTRICT, related_name="objectives")
    level = models.CharField(max_length=12, choices=Level.choices, default=Level.ORGANIZATION)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.RESTRICT, related_name="okr_objectives"
    )
    statement = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    strategic_objective = models.ForeignKey(
        StrategicObjective,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="okr_objectives",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="children"
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="carried_into"
    )
    grade = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    retrospective = models.TextField(blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level="organization", team__isnull=True, parent__isnull=True)
                    & Q(strategic_objective__isnull=False)
                )
                | Q(level="team", team__isnull=False),
                name="okr_objective_level_shape",
                violation_error_message=(
                    "An organization objective serves a strategic objective and has no team or "
                    "parent; a team objective has a team."
                ),
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=0, grade__lte=1),
                name="okr_objective_grade_range",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="okr_objective_not_own_parent"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "cycle", "level"]),
            models.Index(fields=["organization", "created_at", "id"]),  # the API's cursor order
            models.Index(fields=["organization", "strategic_objective"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.statement

    @property
    def is_organization_level(self) -> bool:
        return self.level == self.Level.ORGANIZATION


class OutcomeMeasure(models.Model):
    """A KPI: a business outcome that judges a strategic objective over time, not a quarter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="outcome_measures"
    )
    strategic_objective = models.ForeignKey(
        StrategicObjective, on_delete=models.RESTRICT, related_name="kpis"
    )
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, blank=True)
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.INCREASE
    )
    target_value = models.DecimalField(max_digits=18, decimal_places=4)
    target_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=["increase", "decrease"]),
                name="okr_outcome_measure_direction_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "strategic_objective"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name


class OutcomeMeasureValue(models.Model):
    """One observation of a KPI, entered on its page or pushed over the API (one per day)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="outcome_measure_values"
    )
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.RESTRICT, related_name="values")
    observed_on = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    note = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=50, blank=True, help_text="Where the value came from.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["observed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "observed_on"],
                name="okr_outcome_measure_value_one_per_day",
                violation_error_message="This KPI already has a value for that day.",
            ),
        ]
        # The unique constraint's index serves the (measure, observed_on) reads.
        indexes = [models.Index(fields=["organization", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.measure}: {self.value} on {self.observed_on}"


@tracked()
class KeyResult(models.Model):
    """A measurable result that shows the objective is reached. Its current value is the value of
    its latest check-in (the start value until the first one)."""

    class Kind(models.TextChoices):
        NUMBER = "number", "Number"
        PERCENTAGE = "percentage", "Percentage"
        CURRENCY = "currency", "Currency"
        BOOLEAN = "boolean", "Yes / no"
        MILESTONE = "milestone", "Milestones"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="key_results"
    )
    objective = models.ForeignKey(Objective, on_delete=models.RESTRICT, related_name="key_results")
    title = models.CharField(max_length=300)
    metric_kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NUMBER)
    unit = models.CharField(max_length=20, blank=True)
    start_value = models.DecimalField(max_digits=18, decimal_places=4)
    target_value = models.DecimalField(max_digits=18, decimal_places=4)
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.INCREASE
    )
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_key_results",
    )
    outcome_measure = models.ForeignKey(
        OutcomeMeasure,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="key_results",
        help_text="The KPI this key result moves.",
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="carried_into"
    )
    work_packages = models.ManyToManyField(
        WorkPackage, through="Contribution", related_name="key_results", blank=True
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # Progress divides by (target - start); the direction says which way is better.
            models.CheckConstraint(
                condition=Q(direction="increase", target_value__gt=F("start_value"))
                | Q(direction="decrease", target_value__lt=F("start_value")),
                name="okr_key_result_target_beyond_start",
                violation_error_message="The target must lie beyond the start, in its direction.",
            ),
            models.CheckConstraint(
                condition=Q(
                    metric_kind__in=["number", "percentage", "currency", "boolean", "milestone"]
                ),
                name="okr_key_result_kind_valid",
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="okr_key_result_weight_min"),
        ]
        indexes = [
            models.Index(fields=["organization", "objective"]),
            models.Index(fields=["organization", "created_at", "id"]),  # the API's cursor order
            models.Index(fields=["organization", "owner"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_numeric(self) -> bool:
        return self.metric_kind not in (self.Kind.BOOLEAN, self.Kind.MILESTONE)


@tracked()
class CheckIn(models.Model):
    """A weekly word from a key result's owner: where the number is, and how sure they are."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="okr_check_ins"
    )
    key_result = models.ForeignKey(KeyResult, on_delete=models.RESTRICT, related_name="check_ins")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    confidence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="0 (no chance) to 10 (certain) that the target will be reached.",
    )
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_in_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checked_in_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=10),
                name="okr_check_in_confidence_range",
            ),
        ]
        indexes = [
            # A key result's latest check-in (its current value, confidence and time) read from
            # the index alone: the order breaks ties on created_at, as the selectors do.
            models.Index(
                fields=["key_result", "-checked_in_at", "-created_at"],
                include=["value", "confidence"],
                name="okrs_checkin_latest_idx",
            ),
            models.Index(fields=["organization", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.key_result}: {self.value} ({self.checked_in_at:%Y-%m-%d})"


class Contribution(models.Model):
    """A work package that feeds a key result: the tactic says which outcome it should move."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="okr_contributions"
    )
    key_result = models.ForeignKey(
        KeyResult, on_delete=models.RESTRICT, related_name="contributions"
    )
    work_package = models.ForeignKey(
        WorkPackage, on_delete=models.RESTRICT, related_name="contributions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_result", "work_package"],
                name="okr_contribution_unique",
                violation_error_message="This work package already feeds this key result.",
            ),
        ]
        indexes = [models.Index(fields=["organization", "work_package"])]

    def __str__(self) -> str:
        return f"{self.work_package} → {self.key_result}"


class InitiativeWork(models.Model):
    """The strategy map's read model: counts of work packages per initiative (None: supporting
    none) and team, by status, with their estimate points; committed work (ready or in progress)
    is also keyed by ``due_week``, the Monday of its due date, and counted by the weekday it is
    due (``due_mon`` … ``due_sun``), so that "overdue" (committed and due before today, a moving
    line) is a sum of its rows: whole weeks before this one, and this week's days before today
    (okrs.dashboards). Other work has no ``due_week``.

    Written only by database triggers, installed by migration 0005 (plain SQL, not
    django-pgtrigger, so that ``pgtrigger.ignore()``, which seed_scale uses, cannot leave it
    stale): statement triggers on planning_workpackage, so every door (the services, bulk
    upserts, QuerySet.update, raw SQL, seeds) keeps it current in the same transaction. A row
    whose counts fall to zero is deleted. ``okrs_initiative_work_rebuild(organization_id)``
    recounts an organization. Never written by Python.

    The keys are not database foreign keys: the rows follow the work packages only, so they go
    when the work does (a deleted organization's work packages take its rows with them), whatever
    order Django deletes things in.
    """

    id = models.BigAutoField(primary_key=True)
    # No index of their own: the unique key (organization, team, initiative, due_week) serves
    # the map (the organization's rows) and the team filter (its prefix).
    organization = models.ForeignKey(
        Organization,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(
        Team, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    initiative = models.ForeignKey(
        Initiative,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    due_week = models.DateField(null=True)
    total = models.IntegerField(default=0)
    intention = models.IntegerField(default=0)
    ready = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    stopped = models.IntegerField(default=0)
    points = models.IntegerField(default=0)
    # Committed work by the weekday of its due date (Monday first), for this week's overdue.
    due_mon = models.IntegerField(default=0)
    due_tue = models.IntegerField(default=0)
    due_wed = models.IntegerField(default=0)
    due_thu = models.IntegerField(default=0)
    due_fri = models.IntegerField(default=0)
    due_sat = models.IntegerField(default=0)
    due_sun = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "team", "initiative", "due_week"],
                nulls_distinct=False,
                name="initiative_work_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id or 'no initiative'} / {self.team_id}: {self.total}"
