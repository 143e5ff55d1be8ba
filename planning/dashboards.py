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


# Effort comes from the read model planning_effortweek (planning.models.EffortWeek, kept by
# database triggers): per team and week, the work that started and the work that ended (finished
# the week before). Work in progress at some point in the weeks [first, end) is what started
# before ``end`` minus what ended by ``first``; in a week W, what started by W minus what ended by
# W. A few thousand narrow rows for a whole organization, instead of every work package.
EFFORT_TEAM_SQL = "(%(team)s::uuid IS NULL OR e.team_id = %(team)s::uuid)"
_MEASURES = ("", "_linked", "_points", "_linked_points", "_unestimated")
SHARE_COLUMNS = ",\n".join(
    f"coalesce(sum(e.started{m} - CASE WHEN e.week <= %(first_week)s THEN e.ended{m} ELSE 0 END), "
    "0)::int"
    for m in _MEASURES
)
ALIGNMENT_TEAMS_SQL = f"""
    SELECT t.id, t.name, {SHARE_COLUMNS}
    FROM planning_effortweek e JOIN core_team t ON t.id = e.team_id
    WHERE e.organization_id = %(org)s AND {EFFORT_TEAM_SQL} AND e.week < %(end_week)s
    GROUP BY GROUPING SETS ((t.id, t.name), ())
    HAVING sum(e.started - CASE WHEN e.week <= %(first_week)s THEN e.ended ELSE 0 END) > 0
    ORDER BY (t.id IS NOT NULL), t.name
"""  # noqa: S608 - constant fragments of this module; values are parameters
# Everything that started or ended before the period counts in its first week; a running sum
# over the weeks then gives each week's effort.
ALIGNMENT_WEEKS_SQL = f"""
    WITH weeks AS ({WEEKS_SQL}),
    per_week AS (
        SELECT greatest(e.week, %(first_week)s) AS week,
               {", ".join(f"sum(e.started{m} - e.ended{m}) AS d{i}" for i, m in enumerate(_MEASURES))}
        FROM planning_effortweek e
        WHERE e.organization_id = %(org)s AND {EFFORT_TEAM_SQL} AND e.week < %(end_week)s
        GROUP BY 1
    )
    SELECT weeks.week,
           {", ".join(f"(sum(coalesce(p.d{i}, 0)) OVER running)::int" for i in range(5))}
    FROM weeks LEFT JOIN per_week p ON p.week = weeks.week
    WINDOW running AS (ORDER BY weeks.week)
    ORDER BY weeks.week
"""  # noqa: S608 - constant fragments of this module; values are parameters


def _listing(queryset, limit: int, total: int | None = None) -> Listing:
    """The first ``limit`` rows and the total, in one query: the count is an uncorrelated
    subquery (run once, without the joins the rows need), the rows a top-N sort. A ``total``
    known already (from the read model) is not counted again."""
    rows = queryset.select_related(None).annotate(team_name=F("team__name"))
    if total is None:
        count = queryset.order_by().values(
            n=Func(F("id"), function="COUNT", output_field=IntegerField())
        )
        rows = rows.annotate(total=Subquery(count))
    rows = list(
        rows.values(
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
            *(["total"] if total is None else []),
        )[:limit]
    )
    if total is None:
        total = rows[0]["total"] if rows else 0
    return Listing(
        total=total,
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
    params = {
        **period.sql,
        "first_week": period.first_week,
        "end_week": period.end,
        "org": membership.organization_id,
        "team": team.pk if team else None,
    }
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
        work.filter(initiative__isnull=True, started_at__isnull=False, started_at__lt=end)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=start))
        .order_by(F("estimate").desc(nulls_last=True), "team__name", "title", "id"),
        limit,
        total=total.items - total.linked_items,
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
# One pass over the work done or decided in the period (an index range each: see the indexes
# planning_wp_done_idx and planning_wp_decided_idx), then the per-team rows, their total and the
# weeks from it. Rows: (part, team id, team name, week, measures…); part 0 the total, 1 a team,
# 2 a week (finished, points).
DELIVERY_SQL = f"""
    WITH wp AS MATERIALIZED (
        SELECT wp.team_id, wp.estimate, wp.due_date, wp.decision,
               ({DONE_IN}) AS done, ({DECIDED_IN}) AS decided,
               {CYCLE_DAYS} AS cycle,
               (wp.finished_at AT TIME ZONE %(tz)s)::date AS finished_day,
               date_trunc('week', wp.finished_at AT TIME ZONE %(tz)s)::date AS week
        FROM planning_workpackage wp
        WHERE wp.organization_id = %(org)s AND {TEAM_SQL}
          AND (({DONE_IN}) OR ({DECIDED_IN}))
    ),
    weeks AS ({WEEKS_SQL}),
    done_weeks AS (
        SELECT week, count(*) AS finished, coalesce(sum(estimate), 0) AS points
        FROM wp WHERE done GROUP BY week
    )
    (
        SELECT CASE WHEN GROUPING(t.id, t.name) = 0 THEN 1 ELSE 0 END AS part,
            t.id, t.name, NULL::date AS week,
            count(*) FILTER (WHERE w.done),
            coalesce(sum(w.estimate) FILTER (WHERE w.done), 0)::int,
            percentile_cont(ARRAY[0.5, 0.85]) WITHIN GROUP (ORDER BY w.cycle)
                FILTER (WHERE w.done AND w.cycle IS NOT NULL),
            count(*) FILTER (WHERE w.done AND w.due_date IS NOT NULL),
            count(*) FILTER (WHERE w.done AND w.finished_day <= w.due_date),
            count(*) FILTER (WHERE w.decided AND w.decision = 'continue'),
            count(*) FILTER (WHERE w.decided AND w.decision = 'revise'),
            count(*) FILTER (WHERE w.decided AND w.decision = 'stop')
        FROM wp w JOIN core_team t ON t.id = w.team_id
        GROUP BY GROUPING SETS ((t.id, t.name), ())
    )
    UNION ALL
    (
        SELECT 2, NULL, NULL, weeks.week, coalesce(d.finished, 0), coalesce(d.points, 0)::int,
            NULL, NULL, NULL, NULL, NULL, NULL
        FROM weeks LEFT JOIN done_weeks d ON d.week = weeks.week
    )
    ORDER BY part, name, week
"""  # noqa: S608 - constant fragments of this module; values are parameters


def _delivery_row(row: tuple) -> DeliveryRow:
    """(team id, team name, finished, points, [median, p85] cycle days, with a due date, on
    time, continued, revised, stopped)."""
    median, p85 = row[4] if row[4] is not None else (None, None)
    return DeliveryRow(
        team_id=row[0],
        team_name=row[1] or "",
        finished=row[2],
        finished_points=row[3],
        cycle_median_days=round(median, 1) if median is not None else None,
        cycle_p85_days=round(p85, 1) if p85 is not None else None,
        with_due_date=row[5],
        on_time=row[6],
        continued=row[7],
        revised=row[8],
        stopped=row[9],
    )


def delivery(
    *,
    membership: Membership,
    team: Team | None = None,
    weeks: int = DEFAULT_WEEKS,
    today: date | None = None,
) -> Delivery:
    """How the tactical layer delivers, per team. One query, whatever the organization's size."""
    period = period_for(membership=membership, weeks=weeks, today=today)
    params = {**period.sql, "org": membership.organization_id, "team": team.pk if team else None}
    total, teams = DeliveryRow(team_id=None, team_name="All teams"), []
    weekly: list[WeekThroughput] = []
    for part, team_id, team_name, week, *measures in _rows(DELIVERY_SQL, params):
        if part == 0:
            total = _delivery_row((None, "All teams", *measures))
        elif part == 1:
            teams.append(_delivery_row((team_id, team_name, *measures)))
        else:
            weekly.append(WeekThroughput(week=week, finished=measures[0], points=measures[1]))
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
