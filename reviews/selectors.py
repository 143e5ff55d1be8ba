"""Every read of the cadence, scoped to the caller's organization (the sweeps read across all).

An agenda is built from live data in a constant number of queries (one per section, each
capped at rules.AGENDA_ROWS rows with the section's full count from a subquery), and
the reminder sweeps find what is due across every organization in a few queries, whatever the
number of people or work packages.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone

from core.models import Membership, Organization, Role, Team
from planning.models import StrategicObjective, WorkPackage
from reviews import rules, schedule
from reviews.models import (
    Cadence,
    CalendarFeed,
    Decision,
    Learning,
    Notification,
    NotificationKind,
    NotificationOptOut,
    ReviewSession,
    SentReminder,
)

Status = WorkPackage.Status
OPEN_WORK = (Status.INTENTION, Status.READY, Status.IN_PROGRESS)
COMMITTED_WORK = (Status.READY, Status.IN_PROGRESS)
# The shortest time between reviews of each frequency, as a check-in period in days.
# The period of an intention's reminder: it is sent once, a week after the intention was written.
INTENTION_PERIOD = f"after-{rules.INTENTION_STALE_AFTER.days}d"
PERIOD_DAYS = {
    schedule.WEEKLY: 7,
    schedule.BIWEEKLY: 14,
    schedule.MONTHLY: 30,
    schedule.QUARTERLY: 91,
}


def _active_member(user_ref: str = "owner_id", org_ref: str = "organization_id") -> Exists:
    """The person is still an active member of the row's organization."""
    return Exists(
        Membership.objects.filter(
            user_id=OuterRef(user_ref),
            organization_id=OuterRef(org_ref),
            is_active=True,
            user__is_active=True,
        )
    )


# --- cadences and sessions (pages) ---------------------------------------------------------


def cadence_list(*, membership: Membership, include_archived: bool = False) -> QuerySet[Cadence]:
    cadences = (
        Cadence.objects.filter(organization_id=membership.organization_id)
        .select_related("team", "organization")
        .annotate(participant_count=Count("participants", distinct=True))
    )
    if not include_archived:
        cadences = cadences.filter(archived_at__isnull=True)
    return cadences.order_by("archived_at", "team__name", "name")


def cadence_get(*, membership: Membership, cadence_id) -> Cadence:
    return (
        Cadence.objects.select_related("team", "organization")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Membership.objects.select_related("user").order_by(
                    "user__full_name", "user__email"
                ),
            )
        )
        .get(organization_id=membership.organization_id, pk=cadence_id)
    )


def _count_per_session(model) -> Coalesce:
    """How many rows of ``model`` a session has, as a correlated subquery: computed for the
    sessions shown only, where joining both children and grouping counted them for every
    session of the organization before the LIMIT."""
    rows = (
        model.objects.filter(session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _sessions(membership: Membership) -> QuerySet[ReviewSession]:
    return (
        ReviewSession.objects.filter(organization_id=membership.organization_id)
        .select_related("cadence", "cadence__team", "cadence__organization")
        .annotate(
            decision_count=_count_per_session(Decision),
            learning_count=_count_per_session(Learning),
        )
    )


def session_get(*, membership: Membership, session_id) -> ReviewSession:
    return (
        ReviewSession.objects.select_related(
            "cadence", "cadence__team", "cadence__organization", "closed_by"
        )
        .prefetch_related(Prefetch("cadence__participants", queryset=Membership.objects.all()))
        .get(organization_id=membership.organization_id, pk=session_id)
    )


def upcoming_sessions(
    *,
    membership: Membership,
    now: datetime | None = None,
    cadence: Cadence | None = None,
    until: datetime | None = None,
    team: Team | None = None,
) -> list[ReviewSession]:
    """Sessions still to be held: the next of each cadence, and any not closed since yesterday
    (``until``: scheduled no later than that; ``team``: that team's and the organization-wide
    ones). At most 50, the soonest first."""
    now = now or timezone.now()
    sessions = _sessions(membership).filter(
        status=ReviewSession.Status.SCHEDULED,
        scheduled_at__gte=now - timedelta(days=1),
        cadence__archived_at__isnull=True,
    )
    if cadence is not None:
        sessions = sessions.filter(cadence=cadence)
    if until is not None:
        sessions = sessions.filter(scheduled_at__lte=until)
    if team is not None:
        sessions = sessions.filter(Q(cadence__team=team) | Q(cadence__team__isnull=True))
    return list(
        sessions.annotate(
            is_mine=Exists(
                Cadence.participants.through.objects.filter(
                    cadence_id=OuterRef("cadence_id"), membership_id=membership.pk
                )
            )
        ).order_by("scheduled_at")[:50]
    )


def recent_sessions(
    *, membership: Membership, cadence: Cadence | None = None, limit: int = 10
) -> list[ReviewSession]:
    sessions = _sessions(membership).filter(status=ReviewSession.Status.HELD)
    if cadence is not None:
        sessions = sessions.filter(cadence=cadence)
    return list(sessions.order_by("-scheduled_at")[:limit])


def next_dates(cadence: Cadence, *, now: datetime | None = None, count: int = 4) -> list[datetime]:
    """The next review dates of a cadence, from its schedule (no query)."""
    if cadence.archived_at is not None:
        return []
    return schedule.occurrences(cadence.as_schedule(), after=now or timezone.now(), limit=count)


def previous_session(session: ReviewSession) -> ReviewSession | None:
    return (
        ReviewSession.objects.filter(
            cadence_id=session.cadence_id,
            scheduled_at__lt=session.scheduled_at,
            status=ReviewSession.Status.HELD,
        )
        .order_by("-scheduled_at")
        .first()
    )


# --- decisions and learnings (pages) -------------------------------------------------------


def _decisions() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "owner",
        "session",
        "session__cadence",
        "work_package",
        "initiative",
        "strategic_objective",
        "team",
    )


def decision_list(
    *, membership: Membership, status: str | None = None, owner=None, session=None
) -> QuerySet[Decision]:
    decisions = _decisions().filter(organization_id=membership.organization_id)
    if status:
        decisions = decisions.filter(status=status)
    if owner is not None:
        decisions = decisions.filter(owner=owner)
    if session is not None:
        decisions = decisions.filter(session=session)
    # Open first, newest first. "open" sorts after "done", so descending status is open first:
    # the index on (organization, status, created_at) read backwards gives the first page
    # without sorting every decision (a CASE expression could not use it). A third status
    # must keep this order (reviews/tests/test_selectors.py checks it).
    return decisions.order_by("-status", "-created_at")


def decision_get(*, membership: Membership, decision_id) -> Decision:
    return _decisions().get(organization_id=membership.organization_id, pk=decision_id)


def decisions_for_work_package(*, membership: Membership, work_package) -> list[Decision]:
    return list(
        _decisions()
        .filter(organization_id=membership.organization_id, work_package=work_package)
        .order_by("-created_at")[:10]
    )


def _learnings() -> QuerySet[Learning]:
    return Learning.objects.select_related(
        "strategic_objective", "session", "session__cadence", "recorded_by"
    ).prefetch_related(
        Prefetch(
            "work_packages", queryset=WorkPackage.objects.only("id", "title").order_by("title")
        ),
        "key_results",
    )


def learning_list(
    *, membership: Membership, strategic_objective=None, session=None, since=None
) -> QuerySet[Learning]:
    learnings = _learnings().filter(organization_id=membership.organization_id)
    if strategic_objective is not None:
        learnings = learnings.filter(strategic_objective=strategic_objective)
    if session is not None:
        learnings = learnings.filter(session=session)
    if since is not None:
        learnings = learnings.filter(created_at__gte=since)
    return learnings.order_by("-created_at")


def learnings_for_objective(
    *, membership: Membership, objective, limit: int = 5
) -> tuple[list[Learning], int]:
    """The latest learnings that inform a strategic objective, and how many there are (2 queries)."""
    rows: list[Any] = list(
        learning_list(membership=membership, strategic_objective=objective).annotate(
            total=Window(Count("pk"))
        )[:limit]
    )
    return rows, (rows[0].total if rows else 0)


def strategic_objective_choices(*, membership: Membership) -> QuerySet[StrategicObjective]:
    return StrategicObjective.objects.filter(
        organization_id=membership.organization_id,
        status__in=[StrategicObjective.Status.ACTIVE, StrategicObjective.Status.DRAFT],
    ).order_by("priority", "statement")


def work_package_choices(*, membership: Membership, ids: Iterable) -> QuerySet[WorkPackage]:
    return WorkPackage.objects.filter(
        organization_id=membership.organization_id, pk__in=list(ids)
    ).order_by("title")


def key_result_choices(*, membership: Membership, team: Team | None):
    """Key results a learning of a review of ``team`` (None: organization-wide) can bear on, in
    the active cycles (okrs' selector decides which)."""
    from okrs import selectors as okr_selectors

    return okr_selectors.key_results_for_review(membership=membership, team=team)


def default_participants(*, organization: Organization, team: Team | None) -> QuerySet[Membership]:
    """Whom a new review invites by default: the team's members, or the leaders and team leads."""
    members = Membership.objects.filter(organization=organization, is_active=True)
    if team is not None:
        return members.filter(teams=team)
    return members.filter(role__in=[Role.ADMIN, Role.LEADER, Role.TEAM_LEAD])


def participant_choices(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


# --- notifications -------------------------------------------------------------------------


def unread_count(*, membership: Membership) -> int:
    return Notification.objects.filter(
        recipient_id=membership.user_id,
        organization_id=membership.organization_id,
        read_at__isnull=True,
    ).count()


def notification_list(*, membership: Membership) -> QuerySet[Notification]:
    return Notification.objects.filter(
        recipient_id=membership.user_id, organization_id=membership.organization_id
    ).order_by("-created_at")


def opted_out(*, membership: Membership) -> set[tuple[str, str]]:
    return set(
        NotificationOptOut.objects.filter(
            organization_id=membership.organization_id, user_id=membership.user_id
        ).values_list("kind", "channel")
    )


def calendar_nonce(*, membership: Membership) -> str:
    """The nonce of a person's calendar address ("" until they first reset it)."""
    return (
        CalendarFeed.objects.filter(membership=membership).values_list("nonce", flat=True).first()
        or ""
    )


def calendar_membership(*, membership_id) -> Membership | None:
    """The active membership a calendar address belongs to (the token is checked by the view)."""
    return (
        Membership.objects.select_related("organization", "user", "calendar_feed")
        .filter(pk=membership_id, is_active=True, user__is_active=True)
        .first()
    )


def calendar_cadences(*, membership: Membership, cadence_id=None) -> list[Cadence]:
    """The active cadences a person takes part in, with their sessions from the last 90 days on."""
    cadences = Cadence.objects.filter(
        organization_id=membership.organization_id,
        archived_at__isnull=True,
        participants=membership,
    ).select_related("organization", "team")
    if cadence_id is not None:
        cadences = cadences.filter(pk=cadence_id)
    since = timezone.now() - timedelta(days=90)
    return list(
        cadences.prefetch_related(
            Prefetch(
                "sessions",
                queryset=ReviewSession.objects.filter(scheduled_at__gte=since).order_by(
                    "scheduled_at"
                ),
            )
        ).order_by("name")
    )


def calendar_events(
    *, membership: Membership, cadence_id=None, now: datetime, base_url: str, days_ahead: int = 190
):
    """The review meetings of a person's calendar feed: the sessions of the last 90 days and
    the scheduled ones, and the schedule's dates up to ``days_ahead`` (two queries)."""
    from reviews.ical import Event

    events = []
    for cadence in calendar_cadences(membership=membership, cadence_id=cadence_id):
        plan = cadence.as_schedule()
        length = timedelta(minutes=cadence.duration_minutes)
        sessions = {s.scheduled_at: s for s in cadence.sessions.all()}
        dates = set(sessions) | set(
            schedule.occurrences(
                plan, after=now - timedelta(days=1), until=now + timedelta(days=days_ahead)
            )
        )
        who = cadence.team.name if cadence.team is not None else cadence.organization.name
        for at in sorted(dates):
            session = sessions.get(at)
            url = (
                base_url + reverse("reviews:session_detail", args=[session.pk])
                if session is not None
                else base_url + reverse("reviews:cadence_detail", args=[cadence.pk])
            )
            events.append(
                Event(
                    uid=f"{cadence.pk}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}@throughline",
                    start=at,
                    end=at + length,
                    summary=f"{cadence.name} ({who})",
                    description=f"{cadence.get_kind_display()}: {cadence.schedule_text}. "
                    f"The agenda is built from live data: {url}",
                    location=cadence.location,
                    url=url,
                    cancelled=session is not None
                    and session.status == ReviewSession.Status.CANCELLED,
                )
            )
    return events


# --- the agenda ----------------------------------------------------------------------------


@dataclass
class AgendaItem:
    kind: str  # work_package, key_result, decision, learning, strategic_objective, team
    id: str
    title: str
    url: str = ""
    owner: str = ""
    team: str = ""
    when: str = ""  # ISO date, shown as a date
    note: str = ""
    tone: str = ""  # bad, warn, ok: how alarming it is (always shown with a word too)
    flag: str = ""  # the word for the tone
    decidable: bool = False  # a work package that can take a continue/revise/stop decision
    progress: float | None = None
    lines: list[str] = field(default_factory=list)  # trade-offs, linked work, …


@dataclass
class AgendaSection:
    key: str
    title: str
    why: str
    items: list[AgendaItem]
    total: int
    empty: str

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass
class Agenda:
    layer: str  # tactical or strategic
    sections: list[AgendaSection]
    built_at: datetime
    as_of: date
    live: bool = True

    def to_snapshot(self) -> dict:
        data = asdict(self)
        data["built_at"] = self.built_at.isoformat()
        data["as_of"] = self.as_of.isoformat()
        data["live"] = False
        return data

    @classmethod
    def from_snapshot(cls, data: dict) -> Agenda:
        return cls(
            layer=data["layer"],
            sections=[
                AgendaSection(
                    **{
                        **s,
                        "items": [AgendaItem(**i) for i in s["items"]],
                    }
                )
                for s in data["sections"]
            ],
            built_at=datetime.fromisoformat(data["built_at"]),
            as_of=date.fromisoformat(data["as_of"]),
            live=False,
        )

    @property
    def work_package_ids(self) -> list[str]:
        return sorted({i.id for s in self.sections for i in s.items if i.kind == "work_package"})

    def section(self, key: str) -> AgendaSection | None:
        return next((s for s in self.sections if s.key == key), None)


@dataclass
class AgendaContext:
    membership: Membership
    session: ReviewSession
    cadence: Cadence
    as_of: date  # the day due dates are judged on
    now: datetime
    today: date  # the organization's today: health and capacity are judged now
    previous: ReviewSession | None

    def work(self) -> QuerySet[WorkPackage]:
        packages = WorkPackage.objects.filter(organization_id=self.membership.organization_id)
        if self.cadence.team_id is not None:
            packages = packages.filter(team_id=self.cadence.team_id)
        # Only what an agenda item shows (_wp_item): the sections read a dozen rows each, and
        # whole rows of three tables cost more to build than to read.
        return packages.select_related("owner", "team").only(*WORK_ITEM_FIELDS)


WORK_ITEM_FIELDS = (
    "title",
    "status",
    "category",
    "due_date",
    "success_criterion",
    "success_review_date",
    "created_at",
    "owner_id",
    "team_id",
    "owner__full_name",
    "owner__email",
    "team__name",
)


class _Total(Subquery):
    """How many rows a queryset has, as a column: ``(SELECT COUNT(*) FROM (…))``. Not
    correlated, so PostgreSQL counts once (an InitPlan) over the narrow rows alone."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS _rows)"
    output_field = IntegerField()


def _capped(queryset: QuerySet) -> tuple[list, int]:
    """The first rules.AGENDA_ROWS rows and how many there are, in one query.

    The count is a separate uncorrelated subquery rather than ``COUNT(*) OVER ()``: a window
    over the whole result makes PostgreSQL join and sort every matching row (tens of thousands
    at scale) before the LIMIT; this way the count reads only the filter's columns and the
    first rows come from a top-N sort joined afterwards."""
    total = _Total(queryset.order_by().values("pk"))
    # The first rows are chosen on the section's own table alone (a narrow top-N sort, or an
    # index in order), and only they are joined to their owner, team and initiative.
    first = queryset.values("pk")[: rules.AGENDA_ROWS]
    rows = list(queryset.filter(pk__in=first).annotate(section_total=total))
    if rows:
        return rows, rows[0].section_total
    return rows, 0


def _wp_item(wp: WorkPackage, *, when: date | None, note: str, tone: str, flag: str) -> AgendaItem:
    return AgendaItem(
        kind="work_package",
        id=str(wp.pk),
        title=wp.title,
        url=reverse("planning:work_detail", args=[wp.pk]),
        owner=wp.owner.display_name if wp.owner is not None else "",
        team=wp.team.name,
        when=when.isoformat() if when else "",
        note=note,
        tone=tone,
        flag=flag,
        decidable=wp.status not in (Status.INTENTION, Status.STOPPED),
    )


def _section_overdue(ctx: AgendaContext) -> AgendaSection:
    rows, total = _capped(
        ctx.work()
        .filter(status__in=COMMITTED_WORK, due_date__lt=ctx.as_of)
        .order_by("due_date", "title")
    )
    items = [
        _wp_item(
            wp,
            when=wp.due_date,
            note=f"{(ctx.as_of - wp.due_date).days} days late · {wp.get_status_display().lower()}",
            tone="bad",
            flag="Overdue",
        )
        for wp in rows
    ]
    return AgendaSection(
        "overdue",
        "Overdue work",
        "Ready or in progress, and past its due date on the day of the review.",
        items,
        total,
        "Nothing is overdue.",
    )


def _section_checks_due(ctx: AgendaContext) -> AgendaSection:
    rows, total = _capped(
        ctx.work()
        .filter(
            status__in=(Status.READY, Status.IN_PROGRESS, Status.DONE),
            decision="",
            success_review_date__lte=ctx.as_of,
        )
        .order_by("success_review_date", "title")
    )
    items = [
        _wp_item(
            wp,
            when=wp.success_review_date,
            note=wp.success_criterion,
            tone="warn",
            flag="Check due",
        )
        for wp in rows
    ]
    return AgendaSection(
        "checks_due",
        "Success checks due",
        "Work whose success check has come: continue, revise or stop it, with the reason.",
        items,
        total,
        "No success check is due.",
    )


def _section_intentions(ctx: AgendaContext) -> AgendaSection:
    cutoff = ctx.now - rules.INTENTION_STALE_AFTER
    rows, total = _capped(
        ctx.work().filter(status=Status.INTENTION, created_at__lt=cutoff).order_by("created_at")
    )
    items = [
        _wp_item(
            wp,
            when=timezone.localtime(wp.created_at).date(),
            note="Missing: " + ", ".join(m.lower() for m in wp.missing_for_readiness)
            if wp.missing_for_readiness
            else "Complete: mark it ready",
            tone="warn",
            flag=f"{(ctx.now - wp.created_at).days} days old",
        )
        for wp in rows
    ]
    return AgendaSection(
        "intentions",
        "Intentions older than a week",
        "Work with no owner, due date or success check is not a tactic yet: complete it or drop it.",
        items,
        total,
        "No intention has been waiting for more than a week.",
    )


def _section_unlinked(ctx: AgendaContext) -> AgendaSection:
    rows, total = _capped(
        ctx.work()
        .filter(status__in=OPEN_WORK, initiative__isnull=True)
        .order_by(F("due_date").asc(nulls_last=True), "title")
    )
    items = [
        _wp_item(
            wp,
            when=wp.due_date,
            note=f"{wp.get_category_display()} · {wp.get_status_display().lower()}",
            tone="warn",
            flag="Not linked",
        )
        for wp in rows
    ]
    return AgendaSection(
        "unlinked",
        "Work not linked to strategy",
        "Open work that supports no initiative: link it, or make the trade-off explicit.",
        items,
        total,
        "All open work is linked to strategy.",
    )


def _section_open_decisions(ctx: AgendaContext) -> AgendaSection:
    # Only what an item shows: the whole rows of seven tables cost more to build than to read.
    rows, total = _capped(
        Decision.objects.select_related("owner", "session")
        .only(
            "summary",
            "subject_title",
            "verdict",
            "reason",
            "created_at",
            "owner__full_name",
            "owner__email",
            "session__scheduled_at",
        )
        .filter(
            session__cadence_id=ctx.cadence.pk,
            session__scheduled_at__lt=ctx.session.scheduled_at,
            status=Decision.Status.OPEN,
        )
        .order_by("created_at")
    )
    items = [
        AgendaItem(
            kind="decision",
            id=str(d.pk),
            title=f"{d.get_verdict_display()}: {d.title}" if d.verdict else d.title,
            url=reverse("reviews:decision_list") + f"?status=open#decision-{d.pk}",
            owner=d.owner.display_name,
            when=timezone.localtime(d.session.scheduled_at).date().isoformat(),
            note=d.reason,
            tone="warn",
            flag="Open",
        )
        for d in rows
    ]
    return AgendaSection(
        "open_decisions",
        "Open decisions from earlier reviews",
        "Decided before and not done yet: is it still the plan?",
        items,
        total,
        "Every earlier decision is done.",
    )


def _section_learnings(ctx: AgendaContext) -> AgendaSection:
    since = ctx.previous.scheduled_at if ctx.previous else ctx.now - timedelta(days=92)
    rows, total = _capped(
        _learnings()
        .filter(organization_id=ctx.membership.organization_id, created_at__gte=since)
        .order_by("-created_at")
    )
    items = [
        AgendaItem(
            kind="learning",
            id=str(learning.pk),
            title=learning.statement,
            url=reverse("planning:strategy_detail", args=[learning.strategic_objective_id])
            if learning.strategic_objective_id
            else "",
            when=timezone.localtime(learning.created_at).date().isoformat(),
            note=learning.evidence,
            tone="ok",
            flag="Informs: "
            + (learning.strategic_objective.statement if learning.strategic_objective else "—"),
            lines=[wp.title for wp in learning.work_packages.all()],
        )
        for learning in rows
    ]
    return AgendaSection(
        "learnings",
        "Learnings since the last strategy review",
        "What tactics taught us, by the strategic objective it informs.",
        items,
        total,
        "No learning recorded since the last review.",
    )


def _section_objectives(ctx: AgendaContext) -> AgendaSection:
    from planning import selectors as planning_selectors

    progress = _strategy_progress(ctx)
    # A few dozen active objectives at most, each with work counts aggregated over its
    # initiatives: read them once (a count or top-N subquery would aggregate them again).
    active: list[Any] = list(
        planning_selectors.strategic_objective_list(
            membership=ctx.membership, status=StrategicObjective.Status.ACTIVE
        )
    )
    rows, total = active[: rules.AGENDA_ROWS], len(active)
    items = []
    for objective in rows:
        work = planning_selectors.work_progress(objective)
        okr = progress.get(objective.pk)
        items.append(
            AgendaItem(
                kind="strategic_objective",
                id=str(objective.pk),
                title=objective.statement,
                url=reverse("planning:strategy_detail", args=[objective.pk]),
                owner=objective.owner.display_name if objective.owner_id else "",
                when=objective.horizon_end.isoformat(),
                note=f"{objective.initiative_count} initiatives · "
                f"{objective.wp_done}/{objective.wp_total} work packages done",
                progress=okr if okr is not None else work,
                flag="Key results" if okr is not None else "Work done",
                lines=[f"Not doing: {t}" for t in objective.trade_offs],
            )
        )
    return AgendaSection(
        "objectives",
        "Strategic objectives and their trade-offs",
        "Are these still the right choices, and are we keeping what we said we would not do?",
        items,
        total,
        "No active strategic objective.",
    )


def _strategy_progress(ctx: AgendaContext) -> dict:
    """Key-result progress per strategic objective in the current OKR cycle (from okrs: the
    mean of the objectives that serve it, directly or through their parent). Two queries, the
    objectives as plain rows (every objective of the cycle is read)."""
    from okrs import selectors as okr_selectors

    cycle = okr_selectors.cycle_current(membership=ctx.membership, today=ctx.today)
    if cycle is None:
        return {}
    serving: dict = defaultdict(list)
    objectives: Any = okr_selectors.objective_list(
        membership=ctx.membership, cycle=cycle, now=ctx.now
    )
    for own, parents, progress in objectives.values_list(
        "strategic_objective_id", "parent__strategic_objective_id", "progress"
    ):
        target = own or parents
        if target is not None and progress is not None:
            serving[target].append(progress)
    return {key: sum(values) / len(values) for key, values in serving.items()}


# An upcoming review's agenda judges due dates as of its day when it is this close.
AGENDA_LOOKAHEAD = timedelta(days=7)
TACTICAL = "tactical"
STRATEGIC = "strategic"
SECTIONS_BY_KIND: dict[str, tuple[str, list[str]]] = {
    Cadence.Kind.WEEKLY_DELIVERY: (
        TACTICAL,
        [
            "open_decisions",
            "overdue",
            "checks_due",
            "key_results",
            "intentions",
            "capacity",
            "unlinked",
        ],
    ),
    Cadence.Kind.MONTHLY_PERFORMANCE: (
        TACTICAL,
        [
            "open_decisions",
            "key_results",
            "capacity",
            "overdue",
            "checks_due",
            "unlinked",
            "intentions",
        ],
    ),
    Cadence.Kind.QUARTERLY_STRATEGY: (
        STRATEGIC,
        ["open_decisions", "objectives", "learnings", "key_results", "capacity", "unlinked"],
    ),
    Cadence.Kind.CUSTOM: (
        TACTICAL,
        [
            "open_decisions",
            "overdue",
            "checks_due",
            "key_results",
            "intentions",
            "capacity",
            "unlinked",
            "learnings",
        ],
    ),
}


def _builders() -> dict:
    return {
        "open_decisions": _section_open_decisions,
        "overdue": _section_overdue,
        "checks_due": _section_checks_due,
        "intentions": _section_intentions,
        "unlinked": _section_unlinked,
        "learnings": _section_learnings,
        "objectives": _section_objectives,
        "key_results": _section_key_results,
        "capacity": _section_capacity,
    }


def session_agenda(
    *, membership: Membership, session: ReviewSession, now: datetime | None = None
) -> Agenda:
    """A session's agenda: as it stood when it was held, or built now from live data.

    Live, due dates are judged as of the day of the meeting when it is at most a week away
    (what will be overdue when the team sits down is on its agenda), else as of today; the
    health of key results and the capacity split are always today's.
    """
    if session.agenda_snapshot:
        return Agenda.from_snapshot(session.agenda_snapshot)
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(session.cadence.organization.timezone)
    today, meeting_day = now.astimezone(tz).date(), session.scheduled_at.astimezone(tz).date()
    as_of = meeting_day if today <= meeting_day <= today + AGENDA_LOOKAHEAD else today
    ctx = AgendaContext(
        membership=membership,
        session=session,
        cadence=session.cadence,
        as_of=as_of,
        now=now,
        today=today,
        previous=previous_session(session),
    )
    layer, keys = SECTIONS_BY_KIND[session.cadence.kind]
    builders = _builders()
    sections = [s for key in keys if (s := builders[key](ctx)) is not None]
    return Agenda(layer=layer, sections=sections, built_at=now, as_of=as_of)


# Every key result of the organization's active cycles (of one team's objectives when
# %(team)s is given), with its latest check-in read once per key result by a LATERAL lookup
# on the check-in index (okrs' shared fragments), not by three correlated subqueries.
_ACTIVE_KEY_RESULTS_SQL = """
SELECT kr.id, kr.title, kr.objective_id, o.statement AS objective__statement,
    t.name AS objective__team__name, o.cycle_id AS objective__cycle_id,
    cy.status AS objective__cycle__status, cy.start_date AS objective__cycle__start_date,
    cy.end_date AS objective__cycle__end_date, u.full_name AS owner__full_name,
    u.email AS owner__email, {progress} AS progress, ci.confidence,
    (EXTRACT(EPOCH FROM ci.checked_in_at) * 1000000)::bigint AS last_check_in_at,
    (EXTRACT(EPOCH FROM kr.created_at) * 1000000)::bigint AS created_at
FROM okrs_keyresult kr
JOIN okrs_objective o ON o.id = kr.objective_id
JOIN okrs_cycle cy ON cy.id = o.cycle_id
LEFT JOIN core_team t ON t.id = o.team_id
LEFT JOIN core_user u ON u.id = kr.owner_id
{latest}
WHERE kr.organization_id = %(org)s AND cy.status = %(status)s {where}
ORDER BY kr.created_at, kr.id
"""


def _active_key_results(ctx: AgendaContext) -> list[dict]:
    from okrs import selectors as okr_selectors
    from okrs.models import Cycle

    params: dict[str, Any] = {
        "org": ctx.membership.organization_id,
        "status": Cycle.Status.ACTIVE,
    }
    where = ""
    if ctx.cadence.team_id is not None:
        params["team"] = ctx.cadence.team_id
        where = "AND o.team_id = %(team)s"
    sql = _ACTIVE_KEY_RESULTS_SQL.format(
        progress=okr_selectors.KEY_RESULT_PROGRESS_SQL,
        latest=okr_selectors.LATEST_CHECK_IN_SQL,
        where=where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    # The two instants come as microseconds since the epoch: the same values, exactly, without
    # parsing thousands of timestamps from text.
    for row in rows:
        last = row["last_check_in_at"]
        row["last_check_in_at"] = None if last is None else _EPOCH + timedelta(microseconds=last)
        row["created_at"] = _EPOCH + timedelta(microseconds=row["created_at"])
    return rows


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _section_key_results(ctx: AgendaContext) -> AgendaSection | None:
    """Key results of active cycles that are off track, at risk, or without a recent check-in
    (okrs' own health rule and staleness rule). One query, of plain rows: every key result of
    the active cycles is judged, so no model instances are built for them."""
    from okrs import rules as okr_rules
    from okrs import selectors as okr_selectors
    from okrs.models import Cycle

    rows = _active_key_results(ctx)
    expected_of: dict = {}
    flagged: list[tuple[int, dict, Any, bool, float]] = []
    for kr in rows:
        cycle_id = kr["objective__cycle_id"]
        if cycle_id not in expected_of:
            cycle = Cycle(
                pk=cycle_id,
                status=kr["objective__cycle__status"],
                start_date=kr["objective__cycle__start_date"],
                end_date=kr["objective__cycle__end_date"],
            )
            expected_of[cycle_id] = okr_selectors.cycle_expected(cycle, ctx.today)
        expected = expected_of[cycle_id]
        health = okr_rules.health(
            progress=kr["progress"], expected=expected, confidence=kr["confidence"]
        )
        stale = okr_rules.is_stale(
            last_check_in_at=kr["last_check_in_at"], created_at=kr["created_at"], now=ctx.now
        )
        if health not in (okr_rules.Health.AT_RISK, okr_rules.Health.OFF_TRACK) and not stale:
            continue
        rank = 0 if health == okr_rules.Health.OFF_TRACK else 1 if health else 2
        flagged.append((rank, kr, health, stale, expected))
    flagged.sort(key=lambda row: (row[0], row[1]["progress"] or 0))
    items = []
    for _, kr, health, stale, expected in flagged[: rules.AGENDA_ROWS]:
        last = kr["last_check_in_at"]
        checked = f"last check-in {(ctx.now - last).days} days ago" if last else "never checked in"
        confidence = f" · confidence {kr['confidence']}/10" if kr["confidence"] is not None else ""
        if health in (okr_rules.Health.AT_RISK, okr_rules.Health.OFF_TRACK):
            flag = okr_rules.Health(health).label + (" · stale" if stale else "")
        else:
            flag = "Stale check-in"
        items.append(
            AgendaItem(
                kind="key_result",
                id=str(kr["id"]),
                title=kr["title"],
                url=reverse("okrs:objective_detail", args=[kr["objective_id"]]),
                owner=kr["owner__full_name"] or kr["owner__email"] or "",
                team=kr["objective__team__name"] or "",
                note=f"{kr['objective__statement']} · expected {round(expected * 100)} % by now"
                f"{confidence} · {checked}",
                tone="bad" if health == okr_rules.Health.OFF_TRACK else "warn",
                flag=flag,
                progress=kr["progress"],
            )
        )
    return AgendaSection(
        "key_results",
        "Key results at risk or with stale check-ins",
        "Behind the line the cycle expects, low confidence, or no check-in for two weeks.",
        items,
        len(flagged),
        "Every key result is on track and checked in.",
    )


def _section_capacity(ctx: AgendaContext) -> AgendaSection | None:
    """Teams whose current sprint drifts from their target capacity split (from backlog: the
    split of each team's running sprint against its policy). Four queries."""
    from backlog import selectors as backlog_selectors

    drifting: list[tuple[float, Any, Any]] = []
    row: Any
    # A team's review reads that team's capacity alone, not every team's to keep one.
    team = ctx.cadence.team if ctx.cadence.team_id is not None else None
    for row in backlog_selectors.capacity_overview(
        membership=ctx.membership, today=ctx.today, team=team
    ):
        planned = sum(r.points for r in row.split)
        if row.sprint is None or not planned:
            continue
        gaps = [(abs(r.actual * 100 - r.target), r) for r in row.split if r.below or r.above]
        if not gaps:
            continue
        worst = max(gap for gap, _ in gaps)
        strategic = next((r for r in row.split if r.group == "strategic"), row.split[0])
        drifting.append((worst, row, strategic))
    drifting.sort(key=lambda d: -d[0])
    items = [
        AgendaItem(
            kind="team",
            id=str(row.team.pk),
            title=row.team.name,
            url=reverse("backlog:sprint_detail", args=[row.sprint.pk]),
            note=" · ".join(
                f"{r.label} {round(r.actual * 100)} % (target {r.target} %)" for r in row.split
            ),
            when=row.sprint.end_date.isoformat(),
            tone="bad" if worst >= 20 else "warn",
            flag=f"{round(worst)} points off the split",
            progress=strategic.actual,
        )
        for worst, row, strategic in drifting[: rules.AGENDA_ROWS]
    ]
    return AgendaSection(
        "capacity",
        "Capacity split drift",
        "Teams whose current sprint strays from their target split: is urgent work crowding "
        "strategy out?",
        items,
        len(drifting),
        "Every team's current sprint keeps its target split.",
    )


# --- reminders: what is due ----------------------------------------------------------------


@dataclass(frozen=True)
class OrgClock:
    timezone: str
    local_date: date
    local_hour: int
    weekday: int


def organization_clocks(*, now: datetime) -> dict[uuid.UUID, OrgClock]:
    """Each organization's date and hour right now, in its own time zone (one query)."""
    clocks = {}
    by_zone: dict[str, datetime] = {}
    for org_id, tz in Organization.objects.order_by().values_list("id", "timezone"):
        if tz not in by_zone:
            try:
                by_zone[tz] = now.astimezone(zoneinfo.ZoneInfo(tz))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                by_zone[tz] = now.astimezone(zoneinfo.ZoneInfo("UTC"))
        local = by_zone[tz]
        clocks[org_id] = OrgClock(tz, local.date(), local.hour, local.weekday())
    return clocks


def _awake(clocks: dict[uuid.UUID, OrgClock]) -> dict[date, list[uuid.UUID]]:
    """The organizations where it is past the reminder hour, grouped by their local date."""
    groups: dict[date, list[uuid.UUID]] = defaultdict(list)
    for org_id, clock in clocks.items():
        if clock.local_hour >= rules.REMINDER_LOCAL_HOUR:
            groups[clock.local_date].append(org_id)
    return groups


def _by_local_date(groups: dict[date, list[uuid.UUID]], build) -> Q | None:
    """One condition per local date: ``build(date)`` applies within the organizations on it."""
    condition = None
    for day, org_ids in groups.items():
        part = Q(organization_id__in=org_ids) & build(day)
        condition = part if condition is None else condition | part
    return condition


def _claimed(kind: str, period, *, recipient: str | None = "owner_id") -> Exists:
    """A reminder of this kind about the row (to its recipient, for the period) is claimed
    already. Filtering those out keeps a repeated sweep cheap; the claim's unique key is what
    guarantees "at most once" (a concurrent sweep may still find the same row)."""
    claims = SentReminder.objects.filter(kind=kind, target_id=OuterRef("pk"), period=period)
    if recipient is not None:
        claims = claims.filter(recipient_id=OuterRef(recipient))
    return Exists(claims)


def _as_text(field_name: str) -> Cast:
    """A date column as ISO text, as the periods of work reminders are written."""
    return Cast(OuterRef(field_name), output_field=CharField())


def due_overdue_work(*, clocks: dict[uuid.UUID, OrgClock]) -> list[Any]:
    condition = _by_local_date(_awake(clocks), lambda day: Q(due_date__lt=day))
    if condition is None:
        return []
    return list(
        WorkPackage.objects.filter(condition, status__in=COMMITTED_WORK, owner_id__isnull=False)
        .order_by()  # not the model's ordering: a sort of every row for nothing
        .filter(_active_member())
        .exclude(_claimed(NotificationKind.WORK_PACKAGE_OVERDUE, _as_text("due_date")))
        .values("id", "organization_id", "owner_id", "title", "due_date", "team__name")
    )


def due_success_checks(*, clocks: dict[uuid.UUID, OrgClock]) -> list[Any]:
    condition = _by_local_date(_awake(clocks), lambda day: Q(success_review_date__lte=day))
    if condition is None:
        return []
    return list(
        WorkPackage.objects.filter(
            condition,
            status__in=(Status.READY, Status.IN_PROGRESS, Status.DONE),
            decision="",
            owner_id__isnull=False,
        )
        .order_by()
        .filter(_active_member())
        .exclude(_claimed(NotificationKind.SUCCESS_CHECK_DUE, _as_text("success_review_date")))
        .values(
            "id",
            "organization_id",
            "owner_id",
            "title",
            "success_review_date",
            "success_criterion",
        )
    )


def due_stale_intentions(*, clocks: dict[uuid.UUID, OrgClock], now: datetime) -> list[Any]:
    """Intentions older than rules.INTENTION_STALE_AFTER whose reminder is not claimed yet:
    those with an owner who is still an active member, and those with no owner (their team's
    leads hear). One query: the two kinds are a UNION ALL, so each side is a plain semi-join
    or anti-join; an ``owner IS NULL OR EXISTS (…)`` in one WHERE cannot be turned into a join,
    and PostgreSQL then prices it per row, so high that it JIT-compiles the query (seconds)."""
    org_ids = [org_id for ids in _awake(clocks).values() for org_id in ids]
    if not org_ids:
        return []
    fields = (
        "id",
        "organization_id",
        "owner_id",
        "team_id",
        "team__name",
        "title",
        "created_at",
        "due_date",
        "success_criterion",
        "success_review_date",
    )
    stale = WorkPackage.objects.filter(
        organization_id__in=org_ids,
        status=Status.INTENTION,
        created_at__lt=now - rules.INTENTION_STALE_AFTER,
    ).order_by()
    owned = (
        stale.filter(owner_id__isnull=False)
        .filter(_active_member())
        .exclude(_claimed(NotificationKind.INTENTION_NOT_READY, INTENTION_PERIOD))
        .values(*fields)
    )
    unowned = (
        stale.filter(owner_id__isnull=True)
        .exclude(_claimed(NotificationKind.INTENTION_NOT_READY, INTENTION_PERIOD, recipient=None))
        .values(*fields)
    )
    return list(owned.union(unowned, all=True))


def team_lead_users(team_ids: Iterable) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The active team leads of some teams (one query)."""
    team_ids = list(team_ids)
    if not team_ids:
        return {}
    leads: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for team_id, user_id in Membership.teams.through.objects.filter(
        team_id__in=team_ids,
        membership__role=Role.TEAM_LEAD,
        membership__is_active=True,
        membership__user__is_active=True,
    ).values_list("team_id", "membership__user_id"):
        leads[team_id].append(user_id)
    return leads


def active_cadences_for_sweep() -> list[Cadence]:
    return list(Cadence.objects.filter(archived_at__isnull=True).select_related("organization"))


def due_review_sessions(*, now: datetime) -> list[ReviewSession]:
    """Scheduled sessions whose reminder lead time has begun and which have not started."""
    return list(
        ReviewSession.objects.filter(
            status=ReviewSession.Status.SCHEDULED,
            scheduled_at__gt=now,
            cadence__archived_at__isnull=True,
        )
        .annotate(
            remind_from=ExpressionWrapper(
                F("scheduled_at")
                - F("cadence__reminder_lead_hours")
                * Value(timedelta(hours=1), output_field=DurationField()),
                output_field=DateTimeField(),
            )
        )
        .filter(remind_from__lte=now)
        .select_related("cadence", "cadence__organization")
    )


def cadence_participant_users(cadence_ids: Iterable) -> dict[uuid.UUID, list[uuid.UUID]]:
    cadence_ids = list(cadence_ids)
    if not cadence_ids:
        return {}
    people: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for cadence_id, user_id in Cadence.participants.through.objects.filter(
        cadence_id__in=cadence_ids,
        membership__is_active=True,
        membership__user__is_active=True,
    ).values_list("cadence_id", "membership__user_id"):
        people[cadence_id].append(user_id)
    return people


def check_in_periods() -> tuple[dict, dict, set]:
    """The check-in period (days, and the review that sets it) of each organization and team,
    from their active cadences: the shortest rhythm that reviews them; and the organizations
    that have any. (One query.)"""
    by_org: dict[uuid.UUID, tuple[int, str]] = {}
    by_team: dict[uuid.UUID, tuple[int, str]] = {}
    orgs: set[uuid.UUID] = set()
    for org_id, team_id, frequency, name in Cadence.objects.filter(
        archived_at__isnull=True
    ).values_list("organization_id", "team_id", "frequency", "name"):
        orgs.add(org_id)
        days = PERIOD_DAYS[frequency]
        target = by_team if team_id else by_org
        key = team_id or org_id
        if key not in target or days < target[key][0]:
            target[key] = (days, name)
    return by_org, by_team, orgs


def due_check_ins(*, clocks: dict[uuid.UUID, OrgClock], now: datetime) -> list[dict]:
    """Key results of active cycles whose owner has not checked in for their cadence's period.

    A team objective's key results follow the team's reviews, else the organization's; with
    no review at all, nobody is reminded. Two queries (cadences, key results)."""
    from okrs import selectors as okr_selectors
    from okrs.models import Cycle, KeyResult

    org_ids = [org_id for ids in _awake(clocks).values() for org_id in ids]
    if not org_ids:
        return []
    by_org, by_team, with_reviews = check_in_periods()
    org_ids = [o for o in org_ids if o in with_reviews]
    if not org_ids:
        return []
    shortest = min(days for days, _ in (*by_org.values(), *by_team.values()))
    rows: Any = (
        okr_selectors.with_progress(
            KeyResult.objects.filter(
                organization_id__in=org_ids,
                objective__cycle__status=Cycle.Status.ACTIVE,
                owner_id__isnull=False,
            ).filter(_active_member())
        )
        .annotate(touched=Coalesce("last_check_in_at", "created_at"))
        .filter(touched__lt=now - timedelta(days=shortest))
        .values(
            "id",
            "organization_id",
            "owner_id",
            "title",
            "created_at",
            "last_check_in_at",
            "objective__statement",
            "objective__team_id",
        )
    )
    due = []
    for row in rows:
        period = by_team.get(row["objective__team_id"]) or by_org.get(row["organization_id"])
        if period is None:
            continue
        days, name = period
        since = row["last_check_in_at"] or row["created_at"]
        if now - since >= timedelta(days=days):
            due.append(
                {
                    **row,
                    "period_days": days,
                    "cadence_name": name,
                    "objective_statement": row["objective__statement"],
                }
            )
    return due


def opt_outs(*, kind: str) -> set[tuple[uuid.UUID, uuid.UUID, str]]:
    return set(
        NotificationOptOut.objects.filter(kind=kind).values_list(
            "organization_id", "user_id", "channel"
        )
    )


def digest_period(local_date: date) -> str:
    """The ISO week a digest covers, e.g. 2026-W48: one digest per person and week."""
    year, week, _ = local_date.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Digest:
    organization_id: uuid.UUID
    organization_name: str
    timezone: str
    membership_id: uuid.UUID
    user_id: uuid.UUID
    local_date: date
    overdue: int = 0
    due_this_week: int = 0
    checks_due: int = 0
    intentions: int = 0
    open_decisions: int = 0
    check_ins_due: int = 0
    reviews: list[tuple[str, datetime]] = field(default_factory=list)


def weekly_digests(*, clocks: dict[uuid.UUID, OrgClock], now: datetime) -> list[Digest]:
    """Every active member's week, for the organizations where it is digest time (5 queries)."""
    due = {
        org_id: clock
        for org_id, clock in clocks.items()
        if clock.weekday == rules.DIGEST_WEEKDAY and clock.local_hour >= rules.REMINDER_LOCAL_HOUR
    }
    if not due:
        return []
    digests: dict[tuple, Digest] = {}
    by_week: dict[str, list[uuid.UUID]] = defaultdict(list)
    for org_id, clock in due.items():
        by_week[digest_period(clock.local_date)].append(org_id)
    not_yet = Q()
    for week, ids in by_week.items():
        not_yet |= Q(organization_id__in=ids) & ~Q(
            Exists(
                SentReminder.objects.filter(
                    kind=NotificationKind.WEEKLY_DIGEST,
                    target_id=OuterRef("pk"),
                    recipient_id=OuterRef("user_id"),
                    period=week,
                )
            )
        )
    for m in (
        Membership.objects.filter(
            organization_id__in=list(due), is_active=True, user__is_active=True
        )
        .filter(not_yet)
        .values("id", "user_id", "organization_id", "organization__name")
    ):
        clock = due[m["organization_id"]]
        digests[(m["organization_id"], m["user_id"])] = Digest(
            organization_id=m["organization_id"],
            organization_name=m["organization__name"],
            timezone=clock.timezone,
            membership_id=m["id"],
            user_id=m["user_id"],
            local_date=clock.local_date,
        )
    by_date: dict[date, list[uuid.UUID]] = defaultdict(list)
    for org_id, clock in due.items():
        by_date[clock.local_date].append(org_id)
    today = Case(
        *(When(organization_id__in=ids, then=Value(day)) for day, ids in by_date.items()),
        output_field=DateField(),
    )
    work = (
        WorkPackage.objects.filter(
            organization_id__in=list(due), status__in=OPEN_WORK, owner_id__isnull=False
        )
        .annotate(today=today)
        .values("organization_id", "owner_id")
        .annotate(
            overdue=Count("pk", filter=Q(status__in=COMMITTED_WORK, due_date__lt=F("today"))),
            due_this_week=Count(
                "pk",
                filter=Q(
                    status__in=COMMITTED_WORK,
                    due_date__gte=F("today"),
                    due_date__lt=F("today") + timedelta(days=7),
                ),
            ),
            checks_due=Count(
                "pk",
                filter=Q(
                    status__in=COMMITTED_WORK,
                    decision="",
                    success_review_date__lt=F("today") + timedelta(days=7),
                ),
            ),
            intentions=Count("pk", filter=Q(status=Status.INTENTION)),
        )
        .order_by()
    )
    for row in work:
        d = digests.get((row["organization_id"], row["owner_id"]))
        if d is not None:
            d.overdue, d.due_this_week = row["overdue"], row["due_this_week"]
            d.checks_due, d.intentions = row["checks_due"], row["intentions"]
    for org_id, owner_id, n in (
        Decision.objects.filter(organization_id__in=list(due), status=Decision.Status.OPEN)
        .values("organization_id", "owner_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "owner_id", "n")
        .order_by()
    ):
        d = digests.get((org_id, owner_id))
        if d is not None:
            d.open_decisions = n
    for org_id, user_id, name, at in (
        ReviewSession.objects.filter(
            organization_id__in=list(due),
            status=ReviewSession.Status.SCHEDULED,
            scheduled_at__gte=now,
            scheduled_at__lt=now + timedelta(days=7),
            cadence__archived_at__isnull=True,
            cadence__participants__is_active=True,
        )
        .order_by("scheduled_at")
        .values_list(
            "organization_id", "cadence__participants__user_id", "cadence__name", "scheduled_at"
        )
    ):
        d = digests.get((org_id, user_id))
        if d is not None:
            d.reviews.append((name, at))
    _add_check_ins_due(digests, due=list(due), now=now)
    return list(digests.values())


def _add_check_ins_due(digests: dict[tuple, Digest], *, due: list, now: datetime) -> None:
    """Key results each person should check in this week (okrs' weekly rhythm). One query."""
    from okrs import rules as okr_rules
    from okrs import selectors as okr_selectors
    from okrs.models import Cycle, KeyResult

    cutoff = now - okr_rules.CHECK_IN_EVERY
    key_results: Any = okr_selectors.with_progress(
        KeyResult.objects.filter(
            organization_id__in=due,
            objective__cycle__status=Cycle.Status.ACTIVE,
            owner_id__isnull=False,
        )
    )
    for org_id, owner_id, last, created in key_results.values_list(
        "organization_id", "owner_id", "last_check_in_at", "created_at"
    ):
        d = digests.get((org_id, owner_id))
        if d is not None and (last or created) < cutoff:
            d.check_ins_due += 1


def not_queued_emails() -> list[str]:
    """Pending e-mails whose task could not be queued (the broker was away)."""
    return [
        str(pk)
        for pk in SentReminder.objects.filter(
            email_state=SentReminder.EmailState.PENDING,
            last_error__startswith=rules.EMAIL_NOT_QUEUED,
        ).values_list("pk", flat=True)[:10000]
    ]


def lost_pending_emails(*, before: datetime) -> list[str]:
    return [
        str(pk)
        for pk in SentReminder.objects.filter(
            email_state=SentReminder.EmailState.PENDING, created_at__lt=before
        )
        .filter(
            Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=before - timedelta(hours=2))
        )
        .values_list("pk", flat=True)[:10000]
    ]


# --- the API's lists -----------------------------------------------------------------------
# Rows as the API shows them, scoped to the caller's organization; the API orders and pages.


def cadence_api_list(*, membership: Membership) -> QuerySet[Cadence]:
    return Cadence.objects.filter(organization_id=membership.organization_id).prefetch_related(
        Prefetch("participants", queryset=Membership.objects.only("id").order_by("pk"))
    )


def review_session_api_list(*, membership: Membership) -> QuerySet[ReviewSession]:
    return ReviewSession.objects.filter(organization_id=membership.organization_id)


def decision_api_list(*, membership: Membership) -> QuerySet[Decision]:
    return Decision.objects.filter(organization_id=membership.organization_id)


def learning_api_list(*, membership: Membership) -> QuerySet[Learning]:
    from okrs.models import KeyResult

    return Learning.objects.filter(organization_id=membership.organization_id).prefetch_related(
        Prefetch("work_packages", queryset=WorkPackage.objects.only("id").order_by("pk")),
        Prefetch("key_results", queryset=KeyResult.objects.only("id").order_by("pk")),
    )
