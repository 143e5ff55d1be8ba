"""This week's attention list: what a leader (or a team lead, for one team) should look at on
Monday, before the strategy map or the team's board.

It reuses the review agenda's own section builders (reviews.selectors), so the list and the next
review's agenda judge "at risk", "stale", "overdue", "check due" and "intention too old" by the
same rules; the page and ``/api/v1/dashboards/attention/`` both call ``attention``. A fixed number
of queries, whatever the size of the organization: each section is one capped query.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from core.models import Membership, Team
from okrs import rules as okr_rules
from planning.models import WorkPackage
from reviews import selectors
from reviews.models import Cadence, ReviewSession

SECTION_KEYS = ("key_results", "overdue", "checks_due", "intentions")
UPCOMING_WITHIN = timedelta(days=7)
Status = WorkPackage.Status


@dataclass
class UpcomingReview:
    id: str
    title: str
    kind: str
    kind_label: str
    team: str
    scheduled_at: datetime
    url: str
    is_mine: bool


@dataclass
class Attention:
    team: Team | None
    as_of: date
    sections: list[selectors.AgendaSection]
    upcoming: list[UpcomingReview] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Items needing a look, over every section (upcoming reviews are not counted)."""
        return sum(s.total for s in self.sections)

    def section(self, key: str) -> selectors.AgendaSection | None:
        return next((s for s in self.sections if s.key == key), None)


def attention(
    *, membership: Membership, team: Team | None = None, now: datetime | None = None
) -> Attention:
    """Key results at risk or stale, overdue work, success checks past their date without a
    decision, intentions older than a week, and the reviews of the coming week. Six queries."""
    now = now or timezone.now()
    today = now.astimezone(zoneinfo.ZoneInfo(membership.organization.timezone)).date()
    # An unsaved cadence and session frame the agenda builders: a team's list, or everyone's.
    cadence = Cadence(
        organization=membership.organization,
        team=team,
        name="This week",
        kind=Cadence.Kind.WEEKLY_DELIVERY,
    )
    ctx = selectors.AgendaContext(
        membership=membership,
        session=ReviewSession(
            organization=membership.organization, cadence=cadence, scheduled_at=now
        ),
        cadence=cadence,
        as_of=today,
        now=now,
        today=today,
        previous=None,
    )
    builders = selectors._builders()
    sections = [s for key in SECTION_KEYS if (s := builders[key](ctx)) is not None]

    upcoming = [
        UpcomingReview(
            id=str(s.pk),
            title=s.cadence.name,
            kind=s.cadence.kind,
            kind_label=s.cadence.get_kind_display(),
            team=s.cadence.team.name if s.cadence.team is not None else "",
            scheduled_at=s.scheduled_at,
            url=reverse("reviews:session_detail", args=[s.pk]),
            is_mine=bool(getattr(s, "is_mine", False)),
        )
        for s in selectors.upcoming_sessions(
            membership=membership, now=now, until=now + UPCOMING_WITHIN, team=team
        )
    ]
    return Attention(team=team, as_of=today, sections=sections, upcoming=upcoming)


# --- a team lead's landing page --------------------------------------------------------------


@dataclass
class TeamWork:
    """Activity counts of the team's work (not outcome)."""

    open: int
    in_progress: int
    ready: int
    intentions: int
    overdue: int
    unlinked: int
    done_last_14_days: int


@dataclass
class TeamLanding:
    team: Team
    work: TeamWork
    backlog_top: list[dict[str, Any]]  # backlog.selectors.backlog_top rows (id, title, status,
    # status_label, initiative_id), in ranked_backlog's order, top first
    sprint: Any  # backlog Sprint or None
    key_results: list[Any]  # okrs.selectors.OwnedKeyResult rows the person owns in active
    # cycles, each with ``is_stale``
    attention: Attention


BACKLOG_TOP = 5


def team_landing(*, membership: Membership, team: Team, now: datetime | None = None) -> TeamLanding:
    """What a team lead opens on Monday: the team's work, the top of its backlog, its sprint,
    the key results they own, and the team's attention list. A fixed number of queries."""
    from backlog import selectors as backlog_selectors
    from okrs import selectors as okr_selectors
    from okrs.models import Cycle

    now = now or timezone.now()
    attention_list = attention(membership=membership, team=team, now=now)
    today = attention_list.as_of
    open_statuses = (Status.INTENTION, Status.READY, Status.IN_PROGRESS)
    counts = WorkPackage.objects.filter(
        organization_id=membership.organization_id, team=team
    ).aggregate(
        open=Count("pk", filter=Q(status__in=open_statuses)),
        in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
        ready=Count("pk", filter=Q(status=Status.READY)),
        intentions=Count("pk", filter=Q(status=Status.INTENTION)),
        overdue=Count(
            "pk", filter=Q(status__in=(Status.READY, Status.IN_PROGRESS), due_date__lt=today)
        ),
        unlinked=Count("pk", filter=Q(status__in=open_statuses, initiative__isnull=True)),
        done_last_14_days=Count(
            "pk", filter=Q(status=Status.DONE, finished_at__gte=now - timedelta(days=14))
        ),
    )
    model = backlog_selectors.scoring_model_for_team(membership=membership, team=team)
    backlog_top = backlog_selectors.backlog_top(
        membership=membership, team=team, model=model, limit=BACKLOG_TOP
    )
    sprint = backlog_selectors.current_sprint(membership=membership, team=team, today=today)
    key_results: list[Any] = okr_selectors.owned_key_results(
        membership=membership, owner=membership.user, cycle_status=Cycle.Status.ACTIVE
    )
    for kr in key_results:
        kr.is_stale = okr_rules.is_stale(
            last_check_in_at=kr.last_check_in_at, created_at=kr.created_at, now=now
        )
    return TeamLanding(
        team=team,
        work=TeamWork(**counts),
        backlog_top=backlog_top,
        sprint=sprint,
        key_results=key_results,
        attention=attention_list,
    )
