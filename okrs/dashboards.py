"""Read models of the strategy dashboards: the strategy map and the OKR trends.

Each dashboard's numbers come from one function here, which the page and its
``/api/v1/dashboards/<name>/`` endpoint both call, so the two can never disagree. Every function
runs a fixed number of queries whatever the size of the organization: figures are aggregates and
correlated subqueries computed by PostgreSQL (okrs.selectors' progress formula), and the Python
here only arranges the rows it got into a tree.

The question every dashboard answers: is the work adding up to the strategy, or is it motion
without direction? Outcome measures (progress, confidence, health) and activity (counts of work)
are kept in separate fields, and the pages show them apart.
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import DomainValidationError
from core.models import Membership, Team
from okrs import rules
from okrs import selectors as okr_selectors
from okrs.models import Contribution, Cycle, Objective
from planning import selectors as planning_selectors
from planning.models import Initiative, StrategicObjective, WorkPackage

WPStatus = WorkPackage.Status
COMMITTED = (WPStatus.READY, WPStatus.IN_PROGRESS)
MAP_STRATEGY_STATUSES = (StrategicObjective.Status.ACTIVE, StrategicObjective.Status.DRAFT)
INITIATIVE_WORK_LIMIT = 25  # work packages shown when an initiative is expanded
TREND_OBJECTIVE_LIMIT = 40  # objectives charted on one trends page; a team filter narrows it


# --- shared pieces -------------------------------------------------------------------------


@dataclass
class WorkCounts:
    """Activity, not outcome: how much work there is and where it stands."""

    total: int = 0
    intention: int = 0
    ready: int = 0
    in_progress: int = 0
    done: int = 0
    stopped: int = 0
    points: int = 0
    overdue: int = 0

    @property
    def open(self) -> int:
        return self.intention + self.ready + self.in_progress

    @property
    def done_share(self) -> float | None:
        """Share of the work that is done, stopped work left out (planning.selectors' rule)."""
        counted = self.total - self.stopped
        return self.done / counted if counted else None

    @property
    def breakdown(self) -> list[tuple[str, str, int, float]]:
        """(status, label, count, share of all) for each status, for the stacked status bar."""
        return [
            (
                value,
                label,
                getattr(self, value),
                getattr(self, value) / self.total if self.total else 0.0,
            )
            for value, label in WPStatus.choices
        ]

    def add(self, other: WorkCounts) -> None:
        for name in (
            "total",
            "intention",
            "ready",
            "in_progress",
            "done",
            "stopped",
            "points",
            "overdue",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _work_count_aggregates(today: date) -> dict[str, Any]:
    return {
        "total": Count("pk"),
        **{s: Count("pk", filter=Q(status=s)) for s in WPStatus.values},
        "points": Coalesce(Sum("estimate"), Value(0), output_field=IntegerField()),
        "overdue": Count("pk", filter=Q(status__in=COMMITTED, due_date__lt=today)),
    }


def org_today(membership: Membership, now: datetime) -> date:
    """The organization's today: the page (in the organization's time zone) and the API (in
    UTC) judge the same day."""
    return now.astimezone(zoneinfo.ZoneInfo(membership.organization.timezone)).date()


def _health_label(value: str | None) -> str:
    return rules.Health(value).label if value else "Not measured"


@dataclass
class Filters:
    cycle: Cycle | None
    team: Team | None


def dashboard_filters(*, membership: Membership, cycle_id: str = "", team_id: str = "") -> Filters:
    """The dashboards' filters from a GET query, the same for pages and the API: ``cycle`` (the
    current one when left out) and ``team`` (every team when left out). An id that is malformed
    or of another organization names its field."""
    cycle = None
    if cycle_id:
        try:
            cycle = okr_selectors.cycle_get(membership=membership, cycle_id=uuid.UUID(cycle_id))
        except (ValueError, ObjectDoesNotExist) as exc:
            raise DomainValidationError(
                {"cycle": "No such OKR cycle in this organization."}
            ) from exc
    else:
        cycle = okr_selectors.cycle_current(
            membership=membership, today=org_today(membership, timezone.now())
        )
    team = None
    if team_id:
        try:
            team = Team.objects.get(
                organization_id=membership.organization_id, pk=uuid.UUID(team_id)
            )
        except (ValueError, ObjectDoesNotExist) as exc:
            raise DomainValidationError({"team": "No such team in this organization."}) from exc
    return Filters(cycle=cycle, team=team)


# --- the strategy map ----------------------------------------------------------------------


@dataclass
class KeyResultNode:
    id: str
    title: str
    owner: str
    unit: str
    current_value: float
    start_value: float
    target_value: float
    progress: float
    confidence: int | None
    confidence_band: str | None
    health: str | None
    is_stale: bool
    last_check_in_at: datetime | None
    contributing_work: int


@dataclass
class ObjectiveNode:
    id: str
    statement: str
    level: str
    team: str
    owner: str
    progress: float | None
    confidence: float | None
    confidence_band: str | None
    health: str | None
    key_result_count: int
    stale_count: int
    key_results: list[KeyResultNode] = field(default_factory=list)
    team_objectives: list[ObjectiveNode] = field(default_factory=list)

    @property
    def health_label(self) -> str:
        return _health_label(self.health)


@dataclass
class InitiativeNode:
    id: str
    title: str
    status: str
    owner: str
    teams: list[str]
    start_date: date | None
    end_date: date | None
    work: WorkCounts


@dataclass
class StrategyNode:
    """A strategic objective with the cycle's objectives that serve it (outcome) and its
    initiatives with their work (activity). ``id`` is None for the group of objectives that
    serve no strategic objective."""

    id: str | None
    statement: str
    priority: int | None
    status: str
    trade_offs: list[str]
    progress: float | None  # mean progress of the shown objectives serving it
    confidence: float | None
    health: str | None
    objectives: list[ObjectiveNode]
    initiatives: list[InitiativeNode]
    work: WorkCounts

    @property
    def health_label(self) -> str:
        return _health_label(self.health)


@dataclass
class StrategyMap:
    cycle: Cycle | None
    team: Team | None
    expected: float | None  # where the ideal line stands today, in an active cycle
    strategies: list[StrategyNode]
    unlinked_work: WorkCounts  # work supporting no initiative: motion without direction
    objective_count: int
    key_result_count: int
    health_counts: dict[str, int]
    linked_work: WorkCounts = field(default_factory=WorkCounts)

    @property
    def linked_share(self) -> float | None:
        """Share of the open work that supports a strategic objective (through an initiative)."""
        open_total = self.linked_work.open + self.unlinked_work.open
        return self.linked_work.open / open_total if open_total else None


def _objective_node(row: Any, *, expected: float | None, cycle: Cycle) -> ObjectiveNode:
    return ObjectiveNode(
        id=str(row.pk),
        statement=row.statement,
        level=row.level,
        team=row.team.name if row.team_id else "",
        owner=row.owner.display_name if row.owner_id else "",
        progress=row.progress,
        confidence=row.confidence,
        confidence_band=rules.confidence_band(row.confidence),
        health=rules.health(
            progress=row.progress, expected=expected or 0.0, confidence=row.confidence
        )
        if cycle.status != Cycle.Status.PLANNING
        else None,
        key_result_count=row.key_result_count,
        stale_count=row.stale_count if cycle.status == Cycle.Status.ACTIVE else 0,
    )


def _strategy_objectives(
    membership: Membership, cycle: Cycle, team: Team | None, now: datetime
) -> Any:
    objectives = okr_selectors.objective_list(membership=membership, cycle=cycle, now=now)
    if team is not None:
        # The team's objectives, and the organization objectives they cascade from as context.
        objectives = objectives.filter(
            Q(team=team)
            | Q(
                pk__in=Subquery(
                    Objective.objects.filter(
                        organization_id=membership.organization_id, cycle=cycle, team=team
                    )
                    .exclude(parent=None)
                    .values("parent_id")
                )
            )
        )
    return objectives


def strategy_map(
    *,
    membership: Membership,
    cycle: Cycle | None,
    team: Team | None = None,
    now: datetime | None = None,
) -> StrategyMap:
    """Strategic objectives → the cycle's objectives and key results → initiatives → counts of
    their work. Five queries, whatever the size of the organization: work packages are counted,
    never loaded (initiative_work loads one initiative's on demand)."""
    now = now or timezone.now()
    today = org_today(membership, now)
    org_id = membership.organization_id

    strategies = list(
        StrategicObjective.objects.filter(
            organization_id=org_id, status__in=MAP_STRATEGY_STATUSES
        ).order_by("priority", "statement")
    )

    objective_rows: list[Any] = []
    kr_rows: list[Any] = []
    expected: float | None = None
    if cycle is not None:
        expected = okr_selectors.cycle_expected(cycle, today)
        objectives = _strategy_objectives(membership, cycle, team, now)
        objective_rows = list(objectives.select_related("parent"))
        contributing = (
            Contribution.objects.filter(key_result=OuterRef("pk"))
            .order_by()
            .values("key_result")
            .annotate(n=Count("pk"))
            .values("n")
        )
        kr_rows = list(
            okr_selectors.key_result_list(membership=membership, cycle=cycle)
            .filter(objective__in=objectives.values("pk"))
            .annotate(
                contributing_work=Coalesce(
                    Subquery(contributing, output_field=IntegerField()), Value(0)
                )
            )
        )

    initiatives = Initiative.objects.filter(
        organization_id=org_id, strategic_objective__status__in=MAP_STRATEGY_STATUSES
    )
    work = WorkPackage.objects.filter(organization_id=org_id)
    if team is not None:
        initiatives = initiatives.filter(
            Q(teams=team) | Exists(WorkPackage.objects.filter(initiative=OuterRef("pk"), team=team))
        )
        work = work.filter(team=team)
    initiative_rows = list(
        initiatives.annotate(team_names=ArrayAgg("teams__name", distinct=True, default=[]))
        .select_related("owner")
        .order_by("start_date", "title")
    )
    counts: dict[Any, WorkCounts] = {}
    for row in work.order_by().values("initiative_id").annotate(**_work_count_aggregates(today)):
        fields: dict[str, Any] = dict(row)
        initiative_id = fields.pop("initiative_id")
        counts[initiative_id] = WorkCounts(**fields)

    # Arrange the rows into the tree (no queries from here on).
    nodes: dict[str, ObjectiveNode] = {}
    serves: dict[str, str | None] = {}
    for row in objective_rows:  # rows only exist when there is a cycle
        nodes[str(row.pk)] = _objective_node(row, expected=expected, cycle=row.cycle)
        so = row.strategic_objective_id or (
            row.parent.strategic_objective_id if row.parent else None
        )
        serves[str(row.pk)] = str(so) if so else None
    for kr in kr_rows:
        stale = bool(
            cycle is not None
            and cycle.status == Cycle.Status.ACTIVE
            and rules.is_stale(
                last_check_in_at=kr.last_check_in_at, created_at=kr.created_at, now=now
            )
        )
        node = nodes.get(str(kr.objective_id))
        if node is None:
            continue
        node.key_results.append(
            KeyResultNode(
                id=str(kr.pk),
                title=kr.title,
                owner=kr.owner.display_name if kr.owner_id else "",
                unit=kr.unit,
                current_value=float(kr.current_value),
                start_value=float(kr.start_value),
                target_value=float(kr.target_value),
                progress=kr.progress,
                confidence=kr.confidence,
                confidence_band=rules.confidence_band(kr.confidence),
                health=rules.health(
                    progress=kr.progress, expected=expected or 0.0, confidence=kr.confidence
                )
                if cycle is not None and cycle.status != Cycle.Status.PLANNING
                else None,
                is_stale=stale,
                last_check_in_at=kr.last_check_in_at,
                contributing_work=kr.contributing_work,
            )
        )
    top_level: dict[str | None, list[ObjectiveNode]] = {}
    all_serving: dict[str | None, list[ObjectiveNode]] = {}
    for row in objective_rows:
        node = nodes[str(row.pk)]
        so_id = serves[str(row.pk)]
        all_serving.setdefault(so_id, []).append(node)
        parent = nodes.get(str(row.parent_id)) if row.parent_id else None
        if parent is not None:
            parent.team_objectives.append(node)
        else:
            top_level.setdefault(so_id, []).append(node)

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    def group(so: StrategicObjective | None) -> StrategyNode:
        key = str(so.pk) if so else None
        serving = all_serving.get(key, [])
        progress = mean([o.progress for o in serving if o.progress is not None])
        confidence = mean([o.confidence for o in serving if o.confidence is not None])
        inits = [
            InitiativeNode(
                id=str(i.pk),
                title=i.title,
                status=i.status,
                owner=i.owner.display_name if i.owner_id else "",
                teams=sorted(n for n in i.team_names if n),
                start_date=i.start_date,
                end_date=i.end_date,
                work=counts.get(i.pk, WorkCounts()),
            )
            for i in initiative_rows
            if so is not None and i.strategic_objective_id == so.pk
        ]
        total = WorkCounts()
        for i in inits:
            total.add(i.work)
        health = None
        if cycle is not None and cycle.status != Cycle.Status.PLANNING and progress is not None:
            health = rules.health(
                progress=progress, expected=expected or 0.0, confidence=confidence
            )
        return StrategyNode(
            id=key,
            statement=so.statement if so else "Objectives that serve no strategic objective",
            priority=so.priority if so else None,
            status=so.status if so else "",
            trade_offs=list(so.trade_offs) if so else [],
            progress=progress,
            confidence=confidence,
            health=health,
            objectives=top_level.get(key, []),
            initiatives=inits,
            work=total,
        )

    groups = [group(so) for so in strategies]
    if team is not None:  # only the strategy this team's objectives or work touch
        groups = [g for g in groups if g.objectives or g.initiatives]
    if top_level.get(None):
        groups.append(group(None))

    linked = WorkCounts()
    for g in groups:
        linked.add(g.work)
    health_counts = {h.value: 0 for h in rules.Health}
    for node in nodes.values():
        if node.health:
            health_counts[node.health] += 1
    return StrategyMap(
        cycle=cycle,
        team=team,
        expected=expected if cycle is not None and cycle.status == Cycle.Status.ACTIVE else None,
        strategies=groups,
        unlinked_work=counts.get(None, WorkCounts()),
        objective_count=len(nodes),
        key_result_count=len(kr_rows),
        health_counts=health_counts,
        linked_work=linked,
    )


@dataclass
class InitiativeWork:
    initiative: Initiative
    work_packages: list[Any]  # WorkPackage rows, with their team and owner
    total: int
    limit: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.work_packages))


def initiative_work(
    *,
    membership: Membership,
    initiative_id,
    team: Team | None = None,
    limit: int = INITIATIVE_WORK_LIMIT,
) -> InitiativeWork:
    """One initiative's work packages, in flight first, at most ``limit`` of them, with the
    total. Two queries; another organization's initiative is DoesNotExist."""
    initiative = Initiative.objects.get(
        organization_id=membership.organization_id, pk=initiative_id
    )
    rows = list(
        planning_selectors.work_package_list(
            membership=membership, initiative=initiative, team=team
        ).annotate(total_rows=Window(Count("pk")))[:limit]
    )
    return InitiativeWork(
        initiative=initiative,
        work_packages=rows,
        total=rows[0].total_rows if rows else 0,
        limit=limit,
    )


# --- OKR trends ----------------------------------------------------------------------------


@dataclass
class TrendPoint:
    day: date
    progress: float | None
    confidence: float | None


@dataclass
class ObjectiveTrend:
    id: str
    statement: str
    level: str
    team: str
    points: list[TrendPoint]

    @property
    def latest(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None


@dataclass
class StaleKeyResult:
    id: str
    title: str
    objective_id: str
    objective: str
    team: str
    owner: str
    last_check_in_at: datetime | None
    days_since: int  # since the latest check-in, or since it was set when there is none
    progress: float


@dataclass
class OkrTrends:
    cycle: Cycle | None
    team: Team | None
    sample_days: list[date]
    objectives: list[ObjectiveTrend]
    objective_total: int  # objectives in the cycle (and team); at most TREND_OBJECTIVE_LIMIT shown
    stale: list[StaleKeyResult]
    stale_after_days: int = rules.STALE_AFTER.days

    @property
    def objectives_hidden(self) -> int:
        return max(0, self.objective_total - len(self.objectives))


def trend_days(cycle: Cycle, today: date) -> list[date]:
    """The days a trend is sampled on: every seventh day from the cycle's start, and the last
    day that has data (today in a running cycle, the end in a closed one), so the final point
    is the figure the board shows now."""
    last = min(today, cycle.end_date) if not cycle.is_closed else cycle.end_date
    if last < cycle.start_date:
        return []
    days = []
    day = cycle.start_date
    while day < last:
        days.append(day)
        day += timedelta(days=7)
    days.append(last)
    return days


# Progress of each key result as of the end of each sample day (its latest check-in by then,
# normalised to 0..1 and clamped, as okrs.selectors.key_result_progress does), then the weighted
# mean per objective, and the mean of the confidences of the key results checked in by then.
_TREND_SQL = """
WITH days AS (
    SELECT d::date AS day FROM unnest(%(days)s::date[]) AS d
), krs AS (
    SELECT kr.id, kr.objective_id, kr.start_value, kr.target_value, kr.weight
    FROM okrs_keyresult kr
    WHERE kr.organization_id = %(org)s AND kr.objective_id = ANY(%(objectives)s::uuid[])
), samples AS (
    SELECT days.day, krs.objective_id, krs.weight, ci.confidence,
        GREATEST(0, LEAST(1,
            (COALESCE(ci.value, krs.start_value) - krs.start_value)
            / NULLIF(krs.target_value - krs.start_value, 0)
        ))::float AS progress
    FROM days CROSS JOIN krs
    LEFT JOIN LATERAL (
        SELECT c.value, c.confidence FROM okrs_checkin c
        WHERE c.key_result_id = krs.id
          AND c.checked_in_at < ((days.day + 1)::timestamp AT TIME ZONE %(tz)s)
        ORDER BY c.checked_in_at DESC, c.created_at DESC
        LIMIT 1
    ) ci ON true
)
SELECT objective_id, day,
    SUM(weight * progress)::float / NULLIF(SUM(weight)::float, 0) AS progress,
    AVG(confidence)::float AS confidence
FROM samples
GROUP BY objective_id, day
ORDER BY objective_id, day
"""


def okr_trends(
    *,
    membership: Membership,
    cycle: Cycle | None,
    team: Team | None = None,
    now: datetime | None = None,
    limit: int = TREND_OBJECTIVE_LIMIT,
) -> OkrTrends:
    """Progress and confidence of each objective over the cycle, and the key results whose
    check-ins went stale. Four queries, whatever the number of objectives and check-ins."""
    now = now or timezone.now()
    today = org_today(membership, now)
    if cycle is None:
        return OkrTrends(None, team, [], [], 0, [])
    objectives = Objective.objects.filter(organization_id=membership.organization_id, cycle=cycle)
    if team is not None:
        objectives = objectives.filter(team=team)
    rows = list(
        objectives.select_related("team")
        .annotate(total_rows=Window(Count("pk")))
        .order_by("level", "team__name", "created_at")[:limit]
    )
    days = trend_days(cycle, today)
    series: dict[str, list[TrendPoint]] = {}
    if rows and days:
        with connection.cursor() as cursor:
            cursor.execute(
                _TREND_SQL,
                {
                    "days": days,
                    "org": membership.organization_id,
                    "objectives": [r.pk for r in rows],
                    "tz": membership.organization.timezone,
                },
            )
            for objective_id, day, progress, confidence in cursor.fetchall():
                series.setdefault(str(objective_id), []).append(
                    TrendPoint(day=day, progress=progress, confidence=confidence)
                )
    trends = [
        ObjectiveTrend(
            id=str(r.pk),
            statement=r.statement,
            level=r.level,
            team=r.team.name if r.team is not None else "",
            points=series.get(str(r.pk), []),
        )
        for r in rows
    ]
    return OkrTrends(
        cycle=cycle,
        team=team,
        sample_days=days,
        objectives=trends,
        objective_total=rows[0].total_rows if rows else 0,
        stale=stale_key_results(membership=membership, cycle=cycle, team=team, now=now),
    )


def stale_key_results(
    *, membership: Membership, cycle: Cycle, team: Team | None = None, now: datetime | None = None
) -> list[StaleKeyResult]:
    """Key results of an active cycle with no check-in for longer than okrs.rules.STALE_AFTER
    (counted from when they were set if they never had one), the longest silent first. One
    query."""
    now = now or timezone.now()
    if cycle.status != Cycle.Status.ACTIVE:
        return []
    cutoff = now - rules.STALE_AFTER
    key_results = okr_selectors.key_result_list(membership=membership, cycle=cycle).filter(
        Q(last_check_in_at__lt=cutoff) | Q(last_check_in_at__isnull=True, created_at__lt=cutoff)
    )
    if team is not None:
        key_results = key_results.filter(objective__team=team)
    rows: list[Any] = list(
        key_results.annotate(touched=Coalesce("last_check_in_at", "created_at")).order_by(
            "touched", "title"
        )
    )
    return [
        StaleKeyResult(
            id=str(kr.pk),
            title=kr.title,
            objective_id=str(kr.objective_id),
            objective=kr.objective.statement,
            team=kr.objective.team.name if kr.objective.team is not None else "",
            owner=kr.owner.display_name if kr.owner_id else "",
            last_check_in_at=kr.last_check_in_at,
            days_since=(now - kr.touched).days,
            progress=kr.progress,
        )
        for kr in rows
    ]
