"""Reads of OKRs and KPIs, always scoped to the caller's organization.

Progress is computed by the database: a key result's current value is its latest check-in (a
correlated subquery on the (key_result, -checked_in_at) index), its progress is normalised to
0..1 in SQL, an objective's progress is the weighted mean of its key results' in one grouped
subquery, and a strategic objective's is the mean of the objectives that serve it. A page runs
the same few queries whether it shows one objective or five hundred. Health is a pure rule
(okrs.rules.health) applied to those numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least, NullIf
from django.utils import timezone

from core.models import Membership
from okrs import rules
from okrs.models import (
    CheckIn,
    Contribution,
    Cycle,
    KeyResult,
    Objective,
    OutcomeMeasure,
    OutcomeMeasureValue,
)
from planning.models import StrategicObjective

VALUE_FIELD = DecimalField(max_digits=18, decimal_places=4)
Level = Objective.Level

# --- progress, in SQL ----------------------------------------------------------------------


def _latest_check_in(column: str, key_result_ref: str = "pk") -> Subquery:
    return Subquery(
        CheckIn.objects.filter(key_result=OuterRef(key_result_ref))
        .order_by("-checked_in_at", "-created_at")
        .values(column)[:1]
    )


def key_result_progress(current) -> Cast:
    """(current - start) / (target - start), clamped to 0..1.

    One formula serves every kind: a decreasing metric has target < start, so the division flips
    the sign; a yes/no result runs from 0 to 1; milestones count steps from start to target. No
    check-in yet means the current value is the start, so progress 0. Overshooting is 1, sliding
    back past the start is 0.
    """
    raw = (Coalesce(current, F("start_value")) - F("start_value")) / NullIf(
        F("target_value") - F("start_value"), Value(0)
    )
    return Cast(Greatest(Value(0), Least(Value(1), raw)), FloatField())


def with_progress(key_results: QuerySet[KeyResult]) -> QuerySet[KeyResult]:
    """Key results with ``current_value``, ``confidence`` and ``last_check_in_at`` of their
    latest check-in, ``check_in_count``, and ``progress`` (0..1)."""
    return key_results.annotate(
        current_value=Coalesce(
            _latest_check_in("value"), F("start_value"), output_field=VALUE_FIELD
        ),
        confidence=_latest_check_in("confidence"),
        last_check_in_at=_latest_check_in("checked_in_at"),
    ).annotate(progress=key_result_progress(F("current_value")))


def _over_key_results(
    aggregate, output_field, objective_ref: str = "pk", **annotations
) -> Subquery:
    """One aggregate over an objective's key results, as a correlated subquery."""
    rows = (
        KeyResult.objects.filter(objective=OuterRef(objective_ref))
        .annotate(**annotations)
        .values("objective")
        .annotate(result=aggregate)
        .values("result")
    )
    return Subquery(rows, output_field=output_field)


def objective_progress(objective_ref: str = "pk") -> Subquery:
    """Weighted mean of an objective's key results' progress; None when no weight is above 0."""
    return _over_key_results(
        Cast(Sum(F("weight") * F("p")), FloatField())
        / NullIf(Cast(Sum("weight"), FloatField()), Value(0.0)),
        FloatField(),
        objective_ref,
        p=key_result_progress(_latest_check_in("value")),
    )


def with_objective_figures(
    objectives: QuerySet[Objective], *, now: datetime | None = None
) -> QuerySet[Objective]:
    """Objectives with ``progress``, ``confidence`` (the mean of their key results' latest
    confidences), ``key_result_count`` and ``stale_count`` (key results without a check-in for
    longer than rules.STALE_AFTER)."""
    cutoff = (now or timezone.now()) - rules.STALE_AFTER
    return objectives.annotate(
        progress=objective_progress(),
        confidence=_over_key_results(Avg("c"), FloatField(), c=_latest_check_in("confidence")),
        key_result_count=Coalesce(
            _over_key_results(Count("pk"), IntegerField()), Value(0), output_field=IntegerField()
        ),
        stale_count=Coalesce(
            _over_key_results(
                Count("pk", filter=Q(touched__lt=cutoff)),
                IntegerField(),
                touched=Coalesce(_latest_check_in("checked_in_at"), F("created_at")),
            ),
            Value(0),
            output_field=IntegerField(),
        ),
    )


# --- figures of a whole cycle in one statement ---------------------------------------------
# The same numbers as with_objective_figures, for every objective of a cycle at once: the latest
# check-in of each key result is read once (a LATERAL lookup on the (key_result,
# -checked_in_at) index) instead of once per figure, and rows come back as plain tuples. The
# dashboards and the board roll these up; tests hold the two paths to the same numbers.

ANY = object()  # objective_figures(serving=ANY): whatever strategic objective they serve

# Shared pieces of the raw SQL reads over key results (alias ``kr``): the key result's latest
# check-in as ``ci`` (value, confidence, checked_in_at; covered by the check-in index), and its
# progress from there (what key_result_progress computes in the ORM: 0 to 1, NULL when start
# equals target).
LATEST_CHECK_IN_SQL = """LEFT JOIN LATERAL (
    SELECT c.value, c.confidence, c.checked_in_at FROM okrs_checkin c
    WHERE c.key_result_id = kr.id
    ORDER BY c.checked_in_at DESC, c.created_at DESC
    LIMIT 1
) ci ON true"""
KEY_RESULT_PROGRESS_SQL = """GREATEST(0, LEAST(1,
    (COALESCE(ci.value, kr.start_value) - kr.start_value)
    / NULLIF(kr.target_value - kr.start_value, 0)
))::float"""

_FIGURES_SQL = f"""
WITH obj AS (
    SELECT o.id, o.parent_id, o.level, o.created_at, o.team_id, o.owner_id, o.statement,
        o.grade, COALESCE(o.strategic_objective_id, p.strategic_objective_id) AS serves
    FROM okrs_objective o
    LEFT JOIN okrs_objective p ON p.id = o.parent_id
    WHERE o.organization_id = %(org)s AND o.cycle_id = %(cycle)s {{where}}
), kr AS (
    SELECT kr.objective_id, kr.weight, ci.confidence,
        {KEY_RESULT_PROGRESS_SQL} AS progress,
        COALESCE(ci.checked_in_at, kr.created_at) AS touched
    FROM okrs_keyresult kr
    JOIN obj ON obj.id = kr.objective_id
    {LATEST_CHECK_IN_SQL}
    WHERE kr.organization_id = %(org)s
), figures AS (
    SELECT kr.objective_id,
        SUM(kr.weight * kr.progress)::float / NULLIF(SUM(kr.weight)::float, 0) AS progress,
        AVG(kr.confidence)::float AS confidence,
        COUNT(*) AS key_results,
        COUNT(*) FILTER (WHERE kr.touched < %(cutoff)s) AS stale
    FROM kr GROUP BY kr.objective_id
)
SELECT obj.id, obj.parent_id, obj.serves, obj.level, f.progress, f.confidence,
    COALESCE(f.key_results, 0), COALESCE(f.stale, 0) {{detail_columns}}
FROM obj
LEFT JOIN figures f ON f.objective_id = obj.id {{detail_joins}}
ORDER BY obj.created_at, obj.id
"""  # noqa: S608 - constant SQL fragments; values are parameters
_FIGURES_DETAIL_COLUMNS = (
    ", obj.statement, COALESCE(t.name, ''), COALESCE(NULLIF(u.full_name, ''), u.email, ''),"
    " obj.grade, obj.team_id"
)
_FIGURES_DETAIL_JOINS = (
    "LEFT JOIN core_team t ON t.id = obj.team_id LEFT JOIN core_user u ON u.id = obj.owner_id"
)


@dataclass
class ObjectiveFigures:
    """One objective's figures (as with_objective_figures computes them) and, when read with
    ``detail``, what a list shows of it."""

    id: Any
    parent_id: Any
    serves: Any  # the strategic objective it serves: its own link, else its parent's
    level: str
    progress: float | None
    confidence: float | None
    key_result_count: int
    stale_count: int
    statement: str = ""
    team: str = ""  # the team's name; blank for an organization objective
    owner: str = ""  # the owner's display name; blank when nobody owns it
    grade: Any = None
    team_id: Any = None

    @property
    def pk(self) -> Any:
        return self.id


def objective_figures(
    *,
    membership: Membership,
    cycle: Cycle,
    team=None,
    serving: Any = ANY,
    detail: bool = False,
    now: datetime | None = None,
) -> list[ObjectiveFigures]:
    """Every objective of ``cycle`` with its figures, oldest first, in one query. ``team``: the
    team's objectives and the organization objectives they cascade from (as context).
    ``serving``: only those serving this strategic objective (None: serving none). ``detail``:
    with statement, team, owner and grade."""
    cutoff = (now or timezone.now()) - rules.STALE_AFTER
    params: dict[str, Any] = {
        "org": membership.organization_id,
        "cycle": cycle.pk,
        "cutoff": cutoff,
    }
    where = []
    if team is not None:
        params["team"] = getattr(team, "pk", team)
        where.append(
            "AND (o.team_id = %(team)s OR o.id IN (SELECT c.parent_id FROM okrs_objective c "
            "WHERE c.organization_id = %(org)s AND c.cycle_id = %(cycle)s "
            "AND c.team_id = %(team)s AND c.parent_id IS NOT NULL))"
        )
    if serving is not ANY:
        if serving is None:
            where.append("AND COALESCE(o.strategic_objective_id, p.strategic_objective_id) IS NULL")
        else:
            params["serving"] = getattr(serving, "pk", serving)
            where.append(
                "AND COALESCE(o.strategic_objective_id, p.strategic_objective_id) = %(serving)s"
            )
    sql = _FIGURES_SQL.format(
        where=" ".join(where),
        detail_columns=_FIGURES_DETAIL_COLUMNS if detail else "",
        detail_joins=_FIGURES_DETAIL_JOINS if detail else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [ObjectiveFigures(*row) for row in cursor.fetchall()]


def _serving(strategic_objective) -> Q:
    """Objectives that serve a strategic objective: by their own link, else through their parent."""
    return Q(strategic_objective=strategic_objective) | Q(
        strategic_objective__isnull=True, parent__strategic_objective=strategic_objective
    )


def _decorate(rows: Iterable[Any], *, expected: float, cycle: Cycle, now: datetime) -> None:
    """Attach health and the confidence band the pages and the API show beside the numbers."""
    for row in rows:
        # Where the ideal line stands today: drawn on progress bars of an active cycle only.
        row.expected = expected if cycle.status == Cycle.Status.ACTIVE else None
        row.health = rules.health(
            progress=row.progress, expected=expected, confidence=row.confidence
        )
        row.confidence_band = rules.confidence_band(row.confidence)
        if hasattr(row, "last_check_in_at"):  # a key result
            row.is_stale = cycle.status == Cycle.Status.ACTIVE and rules.is_stale(
                last_check_in_at=row.last_check_in_at, created_at=row.created_at, now=now
            )


def cycle_expected(cycle: Cycle, today: date | None = None) -> float:
    """How far along the ideal line a result should be today (all the way once closed)."""
    if cycle.is_closed:
        return 1.0
    if cycle.status == Cycle.Status.PLANNING:
        return 0.0
    return rules.expected_progress(
        start=cycle.start_date, end=cycle.end_date, today=today or timezone.localdate()
    )


# --- cycles --------------------------------------------------------------------------------


def cycle_list(*, membership: Membership) -> QuerySet[Cycle]:
    return Cycle.objects.filter(organization_id=membership.organization_id).order_by(
        "-start_date", "name"
    )


def cycle_get(*, membership: Membership, cycle_id) -> Cycle:
    return cycle_list(membership=membership).get(pk=cycle_id)


def cycle_current(*, membership: Membership, today: date | None = None) -> Cycle | None:
    """The cycle people mean by "this quarter": the active one running today, else another
    active one, else the next one being planned, else the latest closed."""
    today = today or timezone.localdate()
    rank = Case(
        When(status=Cycle.Status.ACTIVE, start_date__lte=today, end_date__gte=today, then=Value(0)),
        When(status=Cycle.Status.ACTIVE, then=Value(1)),
        When(status=Cycle.Status.PLANNING, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return cycle_list(membership=membership).order_by(rank, "-start_date").first()


def cycle_carry_targets(*, membership: Membership, cycle: Cycle) -> QuerySet[Cycle]:
    """Later cycles that are not closed: where unfinished key results may be carried."""
    return (
        cycle_list(membership=membership)
        .filter(start_date__gt=cycle.start_date)
        .exclude(status=Cycle.Status.CLOSED)
        .exclude(pk=cycle.pk)
        .order_by("start_date")
    )


# --- objectives ----------------------------------------------------------------------------


def objective_list(
    *,
    membership: Membership,
    cycle: Cycle | None = None,
    level: str | None = None,
    team=None,
    strategic_objective=None,
    now: datetime | None = None,
) -> QuerySet[Objective]:
    """Objectives with their figures (see with_objective_figures) and everything a list shows."""
    objectives = Objective.objects.filter(organization_id=membership.organization_id)
    if cycle is not None:
        objectives = objectives.filter(cycle=cycle)
    if level:
        objectives = objectives.filter(level=level)
    if team is not None:
        objectives = objectives.filter(team=team)
    if strategic_objective is not None:
        objectives = objectives.filter(_serving(strategic_objective))
    return with_objective_figures(
        objectives.select_related("cycle", "team", "owner", "strategic_objective", "parent"),
        now=now,
    ).order_by("created_at")


def objective_get(*, membership: Membership, objective_id) -> Objective:
    return (
        with_objective_figures(Objective.objects.all())
        .select_related(
            "cycle",
            "team",
            "owner",
            "strategic_objective",
            "parent",
            "parent__strategic_objective",
            "carried_from__cycle",
        )
        .get(organization_id=membership.organization_id, pk=objective_id)
    )


def objective_parent_choices(*, membership: Membership, cycle: Cycle) -> QuerySet[Objective]:
    """The organization objectives of a cycle: what a team objective may cascade from."""
    return Objective.objects.filter(
        organization_id=membership.organization_id, cycle=cycle, level=Level.ORGANIZATION
    ).order_by("created_at")


BOARD_TEAM_OBJECTIVES = 3  # team objectives shown on an organization objective's card


@dataclass
class StrategyGroup:
    strategic_objective: StrategicObjective | None
    progress: float | None
    objectives: list[Any]


@dataclass
class Board:
    """A cycle's OKR board: organization objectives by the strategy they serve, each with its
    team objectives beneath (the first BOARD_TEAM_OBJECTIVES on the card, the rest counted),
    and the team objectives that cascade from nothing. Objectives are
    objective_figures rows (with detail), decorated with health and the ideal line."""

    cycle: Cycle
    expected: float
    groups: list[StrategyGroup]
    loose: list[Any]
    progress: float | None
    grade: float | None  # the organization objectives' mean grade, once graded
    objective_count: int
    health_counts: dict[str, int] = field(default_factory=dict)
    stale_count: int = 0


def _mean(values: list) -> float | None:
    return sum(values) / len(values) if values else None


def okr_board(*, membership: Membership, cycle: Cycle, now: datetime | None = None) -> Board:
    """Two queries, whatever the number of objectives: every objective of the cycle with its
    figures (objective_figures), and the strategic objectives they serve."""
    now = now or timezone.now()
    expected = cycle_expected(cycle, timezone.localdate(now))
    objectives: list[Any] = objective_figures(
        membership=membership, cycle=cycle, detail=True, now=now
    )
    _decorate(objectives, expected=expected, cycle=cycle, now=now)
    strategies = {
        so.pk: so
        for so in StrategicObjective.objects.filter(
            organization_id=membership.organization_id,
            pk__in={o.serves for o in objectives if o.serves is not None},
        )
    }
    serving: dict[Any, list[float]] = {}
    for objective in objectives:
        if objective.progress is not None:
            serving.setdefault(objective.serves, []).append(objective.progress)
    organization_level = [o for o in objectives if o.level == Level.ORGANIZATION]

    children: dict = {}
    for objective in objectives:
        if objective.parent_id is not None:
            children.setdefault(objective.parent_id, []).append(objective)
    groups: dict = {}
    loose = []
    for objective in objectives:
        team_objectives = children.get(objective.pk, [])
        objective.team_objectives = team_objectives[:BOARD_TEAM_OBJECTIVES]
        objective.more_team_objectives = len(team_objectives) - len(objective.team_objectives)
        if objective.level == Level.ORGANIZATION:
            so = strategies.get(objective.serves)
            if so is None:  # the database refuses an organization objective without one
                continue
            if so.pk not in groups:
                groups[so.pk] = StrategyGroup(so, _mean(serving.get(so.pk, [])), [])
            groups[so.pk].objectives.append(objective)
        elif objective.parent_id is None:
            loose.append(objective)
    ordered = sorted(
        groups.values(),
        key=lambda g: (g.strategic_objective.priority, g.strategic_objective.statement),
    )
    health_counts = {h.value: 0 for h in rules.Health}
    for objective in objectives:
        if objective.health:
            health_counts[objective.health] += 1
    grades = [o.grade for o in organization_level if o.grade is not None]
    return Board(
        cycle=cycle,
        expected=expected,
        groups=ordered,
        loose=loose,
        progress=_mean([o.progress for o in organization_level if o.progress is not None]),
        grade=float(sum(grades) / len(grades)) if grades else None,
        objective_count=len(objectives),
        health_counts=health_counts,
        stale_count=sum(1 for o in objectives if o.stale_count)
        if cycle.status == Cycle.Status.ACTIVE
        else 0,
    )


# --- key results ---------------------------------------------------------------------------


def key_results_for_review(*, membership: Membership, team=None) -> QuerySet[KeyResult]:
    """The key results of the active cycles a review's learning can bear on, by title: in a
    team's review, the team's own and those of the organization objectives its objectives
    serve; in an organization-wide review (no team), the organization objectives'. Only ids and
    titles: a form's choices, not figures."""
    key_results = KeyResult.objects.filter(
        organization_id=membership.organization_id,
        objective__cycle__status=Cycle.Status.ACTIVE,
    )
    if team is None:
        key_results = key_results.filter(objective__level=Objective.Level.ORGANIZATION)
    else:
        served = Objective.objects.filter(
            organization_id=membership.organization_id, team=team, parent__isnull=False
        ).values("parent_id")
        key_results = key_results.filter(Q(objective__team=team) | Q(objective_id__in=served))
    return key_results.only("id", "title").order_by("title", "id")


def key_result_list(
    *,
    membership: Membership,
    objective: Objective | None = None,
    cycle: Cycle | None = None,
    owner=None,
    cycle_status: str | None = None,
    outcome_measure: OutcomeMeasure | None = None,
) -> QuerySet[KeyResult]:
    key_results = KeyResult.objects.filter(organization_id=membership.organization_id)
    if objective is not None:
        key_results = key_results.filter(objective=objective)
    if cycle is not None:
        key_results = key_results.filter(objective__cycle=cycle)
    if outcome_measure is not None:
        key_results = key_results.filter(outcome_measure=outcome_measure)
    if owner is not None:
        key_results = key_results.filter(owner=owner)
    if cycle_status:
        key_results = key_results.filter(objective__cycle__status=cycle_status)
    return with_progress(
        key_results.select_related(
            "owner", "objective", "objective__cycle", "objective__team", "outcome_measure"
        )
    ).order_by("created_at")


@dataclass
class OwnedKeyResult:
    """A key result as a short list shows it: what key_result_list's rows carry for it."""

    id: Any
    title: str
    objective_id: Any
    progress: float | None
    confidence: int | None
    last_check_in_at: datetime | None
    created_at: datetime

    @property
    def pk(self) -> Any:
        return self.id


_OWNED_KEY_RESULTS_SQL = f"""
SELECT kr.id, kr.title, kr.objective_id, {KEY_RESULT_PROGRESS_SQL} AS progress,
    ci.confidence, ci.checked_in_at, kr.created_at
FROM okrs_keyresult kr
JOIN okrs_objective o ON o.id = kr.objective_id
JOIN okrs_cycle cy ON cy.id = o.cycle_id
{LATEST_CHECK_IN_SQL}
WHERE kr.organization_id = %(org)s AND kr.owner_id = %(owner)s AND cy.status = %(status)s
ORDER BY kr.created_at, kr.id
"""  # noqa: S608 - constant SQL fragments; values are parameters


def owned_key_results(
    *, membership: Membership, owner, cycle_status: str = Cycle.Status.ACTIVE
) -> list[OwnedKeyResult]:
    """The key results ``owner`` (a user) owns in cycles of ``cycle_status``, oldest first, with
    progress, confidence and time of their latest check-in: the rows and figures of
    ``key_result_list(owner=…, cycle_status=…)`` in one plain query (the latest check-in read
    once, by LATERAL), without the related rows."""
    params = {
        "org": membership.organization_id,
        "owner": getattr(owner, "pk", owner),
        "status": cycle_status,
    }
    with connection.cursor() as cursor:
        cursor.execute(_OWNED_KEY_RESULTS_SQL, params)
        return [OwnedKeyResult(*row) for row in cursor.fetchall()]


def key_result_get(*, membership: Membership, key_result_id) -> KeyResult:
    return key_result_list(membership=membership).get(pk=key_result_id)


@dataclass
class ObjectivePage:
    objective: Objective
    key_results: list[KeyResult]
    team_objectives: list[Objective]
    advice: list[str]


def objective_page(
    *, membership: Membership, objective_id, now: datetime | None = None
) -> ObjectivePage:
    """An objective with its key results (each with check-ins, contributions, health and advice)
    and the team objectives that cascade from it. Five queries, whatever their number."""
    now = now or timezone.now()
    objective = objective_get(membership=membership, objective_id=objective_id)
    cycle = objective.cycle
    expected = cycle_expected(cycle, timezone.localdate(now))
    key_results: list[Any] = list(
        key_result_list(membership=membership, objective=objective).prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.select_related("author")),
            Prefetch(
                "contributions",
                queryset=Contribution.objects.select_related(
                    "work_package", "work_package__team"
                ).order_by("work_package__title"),
            ),
        )
    )
    _decorate([objective, *key_results], expected=expected, cycle=cycle, now=now)
    for kr in key_results:
        kr.advice = key_result_warnings(kr, now=now)
    team_objectives = list(
        objective_list(membership=membership, cycle=cycle, now=now).filter(parent=objective)
    )
    _decorate(team_objectives, expected=expected, cycle=cycle, now=now)
    return ObjectivePage(objective, key_results, team_objectives, objective_warnings(objective))


def objective_warnings(objective: Any) -> list[str]:
    """Quality advice on an objective read through objective_list or objective_get: what the
    objective page shows and the API returns as ``quality_warnings``."""
    return rules.objective_advice(
        statement=objective.statement,
        level=objective.level,
        # A parent is an organization objective, and those always serve a strategic objective.
        has_strategic_link=objective.strategic_objective_id is not None
        or objective.parent_id is not None,
        has_parent=objective.parent_id is not None,
        key_result_count=objective.key_result_count,
        all_weights_zero=objective.key_result_count > 0 and objective.progress is None,
    )


def key_result_warnings(key_result: Any, *, now: datetime | None = None) -> list[str]:
    """Quality advice on a key result read through key_result_list or key_result_get."""
    return key_result_advice_of(
        title=key_result.title,
        metric_kind=key_result.metric_kind,
        owner_id=key_result.owner_id,
        last_check_in_at=key_result.last_check_in_at,
        created_at=key_result.created_at,
        cycle_status=key_result.objective.cycle.status,
        now=now,
    )


def key_result_advice_of(
    *,
    title: str,
    metric_kind: str,
    owner_id,
    last_check_in_at: datetime | None,
    created_at: datetime,
    cycle_status: str,
    now: datetime | None = None,
) -> list[str]:
    """key_result_warnings from a key result's columns (the API list's lean path)."""
    return rules.key_result_advice(
        title=title,
        metric_kind=metric_kind,
        has_owner=owner_id is not None,
        last_check_in_at=last_check_in_at,
        created_at=created_at,
        cycle_active=cycle_status == Cycle.Status.ACTIVE,
        now=now or timezone.now(),
    )


@dataclass
class MyCheckIns:
    due: list[KeyResult]
    done_this_week: list[KeyResult]


def my_check_ins(*, membership: Membership, now: datetime | None = None) -> MyCheckIns:
    """The key results a person owns in active cycles: those due a check-in (none in the last
    week) first. One query."""
    now = now or timezone.now()
    rows: list[Any] = list(
        key_result_list(
            membership=membership, owner=membership.user, cycle_status=Cycle.Status.ACTIVE
        ).order_by(F("last_check_in_at").asc(nulls_first=True), "created_at")
    )
    for kr in rows:
        cycle = kr.objective.cycle
        _decorate(
            [kr], expected=cycle_expected(cycle, timezone.localdate(now)), cycle=cycle, now=now
        )
    week_ago = now - rules.CHECK_IN_EVERY
    return MyCheckIns(
        due=[kr for kr in rows if kr.last_check_in_at is None or kr.last_check_in_at < week_ago],
        done_this_week=[
            kr for kr in rows if kr.last_check_in_at and kr.last_check_in_at >= week_ago
        ],
    )


def key_results_for_work_package(*, membership: Membership, work_package) -> list[KeyResult]:
    """The key results a work package feeds, with their progress. One query."""
    return list(
        key_result_list(membership=membership).filter(contributions__work_package=work_package)
    )


# --- strategy: OKRs and KPIs of a strategic objective --------------------------------------


def outcome_measure_list(
    *, membership: Membership, strategic_objective=None
) -> QuerySet[OutcomeMeasure]:
    """KPIs with ``latest_value`` and ``latest_on``, and their values (oldest first) prefetched."""
    latest = OutcomeMeasureValue.objects.filter(measure=OuterRef("pk")).order_by("-observed_on")
    measures = OutcomeMeasure.objects.filter(organization_id=membership.organization_id)
    if strategic_objective is not None:
        measures = measures.filter(strategic_objective=strategic_objective)
    return (
        measures.select_related("strategic_objective")
        .annotate(
            latest_value=Subquery(latest.values("value")[:1], output_field=VALUE_FIELD),
            latest_on=Subquery(latest.values("observed_on")[:1]),
        )
        .prefetch_related(
            Prefetch("values", queryset=OutcomeMeasureValue.objects.order_by("observed_on"))
        )
        .order_by("name")
    )


def outcome_measure_get(*, membership: Membership, measure_id) -> OutcomeMeasure:
    return outcome_measure_list(membership=membership).get(pk=measure_id)


def outcome_measure_choices(*, membership: Membership) -> QuerySet[OutcomeMeasure]:
    return (
        OutcomeMeasure.objects.filter(organization_id=membership.organization_id)
        .select_related("strategic_objective")
        .order_by("strategic_objective__priority", "name")
    )


@dataclass
class StrategyOkrs:
    """What the strategic objective's page shows from okrs: its KPIs, and the current cycle's
    objectives serving it with their aggregate progress."""

    kpis: list[OutcomeMeasure]
    cycle: Cycle | None
    objectives: list[Objective]
    progress: float | None


def strategy_okrs(
    *, membership: Membership, strategic_objective, now: datetime | None = None
) -> StrategyOkrs:
    """Five queries, whatever the number of KPIs, values and objectives."""
    now = now or timezone.now()
    kpis = list(
        outcome_measure_list(membership=membership, strategic_objective=strategic_objective)
    )
    cycle = cycle_current(membership=membership, today=timezone.localdate(now))
    objectives: list[Objective] = []
    progress = None
    if cycle is not None:
        objectives = list(
            objective_list(
                membership=membership,
                cycle=cycle,
                strategic_objective=strategic_objective,
                now=now,
            )
        )
        _decorate(
            objectives,
            expected=cycle_expected(cycle, timezone.localdate(now)),
            cycle=cycle,
            now=now,
        )
        progress = strategic_objective_progress(
            membership=membership, strategic_objective=strategic_objective, cycle=cycle
        )
    return StrategyOkrs(kpis=kpis, cycle=cycle, objectives=objectives, progress=progress)


def strategic_objective_progress(
    *, membership: Membership, strategic_objective, cycle: Cycle
) -> float | None:
    """The mean progress of a cycle's objectives that serve a strategic objective."""
    return (
        Objective.objects.filter(
            _serving(strategic_objective),
            organization_id=membership.organization_id,
            cycle=cycle,
        )
        .annotate(p=objective_progress())
        .aggregate(progress=Avg("p"))["progress"]
    )


# --- the REST API --------------------------------------------------------------------------
# Lists for /api/v1/: scoped to the caller's organization, every figure the wire shows computed
# by the database, so a page of 100 runs the same queries as a page of 1. The ``*_api_row``
# readers give one object exactly as its list shows it (the changes feed records that copy).


def cycle_api_list(*, membership: Membership) -> QuerySet[Cycle]:
    return Cycle.objects.filter(organization_id=membership.organization_id)


def _objective_api_rows(objectives: QuerySet[Objective]) -> QuerySet[Objective]:
    # The wire shows progress; objective_warnings reads it and the key result count. Nothing
    # on the wire needs a related row, nor the other figures of with_objective_figures.
    return objectives.annotate(
        progress=objective_progress(),
        key_result_count=Coalesce(
            _over_key_results(Count("pk"), IntegerField()), Value(0), output_field=IntegerField()
        ),
    )


def objective_api_list(*, membership: Membership) -> QuerySet[Objective]:
    """Objectives with ``progress``, ``confidence`` and the counts behind their advice."""
    return _objective_api_rows(Objective.objects.filter(organization_id=membership.organization_id))


def objective_api_row(objective: Objective) -> Objective:
    return _objective_api_rows(Objective.objects.filter(pk=objective.pk)).get()


def _key_result_api_rows(key_results: QuerySet[KeyResult]) -> QuerySet[KeyResult]:
    # The advice judges staleness only in an active cycle: the cycle comes along in the join.
    return with_progress(key_results.select_related("objective__cycle"))


def key_result_api_list(*, membership: Membership) -> QuerySet[KeyResult]:
    """Key results with ``current_value``, ``confidence``, ``last_check_in_at``, ``progress``."""
    return _key_result_api_rows(
        KeyResult.objects.filter(organization_id=membership.organization_id)
    )


def key_result_api_row(key_result: KeyResult) -> KeyResult:
    return _key_result_api_rows(KeyResult.objects.filter(pk=key_result.pk)).get()


def check_in_api_list(*, membership: Membership) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(organization_id=membership.organization_id)


def contribution_api_list(*, membership: Membership) -> QuerySet[Contribution]:
    return Contribution.objects.filter(organization_id=membership.organization_id)


def outcome_measure_api_list(*, membership: Membership) -> QuerySet[OutcomeMeasure]:
    return OutcomeMeasure.objects.filter(organization_id=membership.organization_id)


def outcome_measure_value_api_list(
    *, membership: Membership, measure: OutcomeMeasure
) -> QuerySet[OutcomeMeasureValue]:
    return OutcomeMeasureValue.objects.filter(
        organization_id=membership.organization_id, measure=measure
    )
