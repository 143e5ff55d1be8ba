"""The dual-track backlog: how a team scores and ranks its work, splits its capacity, plans sprints
and collects ideas apart from selecting them.

The backlog itself is not a model: it is a team's not-done work packages (planning.WorkPackage),
ranked. What backlog adds to a work package lives beside it (WorkPackageScore), never on it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact, GreaterThan

from core.models import Organization, Team
from planning.models import StrategicObjective, WorkPackage

Category = WorkPackage.Category


class CategoryGroup(models.TextChoices):
    """What a capacity policy splits capacity between. Each work package category falls in one."""

    STRATEGIC = "strategic", "Strategic"
    TACTICAL = "tactical", "Tactical"
    URGENT = "urgent", "Urgent requests"
    EXPERIMENTATION = "experimentation", "Experimentation"
    MAINTENANCE = "maintenance", "Maintenance"


# The finer split: which categories each group holds. The simple split has two groups only:
# strategic work, and everything else as tactical.
DETAILED_GROUPS: dict[str, tuple[str, ...]] = {
    CategoryGroup.STRATEGIC: (Category.STRATEGIC,),
    CategoryGroup.TACTICAL: (Category.TACTICAL,),
    CategoryGroup.URGENT: (Category.STAKEHOLDER_REQUEST,),
    CategoryGroup.EXPERIMENTATION: (Category.EXPERIMENTAL,),
    CategoryGroup.MAINTENANCE: (
        Category.OPERATIONAL,
        Category.TECHNICAL_DEBT,
        Category.OPTIMIZATION,
    ),
}
SIMPLE_GROUPS: dict[str, tuple[str, ...]] = {
    CategoryGroup.STRATEGIC: (Category.STRATEGIC,),
    CategoryGroup.TACTICAL: tuple(c for c in Category.values if c != Category.STRATEGIC),
}


class ScoringModel(models.Model):
    """How one team scores its backlog: weighted criteria, or the RICE or WSJF formula."""

    class Preset(models.TextChoices):
        WEIGHTED = "weighted", "Weighted criteria"
        RICE = "rice", "RICE (reach × impact × confidence ÷ effort)"
        WSJF = "wsjf", "WSJF (cost of delay ÷ job size)"

    # criterion -> (field, default weight, label)
    CRITERIA: tuple[tuple[str, str, int, str], ...] = (
        ("impact", "impact_weight", 3, "Impact"),
        ("urgency", "urgency_weight", 2, "Urgency"),
        ("effort", "effort_weight", 2, "Effort (a cost: less is better)"),
        ("strategic_fit", "strategic_fit_weight", 3, "Strategic fit"),
        ("risk", "risk_weight", 1, "Risk reduced"),
        ("dependencies", "dependencies_weight", 1, "Unblocks other work"),
    )
    MAX_WEIGHT = 10

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scoring_models"
    )
    team = models.OneToOneField(Team, on_delete=models.RESTRICT, related_name="scoring_model")
    preset = models.CharField(max_length=10, choices=Preset.choices, default=Preset.WEIGHTED)
    impact_weight = models.PositiveSmallIntegerField(default=3)
    urgency_weight = models.PositiveSmallIntegerField(default=2)
    effort_weight = models.PositiveSmallIntegerField(default=2)
    strategic_fit_weight = models.PositiveSmallIntegerField(default=3)
    risk_weight = models.PositiveSmallIntegerField(default=1)
    dependencies_weight = models.PositiveSmallIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(preset__in=["weighted", "rice", "wsjf"]),
                name="scoring_model_preset_valid",
            ),
            models.CheckConstraint(
                condition=~Q(preset="weighted")
                | Q(
                    GreaterThan(
                        F("impact_weight")
                        + F("urgency_weight")
                        + F("effort_weight")
                        + F("strategic_fit_weight")
                        + F("risk_weight")
                        + F("dependencies_weight"),
                        0,
                    )
                ),
                name="scoring_model_weights_not_all_zero",
                violation_error_message="At least one weight must be above zero.",
            ),
        ]
        indexes = [models.Index(fields=["organization", "updated_at"])]

    def __str__(self) -> str:
        return f"Scoring of {self.team}"

    @property
    def weights(self) -> dict[str, int]:
        return {criterion: getattr(self, field) for criterion, field, _, _ in self.CRITERIA}

    @property
    def weight_total(self) -> int:
        return sum(self.weights.values())


class CapacityPolicy(models.Model):
    """A team's target split of its capacity between category groups. Shares add up to 100 %."""

    class Split(models.TextChoices):
        SIMPLE = "simple", "Strategic vs tactical"
        DETAILED = "detailed", "Finer split (five groups)"

    SHARE_FIELDS: tuple[tuple[str, str], ...] = (
        (CategoryGroup.STRATEGIC, "strategic_share"),
        (CategoryGroup.TACTICAL, "tactical_share"),
        (CategoryGroup.URGENT, "urgent_share"),
        (CategoryGroup.EXPERIMENTATION, "experimentation_share"),
        (CategoryGroup.MAINTENANCE, "maintenance_share"),
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="capacity_policies"
    )
    team = models.OneToOneField(Team, on_delete=models.RESTRICT, related_name="capacity_policy")
    split = models.CharField(max_length=10, choices=Split.choices, default=Split.SIMPLE)
    strategic_share = models.PositiveSmallIntegerField(default=70)
    tactical_share = models.PositiveSmallIntegerField(default=30)
    urgent_share = models.PositiveSmallIntegerField(default=0)
    experimentation_share = models.PositiveSmallIntegerField(default=0)
    maintenance_share = models.PositiveSmallIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "capacity policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(split__in=["simple", "detailed"]), name="capacity_policy_split_valid"
            ),
            models.CheckConstraint(
                condition=Exact(
                    F("strategic_share")
                    + F("tactical_share")
                    + F("urgent_share")
                    + F("experimentation_share")
                    + F("maintenance_share"),
                    100,
                ),
                name="capacity_policy_shares_add_to_100",
                violation_error_message="The shares must add up to 100 %.",
            ),
            models.CheckConstraint(
                condition=Q(split="detailed")
                | Q(urgent_share=0, experimentation_share=0, maintenance_share=0),
                name="capacity_policy_simple_has_two_groups",
            ),
        ]
        indexes = [models.Index(fields=["organization", "updated_at"])]

    def __str__(self) -> str:
        return f"Capacity policy of {self.team}"

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """Group -> the work package categories it holds, in display order."""
        return DETAILED_GROUPS if self.split == self.Split.DETAILED else SIMPLE_GROUPS

    @property
    def targets(self) -> dict[str, int]:
        """Group -> target share in percent, for the groups of this policy's split."""
        shares = {group: getattr(self, field) for group, field in self.SHARE_FIELDS}
        return {group: shares[group] for group in self.groups}

    def group_of(self, category: str) -> str:
        for group, categories in self.groups.items():
            if category in categories:
                return group
        return CategoryGroup.TACTICAL


class WorkPackageScore(models.Model):
    """What the team knows about one work package for ranking it, and its manual position.

    Inputs are 1–5 (blank: not scored yet, counted as the middle). Strategic fit is not an input:
    it comes from the work package's link to a strategic objective.
    """

    SCALE_FIELDS = ("impact", "urgency", "effort", "risk", "dependencies")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="work_package_scores"
    )
    # Scoring inputs belong to the work package alone: they go when it goes.
    work_package = models.OneToOneField(
        WorkPackage, on_delete=models.CASCADE, related_name="backlog_score"
    )
    impact = models.PositiveSmallIntegerField(null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(null=True, blank=True)
    effort = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1–5; blank: derived from the estimate."
    )
    risk = models.PositiveSmallIntegerField(null=True, blank=True)
    dependencies = models.PositiveSmallIntegerField(null=True, blank=True)
    reach = models.PositiveIntegerField(
        null=True, blank=True, help_text="RICE: people or clinics it reaches per quarter."
    )
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="RICE: percent, 0–100."
    )
    # A manual position, in the score's own units: the backlog orders by this when set, by the
    # score otherwise, so a hand-placed item stays between the neighbours it was placed between.
    rank_key = models.FloatField(null=True, blank=True)
    ranked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ranked_at = models.DateTimeField(null=True, blank=True)
    rank_reason = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 1, f"{f}__lte": 5}),
                    name=f"work_package_score_{f}_1_to_5",
                )
                for f in ("impact", "urgency", "effort", "risk", "dependencies")
            ],
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=100),
                name="work_package_score_confidence_percent",
            ),
            models.CheckConstraint(
                condition=Q(rank_key__isnull=True) | Q(ranked_at__isnull=False),
                name="work_package_score_manual_rank_has_time",
            ),
        ]
        indexes = [models.Index(fields=["organization", "updated_at"])]

    def __str__(self) -> str:
        return f"Score of {self.work_package_id}"

    @property
    def is_scored(self) -> bool:
        return any(getattr(self, f) is not None for f in self.SCALE_FIELDS)


class RankChange(models.Model):
    """Who moved what in a team's backlog, when, from where to where, and why. Never changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="rank_changes"
    )
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, related_name="+")
    work_package = models.ForeignKey(
        WorkPackage, on_delete=models.CASCADE, related_name="rank_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    from_position = models.PositiveIntegerField()
    # None: the manual position was removed and the item went back to its place by score.
    to_position = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at"]
        indexes = [
            models.Index(fields=["organization", "team", "changed_at"]),
            models.Index(fields=["organization", "work_package", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.work_package_id}: {self.from_position} → {self.to_position}"


class Sprint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sprints")
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, related_name="sprints")
    name = models.CharField(max_length=120)
    goal = models.CharField(max_length=300, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    capacity_points = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_note = models.TextField(blank=True)
    work_packages = models.ManyToManyField(
        WorkPackage, through="SprintCommitment", related_name="sprints"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="sprint_dates_order",
                violation_error_message="A sprint cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(capacity_points__gte=1), name="sprint_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]), name="sprint_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False),
                name="sprint_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "team", "start_date"]),
            models.Index(fields=["organization", "status", "start_date"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    # The next three read ``planned_points``, annotated by the sprint selectors.
    @property
    def load(self) -> float:
        planned = getattr(self, "planned_points", 0)
        return planned / self.capacity_points if self.capacity_points else 0.0

    @property
    def over_by(self) -> int:
        return max(0, getattr(self, "planned_points", 0) - self.capacity_points)

    @property
    def free_points(self) -> int:
        return max(0, self.capacity_points - getattr(self, "planned_points", 0))


class SprintCommitment(models.Model):
    """A work package committed to a sprint: when, by whom, past which warnings and why, and
    (once the sprint is closed) what became of it."""

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        CARRIED_OVER = "carried_over", "Carried over"
        STOPPED = "stopped", "Stopped"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sprint_commitments"
    )
    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="commitments")
    work_package = models.ForeignKey(
        WorkPackage, on_delete=models.RESTRICT, related_name="sprint_commitments"
    )
    # Points and category as they were when committed; refreshed when the sprint closes, so a
    # closed sprint's numbers stay what they were.
    points = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20, choices=Category.choices)
    over_capacity = models.BooleanField(default=False)
    below_strategic_target = models.BooleanField(default=False)
    reason = models.TextField(blank=True, help_text="Why it was committed past the warnings.")
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    committed_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["committed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sprint", "work_package"], name="sprint_commitment_unique"
            ),
            models.CheckConstraint(
                condition=Q(over_capacity=False, below_strategic_target=False) | ~Q(reason=""),
                name="sprint_commitment_warning_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["", "done", "carried_over", "stopped"]),
                name="sprint_commitment_outcome_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "work_package"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.work_package_id} in {self.sprint_id}"


class Idea(models.Model):
    """An idea, collected apart from selecting it. It says why it matters before it becomes work."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        SHORTLISTED = "shortlisted", "Shortlisted"
        REJECTED = "rejected", "Rejected"
        PROMOTED = "promoted", "Promoted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ideas")
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, related_name="ideas")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    strategic_objective = models.ForeignKey(
        StrategicObjective,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="ideas",
        help_text="The strategic choice it serves.",
    )
    rationale = models.TextField(help_text="Why it matters: how it serves that choice.")
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    # Where it came from: blank when proposed in Throughline, else the tool that sent it.
    source = models.CharField(max_length=50, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    shortlisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shortlisted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    work_package = models.OneToOneField(
        WorkPackage, null=True, blank=True, on_delete=models.RESTRICT, related_name="idea"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "shortlisted", "rejected", "promoted"]),
                name="idea_status_valid",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="idea_has_rationale"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="idea_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="promoted") | Q(work_package__isnull=False),
                name="idea_promoted_has_work_package",
            ),
            models.UniqueConstraint(
                fields=["organization", "source", "external_id"],
                condition=~Q(external_id=""),
                name="idea_external_id_unique",
                violation_error_message="Another idea already has this source and external id.",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "created_at"]),
            models.Index(fields=["organization", "team", "status"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.title
