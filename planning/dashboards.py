"""Read models of the Insight dashboards that belong to the spine: alignment and delivery.

Each dashboard's numbers come from one selector here, which the page and
``/api/v1/dashboards/<name>/`` both call, so the two can never disagree. The numbers are database
aggregates (grouped counts, ``generate_series`` weeks, ``percentile_cont``): a constant number of
queries whatever the size of the organization, and no loops over work packages in Python.

What the words mean (the pages say it too):
- *Effort in a week*: work packages in progress at some point that week: started before the week
  ended, and not finished (done or stopped) before it began. Effort in the period is the same over
  the whole period. Points are estimates; unestimated work counts in the count, not the points.
- *Linked to strategy*: the work package belongs to an initiative, and so to a strategic objective.
- *Delivery* measures are the tactical layer's own: cycle time (started → finished), throughput,
  on-time rate and success-check decisions. They say how work flows, not whether it mattered.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import F, Func, IntegerField, Q, Subquery
from django.utils import timezone

from core import charts
from core.errors import DomainValidationError
from core.models import Membership, Team
from planning.models import WorkPackage

Status = WorkPackage.Status
DEFAULT_WEEKS, MIN_WEEKS, MAX_WEEKS = 12, 4, 26
STALE_INTENTION_DAYS = 7  # an intention older than a week has not become a tactic (DESIGN.md)
LIST_LIMIT = 20  # lists show this many rows, with their total


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    team: Team | None = None
    weeks: int = DEFAULT_WEEKS


def dashboard_filters(*, membership: Membership, data: Mapping[str, Any]) -> Filters:
    """Reads ``team`` and ``weeks`` from a query string; bad input names its field.

    An empty value is ignored (``?team=`` means every team). Page and API read them the same way.
    """
    errors: dict[str, str] = {}
    team = None
    team_id = (data.get("team") or "").strip()
    if team_id and team_id != "all":
        if _is_uuid(team_id):
            team = Team.objects.filter(
                organization_id=membership.organization_id, archived_at__isnull=True, pk=team_id
            ).first()
        if team is None:
            errors["team"] = "Choose one of the organization's active teams."
    weeks = DEFAULT_WEEKS
    raw_weeks = (data.get("weeks") or "").strip()
    if raw_weeks:
        try:
            asked = int(raw_weeks)
        except ValueError:
            asked = 0
        if MIN_WEEKS <= asked <= MAX_WEEKS:
            weeks = asked
        else:
            errors["weeks"] = f"Give a whole number of weeks from {MIN_WEEKS} to {MAX_WEEKS}."
    if errors:
        raise DomainValidationError(errors)
    return Filters(team=team, weeks=weeks)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Period:
    """Whole weeks (Monday to Sunday, in the organization's time zone) ending with this week."""

    first_week: date
    weeks: int
    tz: str
    today: date

    @property
    def end(self) -> date:  # the day after the period
        return self.first_week + timedelta(weeks=self.weeks)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def moment(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(self.tz))

    @property
    def sql(self) -> dict[str, Any]:
        return {
            "today": self.today,
            "weeks": self.weeks,
            "tz": self.tz,
            "start": self.moment(self.first_week),
            "end": self.moment(self.end),
        }


def period_for(*, membership: Membership, weeks: int, today: date | None = None) -> Period:
    tz = membership.organization.timezone
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(tz))
    this_week = today - timedelta(days=today.weekday())
    return Period(
        first_week=this_week - timedelta(weeks=weeks - 1), weeks=weeks, tz=tz, today=today
    )


# The weeks of a period, computed by the database: a Monday, its start and its end as moments.
WEEKS_SQL = """
    SELECT w::date AS week, w AT TIME ZONE %(tz)s AS starts,
           (w + interval '1 week') AT TIME ZONE %(tz)s AS ends
    FROM generate_series(
        date_trunc('week', %(today)s::timestamp) - (%(weeks)s - 1) * interval '1 week',
        date_trunc('week', %(today)s::timestamp),
        interval '1 week'
    ) AS w
"""
TEAM_SQL = "(%(team)s::uuid IS NULL OR wp.team_id = %(team)s::uuid)"


def _rows(sql: str, params: dict[str, Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- alignment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """Effort, and the part of it linked to a strategic objective."""

    items: int = 0
    linked_items: int = 0
    points: int = 0
    linked_points: int = 0
    unestimated: int = 0

    @property
    def item_share(self) -> float | None:
        return self.linked_items / self.items if self.items else None

    @property
    def point_share(self) -> float | None:
        return self.linked_points / self.points if self.points else None

    @property
    def unlinked_items(self) -> int:
        return self.items - self.linked_items

    @property
    def unlinked_points(self) -> int:
        return self.points - self.linked_points


@dataclass(frozen=True)
class TeamShare(Share):
    team_id: Any = None
    team_name: str = ""


@dataclass(frozen=True)
class WeekShare(Share):
    week: date = date.min


@dataclass(frozen=True)
class WorkRow:
    id: Any
    title: str
    team_name: str
    owner_name: str  # blank: nobody owns it
    status: str
    estimate: int | None
    due_date: date | None
    success_review_date: date | None
    created_at: datetime

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass(frozen=True)
class Listing:
    """The first rows of a list, and how many there are in all."""

    total: int = 0
    rows: list[WorkRow] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass(frozen=True)
class Alignment:
    period: Period
    team: Team | None
    total: Share
    teams: list[TeamShare]
    weekly: list[WeekShare]
    unlinked: Listing
    stale_intentions: Listing
    unreviewed: Listing  # past the success-review date without a decision
    stale_days: int = STALE_INTENTION_DAYS


def _share(row: tuple) -> dict[str, int]:
    items, linked_items, points, linked_points, unestimated = row
    return {
        "items": items,
        "linked_items": linked_items,
        "points": points,
        "linked_points": linked_points,
        "unestimated": unestimated,
    }


SHARE_COLUMNS = """
    count(wp.id),
    count(wp.id) FILTER (WHERE wp.initiative_id IS NOT NULL),
    coalesce(sum(wp.estimate), 0)::int,
    coalesce(sum(wp.estimate) FILTER (WHERE wp.initiative_id IS NOT NULL), 0)::int,
    count(wp.id) FILTER (WHERE wp.estimate IS NULL)
"""
# Work in progress at some point between two moments (see the module's docstring).
ACTIVE_BETWEEN = "wp.started_at < {ends} AND (wp.finished_at IS NULL OR wp.finished_at >= {starts})"

ALIGNMENT_TEAMS_SQL = f"""
    SELECT t.id, t.name, {SHARE_COLUMNS}
    FROM planning_workpackage wp JOIN core_team t ON t.id = wp.team_id
    WHERE wp.organization_id = %(org)s AND {TEAM_SQL}
      AND {ACTIVE_BETWEEN.format(starts="%(start)s", ends="%(end)s")}
    GROUP BY GROUPING SETS ((t.id, t.name), ())
    ORDER BY (t.id IS NOT NULL), t.name
"""  # noqa: S608 - constant fragments of this module; values are parameters
# Each package adds itself from the week it started (or the period's first) and takes itself away
# the week after it finished; a running sum over the weeks then gives each week's effort. One pass
# over the work, whatever the number of weeks (a range join would visit every package per week).
ALIGNMENT_WEEKS_SQL = f"""
    WITH weeks AS ({WEEKS_SQL}),
    wp AS (
        SELECT greatest(
                   date_trunc('week', wp.started_at AT TIME ZONE %(tz)s),
                   date_trunc('week', %(today)s::timestamp) - (%(weeks)s - 1) * interval '1 week'
               )::date AS from_week,
               (date_trunc('week', wp.finished_at AT TIME ZONE %(tz)s) + interval '1 week')::date
                   AS until_week,
               coalesce(wp.estimate, 0) AS points,
               wp.estimate IS NULL AS unestimated,
               wp.initiative_id IS NOT NULL AS linked
        FROM planning_workpackage wp
        WHERE wp.organization_id = %(org)s AND {TEAM_SQL}
          AND {ACTIVE_BETWEEN.format(starts="%(start)s", ends="%(end)s")}
    ),
    deltas AS (
        SELECT from_week AS week, 1 AS n, points, unestimated, linked FROM wp
        UNION ALL
        SELECT until_week, -1, -points, unestimated, linked FROM wp WHERE until_week IS NOT NULL
    ),
    per_week AS (
        SELECT week, sum(n) AS items, sum(n) FILTER (WHERE linked) AS linked_items,
               sum(points) AS points, sum(points) FILTER (WHERE linked) AS linked_points,
               sum(n) FILTER (WHERE unestimated) AS unestimated
        FROM deltas GROUP BY week
    )
    SELECT weeks.week,
           (sum(coalesce(p.items, 0)) OVER running)::int,
           (sum(coalesce(p.linked_items, 0)) OVER running)::int,
           (sum(coalesce(p.points, 0)) OVER running)::int,
           (sum(coalesce(p.linked_points, 0)) OVER running)::int,
           (sum(coalesce(p.unestimated, 0)) OVER running)::int
    FROM weeks LEFT JOIN per_week p ON p.week = weeks.week
    WINDOW running AS (ORDER BY weeks.week)
    ORDER BY weeks.week
"""  # noqa: S608 - constant fragments of this module; values are parameters


def _listing(queryset, limit: int) -> Listing:
    """The first ``limit`` rows and the total, in one query: the count is an uncorrelated
    subquery (run once, without the joins the rows need), the rows a top-N sort."""
    count = queryset.order_by().values(
        n=Func(F("id"), function="COUNT", output_field=IntegerField())
    )
    rows = list(
        queryset.select_related(None)
        .annotate(total=Subquery(count), team_name=F("team__name"))
        .values(
            "id",
            "title",
            "team_name",
            "owner__full_name",
            "owner__email",
            "status",
            "estimate",
            "due_date",
            "success_review_date",
            "created_at",
            "total",
        )[:limit]
    )
    return Listing(
        total=rows[0]["total"] if rows else 0,
        rows=[
            WorkRow(
                id=r["id"],
                title=r["title"],
                team_name=r["team_name"],
                owner_name=r["owner__full_name"] or r["owner__email"] or "",
                status=r["status"],
                estimate=r["estimate"],
                due_date=r["due_date"],
                success_review_date=r["success_review_date"],
                created_at=r["created_at"],
            )
            for r in rows
        ],
    )


def _work(membership: Membership, team: Team | None):
    work = WorkPackage.objects.filter(organization_id=membership.organization_id)
    return work.filter(team=team) if team is not None else work


def alignment(
    *,
    membership: Membership,
    team: Team | None = None,
    weeks: int = DEFAULT_WEEKS,
    today: date | None = None,
    limit: int = LIST_LIMIT,
) -> Alignment:
    """Is the work adding up to the strategy? Five queries, whatever the organization's size."""
    period = period_for(membership=membership, weeks=weeks, today=today)
    params = {**period.sql, "org": membership.organization_id, "team": team.pk if team else None}
    total, teams = Share(), []
    for row in _rows(ALIGNMENT_TEAMS_SQL, params):
        if row[0] is None:
            total = Share(**_share(row[2:]))
        else:
            teams.append(TeamShare(team_id=row[0], team_name=row[1], **_share(row[2:])))
    weekly = [
        WeekShare(week=row[0], **_share(row[1:])) for row in _rows(ALIGNMENT_WEEKS_SQL, params)
    ]
    work = _work(membership, team)
    start, end = period.moment(period.first_week), period.moment(period.end)
    unlinked = _listing(
        work.filter(initiative__isnull=True, started_at__lt=end)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=start))
        .order_by(F("estimate").desc(nulls_last=True), "team__name", "title", "id"),
        limit,
    )
    stale_before = period.moment(period.today - timedelta(days=STALE_INTENTION_DAYS - 1))
    stale = _listing(
        work.filter(status=Status.INTENTION, created_at__lt=stale_before).order_by(
            "created_at", "id"
        ),
        limit,
    )
    # A decision taken before the current review date answers an earlier check, not this one.
    unreviewed = _listing(
        work.filter(
            status__in=(Status.READY, Status.IN_PROGRESS, Status.DONE),
            success_review_date__lt=period.today,
        )
        .filter(
            Q(decision="")
            | Q(decided_at__isnull=True)
            | Q(decided_at__lt=_day_start(F("success_review_date"), period.tz))
        )
        .order_by("success_review_date", "id"),
        limit,
    )
    return Alignment(
        period=period,
        team=team,
        total=total,
        teams=teams,
        weekly=weekly,
        unlinked=unlinked,
        stale_intentions=stale,
        unreviewed=unreviewed,
    )


def _day_start(day_expression, tz: str):
    """The moment a date column's day starts in a time zone, as a database expression."""
    from django.db.models import DateTimeField, Func, Value

    return Func(
        Func(day_expression, template="(%(expressions)s)::timestamp"),
        Value(tz),
        template="(%(expressions)s)",
        arg_joiner=" AT TIME ZONE ",
        output_field=DateTimeField(),
    )


def _week_label(week: date) -> str:
    return f"{week:%-d %b}"


def alignment_chart(data: Alignment) -> charts.Chart:
    """Linked and unlinked points per week, stacked; the share linked in the text equivalent."""
    weeks = [_week_label(w.week) for w in data.weekly]
    shares = [w.point_share for w in data.weekly if w.point_share is not None]
    latest = data.weekly[-1] if data.weekly else None
    summary = (
        f"Estimate points of work in progress each week over {data.period.weeks} weeks, split "
        "into work linked to a strategic objective and work that is not."
        + (
            f" This week {charts.fmt(latest.linked_points)} of {charts.fmt(latest.points)} points "
            f"are linked ({_pct(latest.point_share)})."
            if latest and latest.points
            else ""
        )
        + (
            f" Across the weeks the linked share ranged from {_pct(min(shares))} to {_pct(max(shares))}."
            if shares
            else ""
        )
    )
    return charts.stacked_bar_chart(
        title="Effort linked to strategy, week by week",
        summary=summary,
        categories=weeks,
        series=[
            charts.Series(
                "Linked to strategy", [w.linked_points for w in data.weekly], key="linked"
            ),
            charts.Series("Not linked", [w.unlinked_points for w in data.weekly], key="unlinked"),
        ],
        unit="pts",
        category_heading="Week of",
    )


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)} %"


# --- delivery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRow:
    team_id: Any
    team_name: str
    finished: int = 0
    finished_points: int = 0
    cycle_median_days: float | None = None
    cycle_p85_days: float | None = None
    with_due_date: int = 0
    on_time: int = 0
    continued: int = 0
    revised: int = 0
    stopped: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.with_due_date if self.with_due_date else None

    @property
    def decisions(self) -> int:
        return self.continued + self.revised + self.stopped


@dataclass(frozen=True)
class WeekThroughput:
    week: date
    finished: int
    points: int


@dataclass(frozen=True)
class Delivery:
    period: Period
    team: Team | None
    total: DeliveryRow
    teams: list[DeliveryRow]
    weekly: list[WeekThroughput]

    @property
    def per_week(self) -> float:
        return self.total.finished / self.period.weeks


DONE_IN = "wp.status = 'done' AND wp.finished_at >= %(start)s AND wp.finished_at < %(end)s"
DECIDED_IN = "wp.decided_at >= %(start)s AND wp.decided_at < %(end)s"
CYCLE_DAYS = "extract(epoch FROM wp.finished_at - wp.started_at) / 86400.0"
DELIVERY_TEAMS_SQL = f"""
    SELECT t.id, t.name,
        count(*) FILTER (WHERE {DONE_IN}),
        coalesce(sum(wp.estimate) FILTER (WHERE {DONE_IN}), 0)::int,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY {CYCLE_DAYS})
            FILTER (WHERE {DONE_IN} AND wp.started_at IS NOT NULL),
        percentile_cont(0.85) WITHIN GROUP (ORDER BY {CYCLE_DAYS})
            FILTER (WHERE {DONE_IN} AND wp.started_at IS NOT NULL),
        count(*) FILTER (WHERE {DONE_IN} AND wp.due_date IS NOT NULL),
        count(*) FILTER (
            WHERE {DONE_IN} AND (wp.finished_at AT TIME ZONE %(tz)s)::date <= wp.due_date
        ),
        count(*) FILTER (WHERE {DECIDED_IN} AND wp.decision = 'continue'),
        count(*) FILTER (WHERE {DECIDED_IN} AND wp.decision = 'revise'),
        count(*) FILTER (WHERE {DECIDED_IN} AND wp.decision = 'stop')
    FROM planning_workpackage wp JOIN core_team t ON t.id = wp.team_id
    WHERE wp.organization_id = %(org)s AND {TEAM_SQL}
      AND (({DONE_IN}) OR ({DECIDED_IN}))
    GROUP BY GROUPING SETS ((t.id, t.name), ())
    ORDER BY (t.id IS NOT NULL), t.name
"""  # noqa: S608 - constant fragments of this module; values are parameters
DELIVERY_WEEKS_SQL = f"""
    WITH weeks AS ({WEEKS_SQL}),
    done AS (
        SELECT date_trunc('week', wp.finished_at AT TIME ZONE %(tz)s)::date AS week,
               count(*) AS finished, coalesce(sum(wp.estimate), 0) AS points
        FROM planning_workpackage wp
        WHERE wp.organization_id = %(org)s AND {TEAM_SQL} AND {DONE_IN}
        GROUP BY 1
    )
    SELECT weeks.week, coalesce(done.finished, 0)::int, coalesce(done.points, 0)::int
    FROM weeks LEFT JOIN done ON done.week = weeks.week
    ORDER BY weeks.week
"""  # noqa: S608 - constant fragments of this module; values are parameters


def _delivery_row(row: tuple) -> DeliveryRow:
    return DeliveryRow(
        team_id=row[0],
        team_name=row[1] or "",
        finished=row[2],
        finished_points=row[3],
        cycle_median_days=round(row[4], 1) if row[4] is not None else None,
        cycle_p85_days=round(row[5], 1) if row[5] is not None else None,
        with_due_date=row[6],
        on_time=row[7],
        continued=row[8],
        revised=row[9],
        stopped=row[10],
    )


def delivery(
    *,
    membership: Membership,
    team: Team | None = None,
    weeks: int = DEFAULT_WEEKS,
    today: date | None = None,
) -> Delivery:
    """How the tactical layer delivers, per team. Two queries, whatever the organization's size."""
    period = period_for(membership=membership, weeks=weeks, today=today)
    params = {**period.sql, "org": membership.organization_id, "team": team.pk if team else None}
    total, teams = DeliveryRow(team_id=None, team_name="All teams"), []
    for row in _rows(DELIVERY_TEAMS_SQL, params):
        if row[0] is None:
            total = _delivery_row((None, "All teams", *row[2:]))
        else:
            teams.append(_delivery_row(row))
    weekly = [WeekThroughput(*row) for row in _rows(DELIVERY_WEEKS_SQL, params)]
    return Delivery(period=period, team=team, total=total, teams=teams, weekly=weekly)


def throughput_chart(data: Delivery) -> charts.Chart:
    counts = [w.finished for w in data.weekly]
    return charts.bar_chart(
        title="Throughput: work packages finished per week",
        summary=(
            f"{data.total.finished} work packages finished in {data.period.weeks} weeks "
            f"({charts.fmt(data.per_week)} a week on average); the busiest week finished "
            f"{max(counts, default=0)}. A delivery measure, not an outcome."
        ),
        categories=[_week_label(w.week) for w in data.weekly],
        series=charts.Series("Finished", counts, key="finished"),
        category_heading="Week of",
        hover=[
            f"Week of {_week_label(w.week)}: {w.finished} finished, {w.points} points"
            for w in data.weekly
        ],
    )
