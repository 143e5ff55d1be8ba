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
from django.db.models import Count, Exists, OuterRef, Q, Window
from django.utils import timezone

from core.errors import DomainValidationError
from core.models import Membership, Team
from okrs import rules
from okrs import selectors as okr_selectors
from okrs.models import Cycle
from planning import selectors as planning_selectors
from planning.models import Initiative, StrategicObjective, WorkPackage

WPStatus = WorkPackage.Status
COMMITTED = (WPStatus.READY, WPStatus.IN_PROGRESS)
MAP_STRATEGY_STATUSES = (StrategicObjective.Status.ACTIVE, StrategicObjective.Status.DRAFT)
INITIATIVE_WORK_LIMIT = 25  # work packages shown when an initiative is expanded
TREND_OBJECTIVE_LIMIT = 24  # objectives charted on one trends page; a team filter narrows it


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
        self.total += other.total
        self.intention += other.intention
        self.ready += other.ready
        self.in_progress += other.in_progress
        self.done += other.done
        self.stopped += other.stopped
        self.points += other.points
        self.overdue += other.overdue


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


def dashboard_filters(
    *,
    membership: Membership,
    cycle_id: str = "",
    team_id: str = "",
    cycles: list[Cycle] | None = None,
) -> Filters:
    """The dashboards' filters from a GET query, the same for pages and the API: ``cycle`` (the
    current one when left out) and ``team`` (every team when left out). An id that is malformed
    or of another organization names its field. ``cycles``: the organization's cycles when the
    caller has them (a page's filter lists them), to pick from without asking again."""
    cycle = None
    if cycle_id:
        try:
            pk = uuid.UUID(cycle_id)
            if cycles is not None:
                cycle = next((c for c in cycles if c.pk == pk), None)
                if cycle is None:
                    raise Cycle.DoesNotExist
            else:
                cycle = okr_selectors.cycle_get(membership=membership, cycle_id=pk)
        except (ValueError, ObjectDoesNotExist) as exc:
            raise DomainValidationError(
                {"cycle": "No such OKR cycle in this organization."}
            ) from exc
    else:
        today = org_today(membership, timezone.now())
        if cycles is not None:
            cycle = current_cycle_of(cycles, today)
        else:
            cycle = okr_selectors.cycle_current(membership=membership, today=today)
    team = None
    if team_id:
        try:
            team = Team.objects.get(
                organization_id=membership.organization_id, pk=uuid.UUID(team_id)
            )
        except (ValueError, ObjectDoesNotExist) as exc:
            raise DomainValidationError({"team": "No such team in this organization."}) from exc
    return Filters(cycle=cycle, team=team)


_CYCLE_FIELDS = [f.attname for f in Cycle._meta.concrete_fields]
_FILTER_CYCLES_SQL = f"""
SELECT {", ".join(_CYCLE_FIELDS)} FROM okrs_cycle
WHERE organization_id = %s
ORDER BY start_date DESC, name
"""  # noqa: S608 - the model's own column names
_FILTER_TEAMS_SQL = """
SELECT id, name FROM core_team
WHERE organization_id = %s AND archived_at IS NULL
ORDER BY name
"""


def filter_choices(*, membership: Membership) -> tuple[list[Cycle], list[dict[str, Any]]]:
    """What a dashboard's filter offers: the organization's cycles (okrs.selectors.cycle_list,
    as Cycle rows) and its teams that are not archived, by name, as ``{"pk", "name"}`` rows (a
    name and an id are all the filter shows). Two plain statements, whatever the number of
    teams."""
    with connection.cursor() as cursor:
        cursor.execute(_FILTER_CYCLES_SQL, [membership.organization_id])
        cycles = [Cycle.from_db(cursor.db.alias, _CYCLE_FIELDS, row) for row in cursor.fetchall()]
        cursor.execute(_FILTER_TEAMS_SQL, [membership.organization_id])
        teams = [{"pk": pk, "name": name} for pk, name in cursor.fetchall()]
    return cycles, teams


def current_cycle_of(cycles: list[Cycle], today: date) -> Cycle | None:
    """okrs.selectors.cycle_current's choice among the organization's ``cycles``, made without
    a query: the active one running today, else another active one, else the next one being
    planned, else the latest closed; the latest start first among equals."""

    def rank(cycle: Cycle) -> tuple[int, int]:
        if cycle.status == Cycle.Status.ACTIVE:
            running = cycle.start_date <= today <= cycle.end_date
            order = 0 if running else 1
        else:
            order = 2 if cycle.status == Cycle.Status.PLANNING else 3
        return order, -cycle.start_date.toordinal()

    return min(cycles, key=rank, default=None)


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
    key_results_shown: bool = True  # False: counted only (a large branch's team objectives)
    more_team_objectives: int = 0  # cascading from it, beyond those listed

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
    serve no strategic objective.

    The map shows every node with its rolled-up figures; ``objectives`` and ``initiatives`` are
    filled only when the branch is ``expanded`` (strategy_branch, or strategy_map(expand=…)),
    so a large organization's map never loads the whole tree at once."""

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
    objective_count: int = 0  # shown objectives serving it (team objectives included)
    key_result_count: int = 0
    stale_count: int = 0  # key results with a stale check-in (active cycle only)
    initiative_count: int = 0
    health_counts: dict[str, int] = field(default_factory=dict)
    expanded: bool = False

    @property
    def health_label(self) -> str:
        return _health_label(self.health)

    @property
    def key(self) -> str:
        """How a branch is asked for: its id, or "none" for the objectives serving none."""
        return self.id or NO_STRATEGY


NO_STRATEGY = "none"  # strategy_map(expand=NO_STRATEGY): the objectives serving none
# A branch with up to this many objectives shows all of them with their key results; a larger
# one shows its top objectives with their key results and, beneath each, the first
# BRANCH_TEAM_OBJECTIVES team objectives with their figures (the rest counted, one click away).
BRANCH_OBJECTIVES_IN_FULL = 25
BRANCH_TEAM_OBJECTIVES = 5


def _count_below(node: ObjectiveNode) -> int:
    return sum(1 + _count_below(child) for child in node.team_objectives)


NO_SUCH_BRANCH = "No such strategic objective on this map."


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


def _health_counts() -> dict[str, int]:
    return {h.value: 0 for h in rules.Health}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _objective_health(
    figures: okr_selectors.ObjectiveFigures, *, expected: float | None, cycle: Cycle
) -> str | None:
    if cycle.status == Cycle.Status.PLANNING:
        return None
    return rules.health(
        progress=figures.progress, expected=expected or 0.0, confidence=figures.confidence
    )


@dataclass
class _Rollup:
    """What a strategy node shows of the objectives serving it."""

    progress: list[float] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
    objectives: int = 0
    key_results: int = 0
    stale: int = 0
    health_counts: dict[str, int] = field(default_factory=_health_counts)

    def add(
        self, figures: okr_selectors.ObjectiveFigures, health: str | None, active: bool
    ) -> None:
        self.objectives += 1
        self.key_results += figures.key_result_count
        self.stale += figures.stale_count if active else 0
        if figures.progress is not None:
            self.progress.append(figures.progress)
        if figures.confidence is not None:
            self.confidence.append(figures.confidence)
        if health:
            self.health_counts[health] += 1


def _node(
    so: StrategicObjective | None,
    rollup: _Rollup,
    work: WorkCounts,
    initiative_count: int,
    *,
    cycle: Cycle | None,
    expected: float | None,
) -> StrategyNode:
    progress = _mean(rollup.progress)
    confidence = _mean(rollup.confidence)
    health = None
    if cycle is not None and cycle.status != Cycle.Status.PLANNING and progress is not None:
        health = rules.health(progress=progress, expected=expected or 0.0, confidence=confidence)
    return StrategyNode(
        id=str(so.pk) if so else None,
        statement=so.statement if so else "Objectives that serve no strategic objective",
        priority=so.priority if so else None,
        status=so.status if so else "",
        trade_offs=list(so.trade_offs) if so else [],
        progress=progress,
        confidence=confidence,
        health=health,
        objectives=[],
        initiatives=[],
        work=work,
        objective_count=rollup.objectives,
        key_result_count=rollup.key_results,
        stale_count=rollup.stale,
        initiative_count=initiative_count,
        health_counts=rollup.health_counts,
    )


def _initiatives(org_id, team: Team | None) -> Any:
    initiatives = Initiative.objects.filter(
        organization_id=org_id, strategic_objective__status__in=MAP_STRATEGY_STATUSES
    )
    if team is not None:
        initiatives = initiatives.filter(
            Q(teams=team) | Exists(WorkPackage.objects.filter(initiative=OuterRef("pk"), team=team))
        )
    return initiatives


# The work's counts from the read model (okrs.models.InitiativeWork), by initiative or by the
# strategic objective of the initiative (NULL: supporting none), what is overdue included:
# committed work due in the weeks before this one (its rows' ``due_week``) and this week before
# today (its weekday columns up to yesterday's).
_WORK_COUNTS_SQL = """
SELECT {key}, sum(w.total), sum(w.intention), sum(w.ready), sum(w.in_progress), sum(w.done),
    sum(w.stopped), sum(w.points),
    sum(CASE WHEN w.due_week < %(week)s THEN w.ready + w.in_progress
        WHEN w.due_week = %(week)s THEN {due_this_week} ELSE 0 END)
FROM okrs_initiativework w {join}
WHERE w.organization_id = %(org)s {where}
GROUP BY {key}
"""
_BY_INITIATIVE = ("w.initiative_id", "")
_BY_STRATEGY = (
    "i.strategic_objective_id",
    "LEFT JOIN planning_initiative i ON i.id = w.initiative_id",
)
_WEEKDAYS = ("due_mon", "due_tue", "due_wed", "due_thu", "due_fri", "due_sat", "due_sun")


def _work_counts(
    org_id,
    team: Team | None,
    today: date,
    initiatives: list[Any] | None = None,
    *,
    by: tuple[str, str] = _BY_INITIATIVE,
) -> dict[Any, WorkCounts]:
    """Counts of the organization's work (``team``'s, of ``initiatives``) by initiative, or
    ``by=_BY_STRATEGY`` by strategic objective (None: supporting no initiative). One query, over
    the read model's rows rather than every work package."""
    params: dict[str, Any] = {
        "org": org_id,
        "today": today,
        "week": today - timedelta(days=today.weekday()),
    }
    where = []
    if team is not None:
        params["team"] = team.pk
        where.append("AND w.team_id = %(team)s")
    if initiatives is not None:
        params["initiatives"] = initiatives
        where.append("AND w.initiative_id = ANY(%(initiatives)s::uuid[])")
    key, join = by
    with connection.cursor() as cursor:
        sql = _WORK_COUNTS_SQL.format(
            key=key,
            join=join,
            due_this_week=" + ".join(f"w.{d}" for d in _WEEKDAYS[: today.weekday()]) or "0",
            where=" ".join(where),
        )
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        group: WorkCounts(
            total=total,
            intention=intention,
            ready=ready,
            in_progress=in_progress,
            done=done,
            stopped=stopped,
            points=points,
            overdue=overdue,
        )
        for (
            group,
            total,
            intention,
            ready,
            in_progress,
            done,
            stopped,
            points,
            overdue,
        ) in rows
    }


def _expected(cycle: Cycle | None, today: date) -> float | None:
    return okr_selectors.cycle_expected(cycle, today) if cycle is not None else None


def _shown_expected(cycle: Cycle | None, expected: float | None) -> float | None:
    """The ideal line is drawn on progress bars of an active cycle only."""
    return expected if cycle is not None and cycle.status == Cycle.Status.ACTIVE else None


def strategy_map(
    *,
    membership: Membership,
    cycle: Cycle | None,
    team: Team | None = None,
    now: datetime | None = None,
    expand: str | None = None,
) -> StrategyMap:
    """Strategic objectives, each with the figures of the cycle's objectives serving it and the
    counts of its initiatives' work (from the read model okrs.models.InitiativeWork), rolled up
    by PostgreSQL: the top of the tree. Four queries,
    whatever the size of the organization. ``expand`` (a strategic objective's id, or
    NO_STRATEGY) fills that one branch too, with strategy_branch's queries; one not on the map
    is a DomainValidationError naming ``strategic_objective``."""
    now = now or timezone.now()
    today = org_today(membership, now)
    org_id = membership.organization_id

    strategies = list(
        StrategicObjective.objects.filter(
            organization_id=org_id, status__in=MAP_STRATEGY_STATUSES
        ).order_by("priority", "statement")
    )
    expected = _expected(cycle, today)
    rollups: dict[Any, _Rollup] = {}
    health_counts = _health_counts()
    objective_count = key_result_count = 0
    if cycle is not None:
        active = cycle.status == Cycle.Status.ACTIVE
        for figures in okr_selectors.objective_figures(
            membership=membership, cycle=cycle, team=team, now=now
        ):
            health = _objective_health(figures, expected=expected, cycle=cycle)
            rollup = rollups.get(figures.serves)
            if rollup is None:
                rollup = rollups[figures.serves] = _Rollup()
            rollup.add(figures, health, active)
            objective_count += 1
            key_result_count += figures.key_result_count
            if health:
                health_counts[health] += 1

    initiative_counts: dict[Any, int] = dict(
        _initiatives(org_id, team)
        .order_by()
        .values("strategic_objective_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("strategic_objective_id", "n")
    )
    # By strategic objective: those not on the map are left out below. With a team, its work in
    # an initiative puts the initiative on the map (_initiatives), so no work is left out twice.
    work_by_strategy = _work_counts(org_id, team, today, by=_BY_STRATEGY)
    unlinked = work_by_strategy.pop(None, WorkCounts())

    groups = [
        _node(
            so,
            rollups.get(so.pk, _Rollup()),
            work_by_strategy.get(so.pk, WorkCounts()),
            initiative_counts.get(so.pk, 0),
            cycle=cycle,
            expected=expected,
        )
        for so in strategies
    ]
    if team is not None:  # only the strategy this team's objectives or work touch
        groups = [g for g in groups if g.objective_count or g.initiative_count]
    if None in rollups:
        groups.append(_node(None, rollups[None], WorkCounts(), 0, cycle=cycle, expected=expected))

    linked = WorkCounts()
    for g in groups:
        linked.add(g.work)
    if expand is not None:
        try:
            key = expand if expand == NO_STRATEGY else str(uuid.UUID(str(expand)))
        except ValueError as exc:
            raise DomainValidationError({"strategic_objective": NO_SUCH_BRANCH}) from exc
        wanted = next((g for g in groups if g.key == key), None)
        if wanted is None:
            raise DomainValidationError({"strategic_objective": NO_SUCH_BRANCH})
        branch = strategy_branch(
            membership=membership, cycle=cycle, team=team, strategic_objective=key, now=now
        )
        wanted.objectives = branch.strategy.objectives
        wanted.initiatives = branch.strategy.initiatives
        wanted.expanded = True
    return StrategyMap(
        cycle=cycle,
        team=team,
        expected=_shown_expected(cycle, expected),
        strategies=groups,
        unlinked_work=unlinked,
        objective_count=objective_count,
        key_result_count=key_result_count,
        health_counts=health_counts,
        linked_work=linked,
    )


@dataclass
class StrategyBranch:
    """One strategic objective of the map, expanded: what the page swaps in when it is opened."""

    cycle: Cycle | None
    team: Team | None
    expected: float | None  # as StrategyMap.expected
    strategy: StrategyNode


_KEY_RESULTS_SQL = f"""
SELECT kr.id, kr.objective_id, kr.title, COALESCE(NULLIF(u.full_name, ''), u.email, ''),
    kr.unit, COALESCE(ci.value, kr.start_value)::float, kr.start_value::float,
    kr.target_value::float,
    {okr_selectors.KEY_RESULT_PROGRESS_SQL},
    ci.confidence, ci.checked_in_at, kr.created_at,
    (SELECT COUNT(*) FROM okrs_contribution w WHERE w.key_result_id = kr.id)
FROM okrs_keyresult kr
LEFT JOIN core_user u ON u.id = kr.owner_id
{okr_selectors.LATEST_CHECK_IN_SQL}
WHERE kr.organization_id = %(org)s AND kr.objective_id = ANY(%(objectives)s::uuid[])
ORDER BY kr.created_at, kr.id
"""  # noqa: S608 - constant SQL fragments; values are parameters


def _branch_strategy(org_id, strategic_objective: str) -> StrategicObjective | None:
    if strategic_objective == NO_STRATEGY:
        return None
    try:
        return StrategicObjective.objects.get(
            organization_id=org_id,
            status__in=MAP_STRATEGY_STATUSES,
            pk=uuid.UUID(str(strategic_objective)),
        )
    except (ValueError, ObjectDoesNotExist) as exc:
        raise DomainValidationError({"strategic_objective": NO_SUCH_BRANCH}) from exc


def _key_result_nodes(
    org_id, nodes: dict[Any, ObjectiveNode], *, cycle: Cycle, expected: float | None, now
) -> None:
    """The key results of ``nodes``, each put under its objective. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_KEY_RESULTS_SQL, {"org": org_id, "objectives": list(nodes)})
        rows = cursor.fetchall()
    active = cycle.status == Cycle.Status.ACTIVE
    measured = cycle.status != Cycle.Status.PLANNING
    for (
        kr_id,
        objective_id,
        title,
        owner,
        unit,
        current,
        start,
        target,
        progress,
        confidence,
        last_check_in_at,
        created_at,
        contributing,
    ) in rows:
        nodes[objective_id].key_results.append(
            KeyResultNode(
                id=str(kr_id),
                title=title,
                owner=owner,
                unit=unit,
                current_value=current,
                start_value=start,
                target_value=target,
                progress=progress,
                confidence=confidence,
                confidence_band=rules.confidence_band(confidence),
                health=rules.health(
                    progress=progress, expected=expected or 0.0, confidence=confidence
                )
                if measured
                else None,
                is_stale=active
                and rules.is_stale(
                    last_check_in_at=last_check_in_at, created_at=created_at, now=now
                ),
                last_check_in_at=last_check_in_at,
                contributing_work=contributing,
            )
        )


def _initiative_nodes(
    org_id, so: StrategicObjective, team: Team | None, today: date
) -> list[InitiativeNode]:
    """A strategic objective's initiatives (those of ``team``, or with its work) with the
    counts of their work. Two queries."""
    rows = list(
        _initiatives(org_id, team)
        .filter(strategic_objective=so)
        .annotate(team_names=ArrayAgg("teams__name", distinct=True, default=[]))
        .select_related("owner")
        .order_by("start_date", "title")
    )
    counts = _work_counts(org_id, team, today, [i.pk for i in rows]) if rows else {}
    return [
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
        for i in rows
    ]


def strategy_branch(
    *,
    membership: Membership,
    cycle: Cycle | None,
    team: Team | None = None,
    strategic_objective: str,
    now: datetime | None = None,
) -> StrategyBranch:
    """One branch of the map: a strategic objective (by id, or NO_STRATEGY for the objectives
    that serve none) with the cycle's objectives serving it, their key results and cascading
    team objectives (outcome), and its initiatives with the counts of their work (activity).
    Its figures are the map's for the same node. At most five queries whatever the size of the
    organization; an id that is malformed, of another organization or not an active or draft
    strategic objective is a DomainValidationError naming ``strategic_objective``."""
    now = now or timezone.now()
    today = org_today(membership, now)
    org_id = membership.organization_id
    so = _branch_strategy(org_id, strategic_objective)
    expected = _expected(cycle, today)

    rollup = _Rollup()
    nodes: dict[Any, ObjectiveNode] = {}
    rows: list[okr_selectors.ObjectiveFigures] = []
    if cycle is not None:
        active = cycle.status == Cycle.Status.ACTIVE
        rows = okr_selectors.objective_figures(
            membership=membership,
            cycle=cycle,
            team=team,
            serving=so.pk if so else None,
            detail=True,
            now=now,
        )
        for figures in rows:
            health = _objective_health(figures, expected=expected, cycle=cycle)
            rollup.add(figures, health, active)
            nodes[figures.id] = ObjectiveNode(
                id=str(figures.id),
                statement=figures.statement,
                level=figures.level,
                team=figures.team,
                owner=figures.owner,
                progress=figures.progress,
                confidence=figures.confidence,
                confidence_band=rules.confidence_band(figures.confidence),
                health=health,
                key_result_count=figures.key_result_count,
                stale_count=figures.stale_count if active else 0,
            )
    top: list[ObjectiveNode] = []
    for figures in rows:  # team objectives under their parent when it is in the branch
        parent = nodes.get(figures.parent_id) if figures.parent_id else None
        (parent.team_objectives if parent is not None else top).append(nodes[figures.id])
    shown = nodes
    if len(nodes) > BRANCH_OBJECTIVES_IN_FULL:
        # A large branch: the objectives at its top with their key results; beneath each, the
        # first team objectives with their figures (their key results counted, on their page).
        shown = {}
        for objective in top:
            shown[uuid.UUID(objective.id)] = objective
            objective.more_team_objectives = max(
                0, len(objective.team_objectives) - BRANCH_TEAM_OBJECTIVES
            )
            del objective.team_objectives[BRANCH_TEAM_OBJECTIVES:]
            for child in objective.team_objectives:
                child.key_results_shown = False
                child.more_team_objectives = _count_below(child)
                child.team_objectives = []
    if shown and cycle is not None:
        _key_result_nodes(org_id, shown, cycle=cycle, expected=expected, now=now)

    initiatives = _initiative_nodes(org_id, so, team, today) if so is not None else []
    work = WorkCounts()
    for i in initiatives:
        work.add(i.work)
    strategy = _node(so, rollup, work, len(initiatives), cycle=cycle, expected=expected)
    strategy.objectives = top
    strategy.initiatives = initiatives
    strategy.expanded = True
    return StrategyBranch(
        cycle=cycle, team=team, expected=_shown_expected(cycle, expected), strategy=strategy
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


# The objectives charted (the first ``limit`` of the cycle's, or of a team's, in the board's order,
# with how many there are in all) and, for each, the progress of each of its key results as of
# the end of each sample day (its latest check-in by then, normalised to 0..1 and clamped, as
# okrs.selectors.key_result_progress does), then the weighted mean per objective, and the mean
# of the confidences of the key results checked in by then. One row per objective and sample
# day, the objective's columns repeated; an objective without a key result has one row with no
# day. ``n`` numbers the objectives in the order the LIMIT chose them (ties included); the
# samples are sorted before they are summed, so the sums add up in a fixed order.
_TREND_SQL = """
WITH obj AS (
    SELECT shown.*, row_number() OVER () AS n FROM (
        SELECT o.id, o.statement, o.level, COALESCE(t.name, '') AS team,
            COUNT(*) OVER () AS total
        FROM okrs_objective o
        LEFT JOIN core_team t ON t.id = o.team_id
        WHERE o.organization_id = %(org)s AND o.cycle_id = %(cycle)s {team}
        ORDER BY o.level, t.name, o.created_at
        LIMIT %(limit)s
    ) shown
), days AS (
    SELECT d::date AS day FROM unnest(%(days)s::date[]) AS d
), krs AS (
    SELECT kr.id, kr.objective_id, kr.start_value, kr.target_value, kr.weight
    FROM okrs_keyresult kr
    WHERE kr.organization_id = %(org)s AND kr.objective_id = ANY(ARRAY(SELECT id FROM obj))
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
), series AS MATERIALIZED (
    SELECT objective_id, day,
        SUM(weight * progress)::float / NULLIF(SUM(weight)::float, 0) AS progress,
        AVG(confidence)::float AS confidence
    FROM samples
    GROUP BY objective_id, day
    ORDER BY objective_id, day
)
SELECT obj.id, obj.statement, obj.level, obj.team, obj.total,
    series.day, series.progress, series.confidence
FROM obj
LEFT JOIN series ON series.objective_id = obj.id
ORDER BY obj.n, series.day
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
    check-ins went stale. Two queries, whatever the number of objectives and check-ins: the
    objectives with their series, and the stale key results."""
    now = now or timezone.now()
    today = org_today(membership, now)
    if cycle is None:
        return OkrTrends(None, team, [], [], 0, [])
    days = trend_days(cycle, today)
    with connection.cursor() as cursor:
        cursor.execute(
            _TREND_SQL.format(team="AND o.team_id = %(team)s" if team is not None else ""),
            {
                "org": membership.organization_id,
                "cycle": cycle.pk,
                "team": team.pk if team is not None else None,
                "limit": limit,
                "days": days,
                "tz": membership.organization.timezone,
            },
        )
        rows = cursor.fetchall()
    trends: list[ObjectiveTrend] = []
    current_id = None
    for objective_id, statement, level, team_name, _total, day, progress, confidence in rows:
        if objective_id != current_id:
            current_id = objective_id
            trends.append(
                ObjectiveTrend(
                    id=str(objective_id),
                    statement=statement,
                    level=level,
                    team=team_name,
                    points=[],
                )
            )
        if day is not None:
            trends[-1].points.append(TrendPoint(day=day, progress=progress, confidence=confidence))
    return OkrTrends(
        cycle=cycle,
        team=team,
        sample_days=days,
        objectives=trends,
        objective_total=rows[0][4] if rows else 0,
        stale=stale_key_results(membership=membership, cycle=cycle, team=team, now=now),
    )


_STALE_SQL = f"""
SELECT kr.id, kr.title, kr.objective_id, o.statement, COALESCE(t.name, ''),
    COALESCE(NULLIF(u.full_name, ''), u.email, ''), ci.checked_in_at,
    COALESCE(ci.checked_in_at, kr.created_at) AS touched,
    {okr_selectors.KEY_RESULT_PROGRESS_SQL}
FROM okrs_keyresult kr
JOIN okrs_objective o ON o.id = kr.objective_id
LEFT JOIN core_team t ON t.id = o.team_id
LEFT JOIN core_user u ON u.id = kr.owner_id
{okr_selectors.LATEST_CHECK_IN_SQL}
WHERE kr.organization_id = %(org)s AND o.organization_id = %(org)s AND o.cycle_id = %(cycle)s
    {{team}}
    AND COALESCE(ci.checked_in_at, kr.created_at) < %(cutoff)s
ORDER BY touched, kr.title, kr.id
"""  # noqa: S608 - constant SQL fragments; values are parameters


def stale_key_results(
    *, membership: Membership, cycle: Cycle, team: Team | None = None, now: datetime | None = None
) -> list[StaleKeyResult]:
    """Key results of an active cycle with no check-in for longer than okrs.rules.STALE_AFTER
    (counted from when they were set if they never had one), the longest silent first. One
    query: the latest check-in of each key result read from its index (as the selectors'
    progress formula, okrs.selectors.key_result_progress)."""
    now = now or timezone.now()
    if cycle.status != Cycle.Status.ACTIVE:
        return []
    params: dict[str, Any] = {
        "org": membership.organization_id,
        "cycle": cycle.pk,
        "cutoff": now - rules.STALE_AFTER,
        "team": team.pk if team is not None else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _STALE_SQL.format(team="AND o.team_id = %(team)s" if team is not None else ""), params
        )
        rows = cursor.fetchall()
    return [
        StaleKeyResult(
            id=str(kr_id),
            title=title,
            objective_id=str(objective_id),
            objective=objective,
            team=team_name,
            owner=owner,
            last_check_in_at=last_check_in_at,
            days_since=(now - touched).days,
            progress=progress,
        )
        for (
            kr_id,
            title,
            objective_id,
            objective,
            team_name,
            owner,
            last_check_in_at,
            touched,
            progress,
        ) in rows
    ]
