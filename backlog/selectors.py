"""Reads of backlogs, sprints and ideas, always scoped to the caller's organization.

Scores are database expressions: the whole backlog is scored and ranked in one query. Totals and
splits come from grouped aggregates, never from loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Greatest, RowNumber
from django.utils import timezone

from backlog.models import (
    CapacityPolicy,
    CategoryGroup,
    Idea,
    RankChange,
    ScoringModel,
    Sprint,
    SprintCommitment,
    WorkPackageScore,
)
from backlog.rules import FIT_BY_PRIORITY, FIT_FLOOR
from core.models import Membership, Team
from planning.models import Initiative, StrategicObjective, WorkPackage
from planning.rules import team_ids_of
from planning.selectors import OPEN_STATUSES, status_sql

Status = WorkPackage.Status
COMMITTABLE_STATUSES = (Status.READY, Status.IN_PROGRESS)

# --- teams ---------------------------------------------------------------------------------


def team_get(*, membership: Membership, team_id) -> Team:
    """An active team of the caller's organization; another organization's is DoesNotExist."""
    return Team.objects.get(
        organization_id=membership.organization_id, pk=team_id, archived_at__isnull=True
    )


def teams_for_switcher(*, membership: Membership) -> list[Team]:
    """Every active team (leaders see them all; so does anyone reading), the caller's own first."""
    mine = team_ids_of(membership)
    teams = list(
        Team.objects.filter(
            organization_id=membership.organization_id, archived_at__isnull=True
        ).order_by("name")
    )
    return sorted(teams, key=lambda t: (t.pk not in mine, t.name.lower()))


def team_choices(*, membership: Membership) -> QuerySet[Team]:
    """Every active team, by name: what a team filter offers (no counts, no joins)."""
    return Team.objects.filter(
        organization_id=membership.organization_id, archived_at__isnull=True
    ).order_by("name")


def default_team(*, membership: Membership, teams: list[Team]) -> Team | None:
    """The team a page opens on: the caller's own team, else the first one."""
    return teams[0] if teams else None


# --- scoring model and capacity policy -----------------------------------------------------


def scoring_model_for_team(*, membership: Membership, team: Team) -> ScoringModel:
    """The team's scoring model, or the (unsaved) default one when the team never set its own."""
    model = ScoringModel.objects.filter(
        organization_id=membership.organization_id, team=team
    ).first()
    return model or ScoringModel(organization_id=membership.organization_id, team=team)


def capacity_policy_for_team(*, membership: Membership, team: Team) -> CapacityPolicy:
    """The team's capacity policy, or the (unsaved) default 70 % strategic / 30 % tactical."""
    policy = CapacityPolicy.objects.filter(
        organization_id=membership.organization_id, team=team
    ).first()
    return policy or CapacityPolicy(organization_id=membership.organization_id, team=team)


def team_settings(*, membership: Membership, team: Team) -> tuple[ScoringModel, CapacityPolicy]:
    """The team's scoring model and capacity policy (or their unsaved defaults), in one query."""
    row = (
        Team.objects.select_related("scoring_model", "capacity_policy")
        .filter(organization_id=membership.organization_id, pk=team.pk)
        .first()
    )
    model = getattr(row, "scoring_model", None) if row is not None else None
    policy = getattr(row, "capacity_policy", None) if row is not None else None
    return (
        model or ScoringModel(organization_id=membership.organization_id, team=team),
        policy or CapacityPolicy(organization_id=membership.organization_id, team=team),
    )


# --- scores --------------------------------------------------------------------------------


def _f(value) -> Value:
    return Value(float(value), output_field=FloatField())


def _input(name: str, default: float = 3.0) -> Combinable:
    """A 1–5 score input as a float; blank counts as the middle of the scale."""
    return Coalesce(Cast(f"backlog_score__{name}", FloatField()), _f(default))


def _benefit(name: str) -> Combinable:
    """A 1–5 input normalised to 0..1, more is better."""
    return (_input(name) - _f(1)) / _f(4)


def effective_effort() -> Combinable:
    """Effort on 1–5: as scored, else from the estimate in points, else the middle."""
    from_estimate = Case(
        When(estimate__isnull=True, then=_f(3)),
        When(estimate__lte=1, then=_f(1)),
        When(estimate__lte=3, then=_f(2)),
        When(estimate__lte=5, then=_f(3)),
        When(estimate__lte=8, then=_f(4)),
        default=_f(5),
        output_field=FloatField(),
    )
    return Coalesce(Cast("backlog_score__effort", FloatField()), from_estimate)


def effective_points() -> Combinable:
    """Job size in points for RICE and WSJF: the estimate, else from the effort score, else 3."""
    from_effort = Case(
        When(backlog_score__effort=1, then=_f(1)),
        When(backlog_score__effort=2, then=_f(2)),
        When(backlog_score__effort=4, then=_f(5)),
        When(backlog_score__effort=5, then=_f(8)),
        default=_f(3),
        output_field=FloatField(),
    )
    return Case(
        When(estimate__gt=0, then=Cast("estimate", FloatField())),
        default=from_effort,
        output_field=FloatField(),
    )


def strategic_fit() -> Case:
    """0..1 from the real link: the initiative's strategic objective, if active, by its priority."""
    live = Q(
        initiative__status__in=[Initiative.Status.PLANNED, Initiative.Status.ACTIVE],
        initiative__strategic_objective__status=StrategicObjective.Status.ACTIVE,
    )
    return Case(
        *[
            When(live & Q(initiative__strategic_objective__priority=p), then=_f(fit))
            for p, fit in FIT_BY_PRIORITY.items()
        ],
        When(live, then=_f(FIT_FLOOR)),
        default=_f(0),
        output_field=FloatField(),
    )


def score_expression(model: ScoringModel) -> Combinable:
    """The score of a work package under a team's scoring model, as one SQL expression."""
    if model.preset == ScoringModel.Preset.RICE:
        impact = Case(
            When(backlog_score__impact=1, then=_f(0.25)),
            When(backlog_score__impact=2, then=_f(0.5)),
            When(backlog_score__impact=4, then=_f(2)),
            When(backlog_score__impact=5, then=_f(3)),
            default=_f(1),
            output_field=FloatField(),
        )
        reach = Coalesce(Cast("backlog_score__reach", FloatField()), _f(0))
        confidence = Coalesce(Cast("backlog_score__confidence", FloatField()), _f(50)) / _f(100)
        return reach * impact * confidence / effective_points()
    if model.preset == ScoringModel.Preset.WSJF:
        cost_of_delay = (
            _input("impact") + _input("urgency") + Greatest(_input("risk"), _input("dependencies"))
        )
        return cost_of_delay / effective_points()
    weights = model.weights
    total = sum(weights.values()) or 1
    parts = {
        "impact": _benefit("impact"),
        "urgency": _benefit("urgency"),
        "effort": (_f(5) - effective_effort()) / _f(4),
        "strategic_fit": strategic_fit(),
        "risk": _benefit("risk"),
        "dependencies": _benefit("dependencies"),
    }
    weighted = [part * _f(weights[name]) for name, part in parts.items() if weights[name]]
    expression = weighted[0]
    for part in weighted[1:]:
        expression = expression + part
    return _f(100) * expression / _f(total)


def _open_sprint_of() -> Subquery:
    return Subquery(
        SprintCommitment.objects.filter(
            work_package=OuterRef("pk"), sprint__status=Sprint.Status.OPEN
        ).values("sprint_id")[:1]
    )


# What a ranked backlog row shows besides the work package itself.
RANKED_RELATED = (
    "owner",
    "initiative",
    "initiative__strategic_objective",
    "backlog_score",
    "backlog_score__ranked_by",
)


def _rank_order() -> list:
    """The backlog's order: the manual position or score, then score, due date, title, id
    (over the ``rank_value`` and ``score`` annotations)."""
    return [
        F("rank_value").desc(),
        F("score").desc(),
        F("due_date").asc(nulls_last=True),
        F("title").asc(),
        F("id").asc(),
    ]


def ranked_backlog(*, membership: Membership, team: Team, model: ScoringModel) -> QuerySet:
    """The team's not-done work packages, scored and ranked, in one query.

    Each row carries ``score``, ``rank_value`` (the manual position if set, else the score),
    ``position`` (1 = top), ``fit`` (0..1) and ``open_sprint_id`` (the open sprint holding it).
    """
    score = score_expression(model)
    rank_value = Coalesce(F("backlog_score__rank_key"), score)
    ordering = _rank_order()
    return (
        WorkPackage.objects.filter(
            organization_id=membership.organization_id, team=team, status__in=OPEN_STATUSES
        )
        .select_related(*RANKED_RELATED)
        .annotate(
            score=score,
            fit=strategic_fit(),
            rank_value=rank_value,
            open_sprint_id=_open_sprint_of(),
        )
        .annotate(position=Window(RowNumber(), order_by=ordering))
        .order_by(*ordering)
    )


def backlog_top(
    *, membership: Membership, team: Team, model: ScoringModel, limit: int
) -> list[dict[str, Any]]:
    """The first ``limit`` items of ``ranked_backlog``, in the same order, as plain rows of
    ``id``, ``title``, ``status``, ``status_label`` and ``initiative_id``: a top-N sort with
    no window over the whole backlog and no related rows (what a landing page shows).

    One raw statement: the score is ``score_expression``'s SQL written out by ``_score_sql``
    (building the expression through the ORM cost more than running the query)."""
    joins = ""
    if model.preset not in (ScoringModel.Preset.RICE, ScoringModel.Preset.WSJF):
        joins = _FIT_JOINS
    score = _score_sql(model)
    sql = _BACKLOG_TOP_SQL.format(joins=joins, score=score, statuses=status_sql(OPEN_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"org": membership.organization_id, "team": team.pk, "limit": limit})
        rows = cursor.fetchall()
    labels = dict(WorkPackage.Status.choices)
    return [
        {
            "id": pk,
            "title": title,
            "status": status,
            "initiative_id": initiative_id,
            "status_label": labels.get(status, status),
        }
        for pk, title, status, initiative_id in rows
    ]


# The score row is looked up per work package of the team (LATERAL with LIMIT 1, which
# PostgreSQL does not flatten into a join): as a plain join it hashed every score row of every
# organization to rank one team's backlog. The score is computed once per row, not per sort key.
_BACKLOG_TOP_SQL = """
SELECT id, title, status, initiative_id FROM (
    SELECT wp.id, wp.title, wp.status, wp.initiative_id, wp.due_date, s.rank_key,
        {score} AS score
    FROM planning_workpackage wp
    LEFT JOIN LATERAL (
        SELECT * FROM backlog_workpackagescore WHERE work_package_id = wp.id LIMIT 1
    ) s ON true{joins}
    WHERE wp.organization_id = %(org)s AND wp.status IN {statuses} AND wp.team_id = %(team)s
) ranked
ORDER BY COALESCE(rank_key, score) DESC, score DESC, due_date ASC NULLS LAST,
    title ASC, id ASC
LIMIT %(limit)s
"""

_FIT_JOINS = """
LEFT OUTER JOIN planning_initiative i ON wp.initiative_id = i.id
LEFT OUTER JOIN planning_strategicobjective so ON i.strategic_objective_id = so.id"""


def _score_sql(model: ScoringModel) -> str:
    """``score_expression(model)`` as the SQL the ORM writes for it, over ``wp`` (the work
    package), ``s`` (its score row), ``i`` and ``so`` (its initiative and strategic objective):
    the same operations, grouping and literals, so PostgreSQL computes the same numbers
    (backlog/tests/test_backlog_top.py holds the order equal to ``ranked_backlog``'s)."""

    def f(value) -> str:  # a float as the ORM's Value(float) reaches PostgreSQL
        return str(float(value))

    def op(lhs: str, connector: str, rhs: str) -> str:
        return f"({lhs} {connector} {rhs})"

    def input_(name: str, default: float = 3.0) -> str:
        return f"COALESCE((s.{name})::double precision, {f(default)})"

    def benefit(name: str) -> str:
        return op(op(input_(name), "-", f(1)), "/", f(4))

    def cases(column: str, pairs) -> str:
        return " ".join(f"WHEN {column} = {k} THEN {f(v)}" for k, v in pairs)

    effective_points = (
        "CASE WHEN wp.estimate > 0 THEN (wp.estimate)::double precision ELSE CASE "
        + cases("s.effort", ((1, 1), (2, 2), (4, 5), (5, 8)))
        + f" ELSE {f(3)} END END"
    )
    if model.preset == ScoringModel.Preset.RICE:
        impact = (
            "CASE " + cases("s.impact", ((1, 0.25), (2, 0.5), (4, 2), (5, 3))) + f" ELSE {f(1)} END"
        )
        reach = input_("reach", 0)
        confidence = op(input_("confidence", 50), "/", f(100))
        return op(op(op(reach, "*", impact), "*", confidence), "/", effective_points)
    if model.preset == ScoringModel.Preset.WSJF:
        cost_of_delay = op(
            op(input_("impact"), "+", input_("urgency")),
            "+",
            f"GREATEST({input_('risk')}, {input_('dependencies')})",
        )
        return op(cost_of_delay, "/", effective_points)
    from_estimate = (
        f"CASE WHEN wp.estimate IS NULL THEN {f(3)} WHEN wp.estimate <= 1 THEN {f(1)} "
        f"WHEN wp.estimate <= 3 THEN {f(2)} WHEN wp.estimate <= 5 THEN {f(3)} "
        f"WHEN wp.estimate <= 8 THEN {f(4)} ELSE {f(5)} END"
    )
    live = (
        f"i.status IN {status_sql((Initiative.Status.PLANNED, Initiative.Status.ACTIVE), of=Initiative.Status)} "
        f"AND so.status = '{StrategicObjective.Status.ACTIVE}'"
    )
    fit = (
        "CASE "
        + " ".join(
            f"WHEN ({live} AND so.priority = {p}) THEN {f(v)}" for p, v in FIT_BY_PRIORITY.items()
        )
        + f" WHEN ({live}) THEN {f(FIT_FLOOR)} ELSE {f(0)} END"
    )
    weights = model.weights
    total = sum(weights.values()) or 1
    parts = {
        "impact": benefit("impact"),
        "urgency": benefit("urgency"),
        "effort": op(
            op(f(5), "-", f"COALESCE((s.effort)::double precision, {from_estimate})"), "/", f(4)
        ),
        "strategic_fit": fit,
        "risk": benefit("risk"),
        "dependencies": benefit("dependencies"),
    }
    weighted = [op(part, "*", f(weights[name])) for name, part in parts.items() if weights[name]]
    expression = weighted[0]
    for part in weighted[1:]:
        expression = op(expression, "+", part)
    return op(op(f(100), "*", expression), "/", f(total))


def _with_score_rows(rows: list[WorkPackage]) -> list[WorkPackage]:
    """Sets ``score_row`` (the WorkPackageScore or None) and ``hand_placed`` on ranked rows."""
    for wp in rows:
        try:
            row = wp.backlog_score
        except WorkPackageScore.DoesNotExist:
            row = None
        wp.score_row = row  # type: ignore[attr-defined]
        wp.hand_placed = row is not None and row.rank_key is not None  # type: ignore[attr-defined]
    return rows


BACKLOG_PAGE_SIZE = 50  # a backlog page shows this many items; the rest are a page away


@dataclass
class BacklogView:
    team: Team
    model: ScoringModel
    policy: CapacityPolicy
    items: list[WorkPackage]  # this page's, after filters, in rank order; ``position`` is the
    # full backlog's
    total: int  # items in the whole backlog, before filters
    points_total: int
    points_ready: int
    intentions: int
    unlinked: int
    open_sprint: Sprint | None
    filtered: bool = False
    groups: dict[str, str] = field(default_factory=dict)  # category -> group label
    page: Page | None = None  # of the filtered items (``page.paginator.count`` of them)


def backlog_for_team(
    *,
    membership: Membership,
    team: Team,
    category: str | None = None,
    readiness: str | None = None,
    linked: bool | None = None,
    page: int | str | None = 1,
    per_page: int | None = None,
) -> BacklogView:
    """The team's ranked backlog with its headline numbers, a page of items at a time.

    Ranking needs the whole backlog (a filtered view keeps each item's real position), so the
    whole backlog is ranked in one query of plain values (what the headline numbers and the
    filters need); then only the shown page's work packages are loaded with what the rows show.
    """
    model, policy = team_settings(membership=membership, team=team)
    ranked = ranked_backlog(membership=membership, team=team, model=model)
    # (id, position, status, estimate, category, initiative id, score, fit, rank value,
    # open sprint id), in rank order
    rows = list(
        ranked.select_related(None).values_list(
            "id",
            "position",
            "status",
            "estimate",
            "category",
            "initiative_id",
            "score",
            "fit",
            "rank_value",
            "open_sprint_id",
        )
    )
    items = rows
    if category:
        items = [r for r in items if r[4] == category]
    if readiness == "ready":
        items = [r for r in items if r[2] != Status.INTENTION]
    elif readiness == "intention":
        items = [r for r in items if r[2] == Status.INTENTION]
    if linked is not None:
        items = [r for r in items if (r[5] is not None) == linked]
    shown = Paginator(items, per_page or BACKLOG_PAGE_SIZE).get_page(page)
    ranking = {r[0]: r for r in shown.object_list}
    loaded: dict[Any, WorkPackage] = {}
    if ranking:
        # The page's rows with what they show; their rank and score as ranked above.
        for wp in WorkPackage.objects.filter(
            organization_id=membership.organization_id, pk__in=list(ranking)
        ).select_related(*RANKED_RELATED):
            row = ranking[wp.pk]
            wp.position, wp.score, wp.fit = row[1], row[6], row[7]  # type: ignore[attr-defined]
            wp.rank_value, wp.open_sprint_id = row[8], row[9]  # type: ignore[attr-defined]
            loaded[wp.pk] = wp
    page_items = _with_score_rows([loaded[pk] for pk in ranking if pk in loaded])
    open_sprint = current_sprint(membership=membership, team=team)
    return BacklogView(
        team=team,
        model=model,
        policy=policy,
        items=page_items,
        total=len(rows),
        points_total=sum(r[3] or 0 for r in rows),
        points_ready=sum(r[3] or 0 for r in rows if r[2] != Status.INTENTION),
        intentions=sum(1 for r in rows if r[2] == Status.INTENTION),
        unlinked=sum(1 for r in rows if r[5] is None),
        open_sprint=open_sprint,
        filtered=bool(category or readiness or linked is not None),
        groups={
            category: CategoryGroup(group).label
            for group, categories in policy.groups.items()
            for category in categories
        },
        page=shown,
    )


def backlog_order(*, membership: Membership, team: Team) -> list[tuple]:
    """(id, rank_value) of the team's backlog in rank order: what a move is computed against."""
    model = scoring_model_for_team(membership=membership, team=team)
    return list(
        ranked_backlog(membership=membership, team=team, model=model)
        .select_related(None)
        .values_list("id", "rank_value")
    )


def work_package_score_get(*, membership: Membership, work_package: WorkPackage):
    return WorkPackageScore.objects.filter(
        organization_id=membership.organization_id, work_package=work_package
    ).first()


def rank_changes_for(*, membership: Membership, work_package: WorkPackage, limit: int = 5):
    return list(
        RankChange.objects.filter(
            organization_id=membership.organization_id, work_package=work_package
        ).select_related("changed_by")[:limit]
    )


# --- sprints -------------------------------------------------------------------------------


def _points() -> Case:
    """A commitment's points: live while its sprint is open, as recorded once it is closed."""
    return Case(
        When(sprint__status=Sprint.Status.CLOSED, then=F("points")),
        default=Coalesce(F("work_package__estimate"), Value(0)),
        output_field=IntegerField(),
    )


def _category() -> Case:
    return Case(
        When(sprint__status=Sprint.Status.CLOSED, then=F("category")),
        default=F("work_package__category"),
    )


def _sprint_points(prefix: str = "commitments__") -> dict:
    """Planned, strategic and done points of sprints, as annotations over their commitments."""
    live = Q(status=Sprint.Status.OPEN)
    points = Case(
        When(live, then=Coalesce(F(f"{prefix}work_package__estimate"), Value(0))),
        default=F(f"{prefix}points"),
        output_field=IntegerField(),
    )
    strategic = Q(live, **{f"{prefix}work_package__category": "strategic"}) | Q(
        ~live, **{f"{prefix}category": "strategic"}
    )
    return {
        "planned_points": Coalesce(Sum(points), 0),
        "strategic_points": Coalesce(Sum(points, filter=strategic), 0),
        "done_points": Coalesce(Sum(points, filter=Q(**{f"{prefix}outcome": "done"})), 0),
        "item_count": Count(f"{prefix}id"),
    }


def sprint_list(*, membership: Membership, team: Team | None = None) -> QuerySet[Sprint]:
    sprints = (
        Sprint.objects.filter(organization_id=membership.organization_id)
        .select_related("team")
        .annotate(**_sprint_points())
    )
    if team is not None:
        sprints = sprints.filter(team=team)
    return sprints.order_by("-start_date", "name")


def current_sprint(
    *, membership: Membership, team: Team, today: date | None = None
) -> Sprint | None:
    """The team's open sprint running today, else its next open one, else its last open one."""
    today = today or timezone.localdate()
    when = Case(
        When(start_date__lte=today, end_date__gte=today, then=Value(0)),
        When(start_date__gt=today, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Sprint.objects.filter(
            organization_id=membership.organization_id, team=team, status=Sprint.Status.OPEN
        )
        .annotate(when=when)
        .order_by(
            "when",
            # running and upcoming: the earliest first; ended but still open: the latest first
            Case(When(when__lt=2, then=F("start_date"))).asc(nulls_last=True),
            F("end_date").desc(),
        )
        .first()
    )


def next_sprint_suggestion(
    *, membership: Membership, team: Team, today: date | None = None
) -> dict[str, Any]:
    """What a new sprint form starts with: the days after the team's last sprint, as long as
    it was, at its capacity, with the next number in its name."""
    last = (
        Sprint.objects.filter(organization_id=membership.organization_id, team=team)
        .order_by("-end_date")
        .first()
    )
    if last is None:
        start = today or timezone.localdate()
        return {"name": "Sprint 1", "start_date": start, "end_date": start + timedelta(days=13)}
    start = last.end_date + timedelta(days=1)
    number = "".join(ch for ch in last.name if ch.isdigit())
    return {
        "name": f"Sprint {int(number) + 1}" if number else "",
        "start_date": start,
        "end_date": start + (last.end_date - last.start_date),
        "capacity_points": last.capacity_points,
    }


def sprint_get(*, membership: Membership, sprint_id) -> Sprint:
    return (
        Sprint.objects.select_related("team", "closed_by")
        .annotate(**_sprint_points())
        .get(organization_id=membership.organization_id, pk=sprint_id)
    )


@dataclass(frozen=True)
class SplitRow:
    group: str
    label: str
    target: int  # percent of capacity the policy aims for
    points: int
    actual: float  # share of the planned points, 0..1
    of_capacity: float  # share of capacity, 0..1

    @property
    def target_fraction(self) -> float:
        return self.target / 100

    @property
    def below(self) -> bool:
        return self.group == CategoryGroup.STRATEGIC and self.actual * 100 < self.target

    @property
    def above(self) -> bool:
        return self.group != CategoryGroup.STRATEGIC and self.actual * 100 > self.target


def split_rows(
    *, policy: CapacityPolicy, points_by_category: dict[str, int], capacity: int
) -> list[SplitRow]:
    planned = sum(points_by_category.values())
    rows = []
    for group, categories in policy.groups.items():
        points = sum(points_by_category.get(c, 0) for c in categories)
        rows.append(
            SplitRow(
                group=group,
                label=CategoryGroup(group).label,
                target=policy.targets[group],
                points=points,
                actual=points / planned if planned else 0.0,
                of_capacity=points / capacity if capacity else 0.0,
            )
        )
    return rows


@dataclass
class SprintBoard:
    sprint: Sprint
    policy: CapacityPolicy
    commitments: list[SprintCommitment]
    split: list[SplitRow]
    candidates: list[WorkPackage]  # ready work of the team's backlog, in rank order
    intentions: list[WorkPackage]  # not ready: cannot be committed yet
    elsewhere: int  # backlog items already in another open sprint

    @property
    def strategic(self) -> SplitRow | None:
        return next((r for r in self.split if r.group == CategoryGroup.STRATEGIC), None)


def sprint_commitments(*, membership: Membership, sprint: Sprint) -> list[SprintCommitment]:
    return list(
        SprintCommitment.objects.filter(organization_id=membership.organization_id, sprint=sprint)
        .select_related(
            "work_package",
            "work_package__owner",
            "work_package__initiative",
            "work_package__initiative__strategic_objective",
            "committed_by",
        )
        .annotate(live_points=_points(), live_category=_category())
        .order_by("committed_at", "id")
    )


# The work package fields the sprint board reads of its candidates and intentions (the
# readiness checklist needs the owner, the due date and the success check).
BOARD_FIELDS = (
    "id",
    "team_id",
    "title",
    "status",
    "category",
    "estimate",
    "owner_id",
    "due_date",
    "success_criterion",
    "success_review_date",
)


def sprint_board(*, membership: Membership, sprint: Sprint) -> SprintBoard:
    """Everything the sprint page shows: what is committed, the split, and what could be next."""
    model, policy = team_settings(membership=membership, team=sprint.team)
    commitments = sprint_commitments(membership=membership, sprint=sprint)
    by_category: dict[str, int] = {}
    for c in commitments:
        category, points = c.live_category, c.live_points  # type: ignore[attr-defined]
        by_category[category] = by_category.get(category, 0) + points
    candidates: list[WorkPackage] = []
    intentions: list[WorkPackage] = []
    elsewhere = 0
    if sprint.is_open:
        # Only what the board shows of each backlog item (rank, title, points, category, score,
        # readiness): no related rows, so hundreds of items stay cheap to load.
        rows = (
            ranked_backlog(membership=membership, team=sprint.team, model=model)
            .select_related(None)
            .only(*BOARD_FIELDS)
        )
        for wp in rows:
            held_by = wp.open_sprint_id  # type: ignore[attr-defined]
            if held_by is not None:
                elsewhere += held_by != sprint.pk
                continue
            (intentions if wp.status == Status.INTENTION else candidates).append(wp)
    return SprintBoard(
        sprint=sprint,
        policy=policy,
        commitments=commitments,
        split=split_rows(
            policy=policy, points_by_category=by_category, capacity=sprint.capacity_points
        ),
        candidates=candidates,
        intentions=intentions,
        elsewhere=elsewhere,
    )


@dataclass(frozen=True)
class SprintTotals:
    planned_points: int
    strategic_points: int


def sprint_totals(*, sprint: Sprint, exclude_work_package=None) -> SprintTotals:
    """Live planned and strategic points of an open sprint (for the commit checks)."""
    commitments = SprintCommitment.objects.filter(sprint=sprint)
    if exclude_work_package is not None:
        commitments = commitments.exclude(work_package=exclude_work_package)
    totals = commitments.aggregate(
        planned=Coalesce(Sum(Coalesce("work_package__estimate", 0)), 0),
        strategic=Coalesce(
            Sum(
                Coalesce("work_package__estimate", 0),
                filter=Q(work_package__category="strategic"),
            ),
            0,
        ),
    )
    return SprintTotals(planned_points=totals["planned"], strategic_points=totals["strategic"])


@dataclass
class TeamCapacity:
    team: Team
    policy: CapacityPolicy
    sprint: Sprint | None
    split: list[SplitRow] = field(default_factory=list)


def capacity_overview(
    *, membership: Membership, today: date | None = None, team: Team | None = None
) -> list[TeamCapacity]:
    """Every team's current sprint against its policy: the leaders' view across teams. With
    ``team``, that team's alone (one team's figures, without computing every team's)."""
    today = today or timezone.localdate()
    teams_qs = Team.objects.filter(
        organization_id=membership.organization_id, archived_at__isnull=True
    )
    policies_qs = CapacityPolicy.objects.filter(organization_id=membership.organization_id)
    if team is not None:
        teams_qs = teams_qs.filter(pk=team.pk)
        policies_qs = policies_qs.filter(team_id=team.pk)
    teams = list(teams_qs.order_by("name"))
    policies = {p.team_id: p for p in policies_qs}
    running: dict[Any, Sprint] = {}
    for sprint in (
        sprint_list(membership=membership, team=team)
        .filter(status=Sprint.Status.OPEN, start_date__lte=today, end_date__gte=today)
        .order_by("start_date")
    ):
        running.setdefault(sprint.team_id, sprint)
    points: dict[Any, dict[str, int]] = {}
    rows = (
        SprintCommitment.objects.filter(sprint__in=[s.pk for s in running.values()])
        .values("sprint_id", "work_package__category")
        .annotate(points=Coalesce(Sum(Coalesce("work_package__estimate", 0)), 0))
    )
    for r in rows:
        points.setdefault(r["sprint_id"], {})[r["work_package__category"]] = r["points"]
    overview = []
    for t in teams:
        policy = policies.get(t.pk) or CapacityPolicy(
            organization_id=membership.organization_id, team=t
        )
        now = running.get(t.pk)
        overview.append(
            TeamCapacity(
                team=t,
                policy=policy,
                sprint=now,
                split=split_rows(
                    policy=policy,
                    points_by_category=points.get(now.pk, {}) if now else {},
                    capacity=now.capacity_points if now else 0,
                ),
            )
        )
    return overview


def with_strategic_share(sprints: list[Sprint], *, target: int) -> list[Sprint]:
    """Sets ``strategic_share`` (0..1 of the planned points, None when nothing is planned) and
    ``drifted`` (below the target share) on sprints annotated by ``sprint_list``."""
    for sprint in sprints:
        planned = sprint.planned_points  # type: ignore[attr-defined]
        share = sprint.strategic_points / planned if planned else None  # type: ignore[attr-defined]
        sprint.strategic_share = share  # type: ignore[attr-defined]
        sprint.drifted = share is not None and share * 100 < target  # type: ignore[attr-defined]
    return sprints


# --- ideas ---------------------------------------------------------------------------------


def idea_list(
    *, membership: Membership, status: str | None = None, team: Team | None = None
) -> QuerySet[Idea]:
    ideas = Idea.objects.filter(organization_id=membership.organization_id).select_related(
        "team", "strategic_objective", "proposer", "work_package", "decided_by"
    )
    if status:
        ideas = ideas.filter(status=status)
    if team is not None:
        ideas = ideas.filter(team=team)
    return ideas.order_by("-created_at", "id")


def idea_counts(*, membership: Membership, team: Team | None = None) -> dict[str, int]:
    ideas = Idea.objects.filter(organization_id=membership.organization_id)
    if team is not None:
        ideas = ideas.filter(team=team)
    counts = {s: 0 for s in Idea.Status.values}
    for row in ideas.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def idea_get(*, membership: Membership, idea_id) -> Idea:
    return Idea.objects.select_related(
        "team",
        "strategic_objective",
        "proposer",
        "work_package",
        "decided_by",
        "shortlisted_by",
    ).get(organization_id=membership.organization_id, pk=idea_id)


def objective_choices(*, membership: Membership, include_id=None) -> QuerySet:
    """Active and draft strategic objectives an idea can serve (plus its current one)."""
    wanted = Q(status__in=[StrategicObjective.Status.ACTIVE, StrategicObjective.Status.DRAFT])
    if include_id is not None:
        wanted |= Q(pk=include_id)
    return StrategicObjective.objects.filter(
        wanted, organization_id=membership.organization_id
    ).order_by("status", "priority", "statement")


# --- the work package page's panel ---------------------------------------------------------


@dataclass
class BacklogFacts:
    position: int | None  # None when the work is closed (not in the backlog)
    total: int
    score: float | None
    model: ScoringModel
    score_row: WorkPackageScore | None
    commitments: list[SprintCommitment]
    idea: Idea | None
    fit: float = 0.0


def work_package_backlog_facts(*, membership: Membership, work_package: WorkPackage):
    """Rank, score, sprints and origin of one work package, in a constant number of queries."""
    model = scoring_model_for_team(membership=membership, team=work_package.team)
    order = list(
        ranked_backlog(membership=membership, team=work_package.team, model=model)
        .select_related(None)
        .values_list("id", "score", "fit")
    )
    position = score = None
    fit = 0.0
    for index, (pk, row_score, row_fit) in enumerate(order, start=1):
        if pk == work_package.pk:
            position, score, fit = index, row_score, row_fit
            break
    commitments = list(
        SprintCommitment.objects.filter(
            organization_id=membership.organization_id, work_package=work_package
        )
        .select_related("sprint", "committed_by")
        .order_by("-sprint__start_date")
    )
    idea = (
        Idea.objects.filter(organization_id=membership.organization_id, work_package=work_package)
        .select_related("proposer")
        .first()
    )
    return BacklogFacts(
        position=position,
        total=len(order),
        score=score,
        model=model,
        score_row=work_package_score_get(membership=membership, work_package=work_package),
        commitments=commitments,
        idea=idea,
        fit=fit,
    )


# --- the API's lists -----------------------------------------------------------------------
# Rows as the API shows them, scoped to the caller's organization; the API orders and pages.


def scoring_model_api_list(*, membership: Membership) -> QuerySet[ScoringModel]:
    return ScoringModel.objects.filter(organization_id=membership.organization_id)


def capacity_policy_api_list(*, membership: Membership) -> QuerySet[CapacityPolicy]:
    return CapacityPolicy.objects.filter(organization_id=membership.organization_id)


def backlog_api_list(*, membership: Membership, team: Team) -> QuerySet[WorkPackage]:
    """The team's ranked backlog (one query), each row with ``score``, ``position``,
    ``hand_placed`` and ``open_sprint_id``."""
    model = scoring_model_for_team(membership=membership, team=team)
    return (
        ranked_backlog(membership=membership, team=team, model=model)
        .select_related(None)
        .annotate(
            hand_placed=ExpressionWrapper(
                Q(backlog_score__rank_key__isnull=False), output_field=BooleanField()
            )
        )
    )


def sprint_api_list(*, membership: Membership) -> QuerySet[Sprint]:
    return Sprint.objects.filter(organization_id=membership.organization_id)


def sprint_commitment_api_list(*, membership: Membership) -> QuerySet[SprintCommitment]:
    return SprintCommitment.objects.filter(organization_id=membership.organization_id)


def idea_api_list(*, membership: Membership) -> QuerySet[Idea]:
    return Idea.objects.filter(organization_id=membership.organization_id)
