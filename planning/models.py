"""The spine: strategic objectives, the initiatives that make them real, and the work that delivers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Case, F, Q, Value, When

from core.audit import tracked
from core.models import Organization, Team


@tracked()
class StrategicObjective(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        RETIRED = "retired", "Retired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="strategic_objectives"
    )
    statement = models.CharField(max_length=300)
    rationale = models.TextField(blank=True)
    horizon_start = models.DateField()
    horizon_end = models.DateField()
    # What we choose *not* to do for the sake of this objective, one line each.
    trade_offs = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    # How we will know it is working: business outcomes, one line each.
    outcome_measures = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priority = models.PositiveIntegerField(
        default=1, help_text="Rank among the active ones; 1 first."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "statement"]
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_end__gt=models.F("horizon_start")),
                name="strategic_objective_horizon_order",
                violation_error_message="The horizon must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "achieved", "retired"]),
                name="strategic_objective_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1), name="strategic_objective_priority_min"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "priority"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.statement


@tracked()
class Initiative(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="initiatives"
    )
    strategic_objective = models.ForeignKey(
        StrategicObjective, on_delete=models.RESTRICT, related_name="initiatives"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="initiatives")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="initiative_dates_order",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "active", "completed", "cancelled"]),
                name="initiative_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "strategic_objective"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.title


# Work in flight first, then ready, intentions, and the closed ones last (the work list's order).
WORK_STATUS_ORDER = ("in_progress", "ready", "intention", "done", "stopped")


@tracked()
class WorkPackage(models.Model):
    """A tactic: an owner, a near-term timeline, defined outputs and a success check.

    Without an owner, a due date or a success check it is still an *intention*.
    """

    class Status(models.TextChoices):
        INTENTION = "intention", "Intention"
        READY = "ready", "Ready"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        STOPPED = "stopped", "Stopped"

    class Category(models.TextChoices):
        STRATEGIC = "strategic", "Strategic"
        TACTICAL = "tactical", "Tactical"
        OPERATIONAL = "operational", "Operational"
        EXPERIMENTAL = "experimental", "Experimental"
        TECHNICAL_DEBT = "technical_debt", "Technical debt"
        STAKEHOLDER_REQUEST = "stakeholder_request", "Stakeholder request"
        OPTIMIZATION = "optimization", "Optimization"

    class OutputKind(models.TextChoices):
        ASSET = "asset", "Asset"
        EXPERIMENT = "experiment", "Experiment"
        RELEASE = "release", "Release"
        DECISION = "decision", "Decision"
        OTHER = "other", "Other"

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue"
        REVISE = "revise", "Revise"
        STOP = "stop", "Stop"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="work_packages"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.RESTRICT, related_name="work_packages"
    )
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, related_name="work_packages")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_work_packages",
    )
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    output_kind = models.CharField(max_length=12, choices=OutputKind.choices, blank=True)
    outputs = models.TextField(blank=True, help_text="What this work will produce.")
    success_criterion = models.CharField(max_length=300, blank=True)
    success_review_date = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.STRATEGIC)
    estimate = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Points.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INTENTION)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True)
    source = models.CharField(max_length=50, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    READINESS_FIELDS = ("owner", "due_date", "success_criterion", "success_review_date")

    class Meta:
        ordering = ["due_date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "external_id"],
                condition=~Q(external_id=""),
                name="work_package_external_id_unique",
                violation_error_message="Another work package already has this source and external id.",
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(due_date__gte=models.F("start_date")),
                name="work_package_dates_order",
                violation_error_message="The due date cannot be before the start date.",
            ),
            # The readiness rule, held by the database too: only intentions (and stopped work)
            # may lack an owner, a due date or a success check.
            models.CheckConstraint(
                condition=Q(status__in=["intention", "stopped"])
                | (
                    Q(owner__isnull=False)
                    & Q(due_date__isnull=False)
                    & ~Q(success_criterion="")
                    & Q(success_review_date__isnull=False)
                ),
                name="work_package_ready_has_owner_due_and_check",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | ~Q(decision_reason=""),
                name="work_package_decision_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["intention", "ready", "in_progress", "done", "stopped"]),
                name="work_package_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    category__in=[
                        "strategic",
                        "tactical",
                        "operational",
                        "experimental",
                        "technical_debt",
                        "stakeholder_request",
                        "optimization",
                    ]
                ),
                name="work_package_category_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "team", "status"]),
            models.Index(fields=["organization", "owner", "status"]),
            models.Index(fields=["organization", "initiative"]),
            models.Index(fields=["organization", "updated_at"]),
            models.Index(fields=["organization", "due_date"]),
            # The API's cursor order (CursorPage: created_at, id): a page is an index range.
            models.Index(fields=["organization", "created_at", "id"]),
            models.Index(fields=["organization", "source", "external_id"]),
            # The work list's order (planning.selectors.work_package_list): a page is an index
            # range, not a sort of the whole organization's work.
            models.Index(
                F("organization"),
                Case(
                    *(When(status=s, then=Value(i)) for i, s in enumerate(WORK_STATUS_ORDER)),
                    output_field=models.IntegerField(),
                ),
                F("due_date").asc(nulls_last=True),
                F("title"),
                F("id"),
                name="planning_wp_list_order_idx",
            ),
            # The alignment dashboard's lists (planning.dashboards.alignment): the largest
            # unlinked work, the oldest intentions, the longest overdue success checks.
            models.Index(
                F("organization"),
                F("estimate").desc(nulls_last=True),
                name="planning_wp_unlinked_idx",
                condition=Q(initiative__isnull=True, started_at__isnull=False),
            ),
            models.Index(
                fields=["organization", "created_at", "id"],
                name="planning_wp_intention_idx",
                condition=Q(status="intention"),
            ),
            models.Index(
                fields=["organization", "success_review_date", "id"],
                name="planning_wp_review_due_idx",
                condition=Q(status__in=["ready", "in_progress", "done"]),
            ),
            # The attention list and the review agenda (reviews.selectors): overdue committed
            # work and success checks due without a decision, counted org-wide as index-only
            # scans of these partial indexes, and their first rows read in order.
            models.Index(
                fields=["organization", "due_date"],
                name="planning_wp_overdue_idx",
                condition=Q(status__in=["ready", "in_progress"]),
            ),
            models.Index(
                fields=["organization", "success_review_date"],
                name="planning_wp_check_due_idx",
                condition=Q(status__in=["ready", "in_progress", "done"], decision=""),
            ),
            # The same for one team (a team lead's attention list), in date order: the
            # organization-wide index read thousands of other teams' rows to find a dozen.
            models.Index(
                fields=["organization", "team", "success_review_date"],
                name="planning_wp_team_check_due_idx",
                condition=Q(status__in=["ready", "in_progress", "done"], decision=""),
            ),
            # The delivery dashboard: work done, and decisions taken, in a period.
            models.Index(
                fields=["organization", "finished_at"],
                name="planning_wp_done_idx",
                condition=Q(status="done"),
            ),
            models.Index(
                fields=["organization", "decided_at"],
                name="planning_wp_decided_idx",
                condition=Q(decided_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def readiness(self) -> list[tuple[str, str, bool]]:
        """The checklist that turns an intention into a tactic: (key, label, done)."""
        return [
            ("owner", "Owner", self.owner_id is not None),
            ("due_date", "Due date", self.due_date is not None),
            (
                "success_check",
                "Success check (criterion and review date)",
                bool(self.success_criterion) and self.success_review_date is not None,
            ),
        ]

    @property
    def missing_for_readiness(self) -> list[str]:
        return [label for _, label, done in self.readiness if not done]

    @property
    def is_ready(self) -> bool:
        return not self.missing_for_readiness

    @property
    def is_linked(self) -> bool:
        return self.initiative_id is not None

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.STOPPED)


class EffortWeek(models.Model):
    """The alignment dashboard's read model: per team and week, the work that started in progress
    that week and the work that stopped being in progress (it finished the week before).

    ``week`` is a Monday in the organization's time zone. Work started in week S and finished in
    week F is in progress in the weeks S…F: it adds itself to ``started*`` of week S and to
    ``ended*`` of week F + 1 (work finished before it started counts as finished when it
    started). Work in progress at some point in a period of weeks [A, B) is then what started
    before B minus what ended by A; in a week W, what started by W minus what ended by W.

    Written only by database triggers, installed by migration 0004 (plain SQL there, not
    django-pgtrigger, so that ``pgtrigger.ignore()``, which seed_scale uses to skip the audit
    triggers, cannot leave it stale): statement triggers on planning_workpackage, so every door
    (the services, bulk upserts, QuerySet.update, raw SQL, seeds) keeps it current in the same
    transaction, and one on core_organization's time zone, which rebuilds the organization's rows
    (``planning_effort_rebuild(organization_id)``). Never written by Python.
    """

    id = models.BigAutoField(primary_key=True)
    # No index of their own: the unique (organization, team, week) serves every read, and each
    # index more is written on every change the triggers make (the table is updated in place,
    # HOT, thanks to its fillfactor: migration 0004).
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False)
    week = models.DateField()
    started = models.IntegerField(default=0)
    started_linked = models.IntegerField(default=0)
    started_points = models.IntegerField(default=0)
    started_linked_points = models.IntegerField(default=0)
    started_unestimated = models.IntegerField(default=0)
    ended = models.IntegerField(default=0)
    ended_linked = models.IntegerField(default=0)
    ended_points = models.IntegerField(default=0)
    ended_linked_points = models.IntegerField(default=0)
    ended_unestimated = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "team", "week"], name="effort_week_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.week}"
