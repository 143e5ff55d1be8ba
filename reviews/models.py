"""Cadence: review meetings on a schedule, what they decide and learn, and the reminders around them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import Membership, Organization, Team
from okrs.models import KeyResult
from planning.models import Initiative, StrategicObjective, WorkPackage
from reviews import schedule


class Cadence(models.Model):
    """A recurring review of an organization or one team, in the organization's time zone."""

    class Kind(models.TextChoices):
        WEEKLY_DELIVERY = "weekly_delivery", "Weekly delivery review"
        MONTHLY_PERFORMANCE = "monthly_performance", "Monthly performance review"
        QUARTERLY_STRATEGY = "quarterly_strategy", "Quarterly strategy review"
        CUSTOM = "custom", "Custom review"

    class Frequency(models.TextChoices):
        WEEKLY = schedule.WEEKLY, "Weekly"
        BIWEEKLY = schedule.BIWEEKLY, "Every two weeks"
        MONTHLY = schedule.MONTHLY, "Monthly"
        QUARTERLY = schedule.QUARTERLY, "Quarterly"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    class WeekOfMonth(models.IntegerChoices):
        FIRST = 1, "First"
        SECOND = 2, "Second"
        THIRD = 3, "Third"
        FOURTH = 4, "Fourth"
        LAST = schedule.LAST, "Last"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="cadences"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="cadences",
        help_text="Empty for a review of the whole organization.",
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WEEKLY_DELIVERY)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    week_of_month = models.SmallIntegerField(choices=WeekOfMonth.choices, null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    month_of_quarter = models.PositiveSmallIntegerField(default=1)
    time_of_day = models.TimeField(help_text="Wall-clock time in the organization's time zone.")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reminder_lead_hours = models.PositiveIntegerField(default=24)
    location = models.CharField(max_length=200, blank=True, help_text="A room or a video link.")
    participants = models.ManyToManyField(Membership, blank=True, related_name="cadences")
    archived_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "weekly_delivery",
                        "monthly_performance",
                        "quarterly_strategy",
                        "custom",
                    ]
                ),
                name="review_cadence_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=list(schedule.FREQUENCIES)),
                name="review_cadence_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__gte=0, weekday__lte=6),
                name="review_cadence_weekday_range",
            ),
            models.CheckConstraint(
                condition=Q(day_of_month__isnull=True)
                | Q(day_of_month__gte=1, day_of_month__lte=31),
                name="review_cadence_day_of_month_range",
            ),
            models.CheckConstraint(
                condition=Q(month_of_quarter__gte=1, month_of_quarter__lte=3),
                name="review_cadence_month_of_quarter_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="review_cadence_dates_order",
                violation_error_message="The last date cannot be before the first.",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="review_cadence_duration_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "archived_at", "name"]),
            models.Index(fields=["organization", "team"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_strategic(self) -> bool:
        return self.kind == self.Kind.QUARTERLY_STRATEGY

    def as_schedule(self, timezone_name: str | None = None) -> schedule.Schedule:
        return schedule.Schedule(
            frequency=self.frequency,
            time_of_day=self.time_of_day,
            starts_on=self.starts_on,
            timezone=timezone_name or self.organization.timezone,
            weekday=self.weekday,
            week_of_month=self.week_of_month,
            day_of_month=self.day_of_month,
            month_of_quarter=self.month_of_quarter,
            ends_on=self.ends_on,
            duration_minutes=self.duration_minutes,
        )

    @property
    def schedule_text(self) -> str:
        return schedule.describe(self.as_schedule())


class ReviewSession(models.Model):
    """One meeting of a cadence. Its agenda is live until it is held, then kept as it was."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="review_sessions"
    )
    cadence = models.ForeignKey(Cadence, on_delete=models.RESTRICT, related_name="sessions")
    scheduled_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    notes = models.TextField(blank=True)
    # The agenda as it stood when the session was closed (None while it is live).
    agenda_snapshot = models.JSONField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadence", "scheduled_at"], name="review_session_one_per_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "held", "cancelled"]),
                name="review_session_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "scheduled_at"]),
            models.Index(fields=["cadence", "scheduled_at"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.cadence} on {self.scheduled_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SCHEDULED


class Decision(models.Model):
    """What a review decided, on which subject, who carries it out, and why."""

    class Subject(models.TextChoices):
        WORK_PACKAGE = "work_package", "Work package"
        INITIATIVE = "initiative", "Initiative"
        STRATEGIC_OBJECTIVE = "strategic_objective", "Strategic objective"
        CAPACITY = "capacity", "Team capacity"

    class Verdict(models.TextChoices):
        CONTINUE = "continue", "Continue"
        REVISE = "revise", "Revise"
        STOP = "stop", "Stop"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="review_decisions"
    )
    session = models.ForeignKey(ReviewSession, on_delete=models.RESTRICT, related_name="decisions")
    subject = models.CharField(max_length=20, choices=Subject.choices)
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True)
    # The subject. A decision outlives it: deleting the work (say) keeps the record, by its title.
    work_package = models.ForeignKey(
        WorkPackage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_decisions",
    )
    initiative = models.ForeignKey(
        Initiative,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_decisions",
    )
    strategic_objective = models.ForeignKey(
        StrategicObjective,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_decisions",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_decisions"
    )
    subject_title = models.CharField(max_length=300, help_text="The subject's name when decided.")
    summary = models.CharField(max_length=300, blank=True, help_text="What changes.")
    reason = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions"
    )
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="review_decision_has_reason",
                violation_error_message="Give the reason for the decision.",
            ),
            # Continue, revise or stop is said of work; the other subjects are adjusted.
            models.CheckConstraint(
                condition=Q(subject="work_package", verdict__in=["continue", "revise", "stop"])
                | Q(subject__in=["initiative", "strategic_objective", "capacity"], verdict=""),
                name="review_decision_verdict_matches_subject",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "done"]), name="review_decision_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "created_at"]),
            models.Index(fields=["organization", "owner", "status"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()}: {self.title}"

    @property
    def target_id(self):
        return {
            self.Subject.WORK_PACKAGE: self.work_package_id,
            self.Subject.INITIATIVE: self.initiative_id,
            self.Subject.STRATEGIC_OBJECTIVE: self.strategic_objective_id,
            self.Subject.CAPACITY: self.team_id,
        }.get(self.subject)  # type: ignore[call-overload]

    @property
    def title(self) -> str:
        """What was decided, in a line: the summary, else the subject (beside its verdict)."""
        return self.summary or self.subject_title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Learning(models.Model):
    """Evidence from tactics, tied to where it came from and to the strategic choice it informs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="review_learnings"
    )
    session = models.ForeignKey(
        ReviewSession, null=True, blank=True, on_delete=models.RESTRICT, related_name="learnings"
    )
    # Required by the services; kept nullable so deleting a draft objective keeps its learnings.
    strategic_objective = models.ForeignKey(
        StrategicObjective, null=True, on_delete=models.SET_NULL, related_name="learnings"
    )
    statement = models.CharField(max_length=300, help_text="What we learned, in one sentence.")
    evidence = models.TextField(blank=True, help_text="What showed it: numbers, tests, feedback.")
    work_packages = models.ManyToManyField(WorkPackage, blank=True, related_name="learnings")
    key_results = models.ManyToManyField(KeyResult, blank=True, related_name="learnings")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "strategic_objective", "created_at"]),
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["organization", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.statement


# --- notifications and reminders -----------------------------------------------------------


class NotificationKind(models.TextChoices):
    REVIEW_UPCOMING = "review_upcoming", "Review coming up"
    CHECK_IN_DUE = "check_in_due", "Key result check-in due"
    WORK_PACKAGE_OVERDUE = "work_package_overdue", "Work package overdue"
    SUCCESS_CHECK_DUE = "success_check_due", "Success check due"
    INTENTION_NOT_READY = "intention_not_ready", "Intention still not ready"
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "E-mail"


class SentReminder(models.Model):
    """The claim on one reminder: (kind, target, recipient, period) is unique, and the row is
    inserted before anything is sent, so a reminder goes out at most once however often the
    sweep that finds it runs. It also carries what the reminder says."""

    class EmailState(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"  # claimed by a worker; never sent again from here
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed after retries"
        SKIPPED = "skipped", "Not wanted by e-mail"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by (organization, created_at) below: no index of its own.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    target_id = models.UUIDField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    email_state = models.CharField(
        max_length=8, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target_id", "recipient", "period"], name="sent_reminder_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"]),
            models.Index(
                fields=["email_state", "created_at"],
                name="sent_reminder_unsent",
                condition=Q(email_state__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_id} → {self.recipient_id} ({self.period})"


class Notification(models.Model):
    """One in-app message behind the bell."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    # Indexed by (recipient, organization, -created_at) below: no index of its own.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "organization", "-created_at"]),
            models.Index(
                fields=["recipient", "organization"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationOptOut(models.Model):
    """A person does not want one kind of notification on one channel (everything is on by default)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "kind", "channel"],
                name="notification_opt_out_unique",
            ),
        ]
        indexes = [models.Index(fields=["kind", "channel"])]

    def __str__(self) -> str:
        return f"{self.user_id} without {self.kind} by {self.channel}"


class CalendarFeed(models.Model):
    """The secret behind one person's private calendar address in one organization.

    The address carries an HMAC of this nonce (keyed with SECRET_KEY), never the nonce itself:
    the database alone does not give the address away. Resetting draws a new nonce.
    """

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, primary_key=True, related_name="calendar_feed"
    )
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.membership_id}"
