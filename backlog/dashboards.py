"""Read model of the Capacity dashboard: each team's target split against what it committed.

One selector serves the page and ``/api/v1/dashboards/capacity/``. Three queries whatever the size
of the organization: the teams with their policies, the sprints of the period, and the committed
points grouped by sprint and category (as recorded for closed sprints, live for open ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from backlog.models import CapacityPolicy, CategoryGroup, Sprint, SprintCommitment
from backlog.selectors import SplitRow
from core import charts
from core.models import Membership, Team
from planning.dashboards import DEFAULT_WEEKS, Period, period_for

# A strategic share this many percentage points under the target is drift worth a conversation.
DRIFT_POINTS = 10


@dataclass(frozen=True)
class SprintSplit:
    sprint_id: Any
    name: str
    start_date: date
    end_date: date
    status: str
    capacity_points: int
    committed_points: int
    split: list[SplitRow]

    @property
    def strategic(self) -> SplitRow | None:
        return next((r for r in self.split if r.group == CategoryGroup.STRATEGIC), None)

    @property
    def drift(self) -> int | None:
        """Percentage points the strategic share is off its target (negative: below); None
        when nothing is committed."""
        row = self.strategic
        if row is None or not self.committed_points:
            return None
        return round(row.actual * 100) - row.target

    @property
    def drifted(self) -> bool:
        return self.drift is not None and self.drift <= -DRIFT_POINTS


@dataclass(frozen=True)
class TeamCapacity:
    team_id: Any
    team_name: str
    split: str  # the policy's split: simple or detailed
    has_policy: bool  # False: the default 70 / 30 applies
    targets: dict[str, int]
    sprints: list[SprintSplit]  # oldest first
    overall: list[SplitRow]  # over every sprint of the period
    committed_points: int = 0

    @property
    def drifted_sprints(self) -> int:
        return sum(1 for s in self.sprints if s.drifted)

    @property
    def strategic_overall(self) -> SplitRow | None:
        return next((r for r in self.overall if r.group == CategoryGroup.STRATEGIC), None)

    @property
    def verdict(self) -> str:
        """The drift in words, for the page and the API alike."""
        if not self.sprints:
            return f"No sprint in this period: nothing to hold against the {self.targets.get('strategic', 0)} % strategic target."
        latest = self.sprints[-1]
        row = latest.strategic
        if row is None or not latest.committed_points:
            return f"{latest.name} has nothing committed yet."
        share = round(row.actual * 100)
        crowding = [
            r
            for r in latest.split
            if r.group != CategoryGroup.STRATEGIC and round(r.actual * 100) > r.target
        ]
        history = (
            f" Below target by {DRIFT_POINTS}+ points in {self.drifted_sprints} of "
            f"{len(self.sprints)} sprints of the period."
            if len(self.sprints) > 1
            else ""
        )
        if latest.drifted and latest.drift is not None:
            cause = (
                ", ".join(
                    f"{r.label.lower()} ({round(r.actual * 100)} % against {r.target} %)"
                    for r in crowding
                )
                or "other work"
            )
            return (
                f"Drifting: strategic work got {share} % of {latest.name}'s committed points "
                f"against a {row.target} % target, {-latest.drift} points below; {cause} "
                f"crowded it out.{history}"
            )
        if latest.drift is not None and latest.drift < 0:
            return (
                f"Close to target: strategic work got {share} % of {latest.name}'s committed points "
                f"against {row.target} %.{history}"
            )
        return (
            f"On target: strategic work got {share} % of {latest.name}'s committed points "
            f"against {row.target} %.{history}"
        )


@dataclass(frozen=True)
class Capacity:
    period: Period
    team: Team | None
    teams: list[TeamCapacity] = field(default_factory=list)

    @property
    def drifting(self) -> list[TeamCapacity]:
        return [t for t in self.teams if t.sprints and t.sprints[-1].drifted]


def _committed_by_sprint_and_category(*, organization_id, in_period: Q) -> list[tuple]:
    """(sprint id, category, committed points), in one statement: closed sprints as recorded on
    their commitments (no join to the 100 000s of work packages), open ones live from their work
    packages (an index lookup per commitment of an open sprint only)."""
    commitments = SprintCommitment.objects.filter(
        in_period, organization_id=organization_id
    ).order_by()
    recorded = (
        commitments.filter(sprint__status=Sprint.Status.CLOSED)
        .values("sprint_id", group_category=F("category"))
        .annotate(committed=Coalesce(Sum("points"), 0))
    )
    live = (
        commitments.exclude(sprint__status=Sprint.Status.CLOSED)
        .values("sprint_id", group_category=F("work_package__category"))
        .annotate(committed=Coalesce(Sum(Coalesce("work_package__estimate", 0)), 0))
    )
    # Django writes a union as "(SELECT …) UNION ALL (SELECT …)"; wrapped, it is one plain
    # SELECT (the audit context is injected into every statement that does not start so).
    sql, params = recorded.union(live, all=True).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS committed", params)  # noqa: S608 - ORM-built
        return cursor.fetchall()


def _splitter(policy: CapacityPolicy):
    """``split_rows`` for one policy, with the policy's groups, targets and labels read once."""
    groups = [
        (group, CategoryGroup(group).label, policy.targets[group], categories)
        for group, categories in policy.groups.items()
    ]

    def split(points_by_category: dict[str, int], capacity: int) -> list[SplitRow]:
        planned = sum(points_by_category.values())
        rows = []
        for group, label, target, categories in groups:
            points = sum(points_by_category.get(c, 0) for c in categories)
            rows.append(
                SplitRow(
                    group=group,
                    label=label,
                    target=target,
                    points=points,
                    actual=points / planned if planned else 0.0,
                    of_capacity=points / capacity if capacity else 0.0,
                )
            )
        return rows

    return split


def capacity(
    *,
    membership: Membership,
    team: Team | None = None,
    weeks: int = DEFAULT_WEEKS,
    today: date | None = None,
) -> Capacity:
    """Every team's sprints of the period (those overlapping it), split against the target."""
    period = period_for(membership=membership, weeks=weeks, today=today)
    teams = Team.objects.filter(
        organization_id=membership.organization_id, archived_at__isnull=True
    ).select_related("capacity_policy")
    if team is not None:
        teams = teams.filter(pk=team.pk)
    last_day = min(period.last_day, period.today)
    in_period = Q(
        organization_id=membership.organization_id,
        team__archived_at__isnull=True,
        end_date__gte=period.first_week,
        start_date__lte=last_day,
    )
    if team is not None:
        in_period &= Q(team_id=team.pk)
    sprints = Sprint.objects.filter(in_period).order_by("team_id", "start_date", "name")
    commitments = _committed_by_sprint_and_category(
        organization_id=membership.organization_id,
        in_period=Q(
            sprint__team__archived_at__isnull=True,
            sprint__end_date__gte=period.first_week,
            sprint__start_date__lte=last_day,
            **({"sprint__team_id": team.pk} if team is not None else {}),
        ),
    )
    points: dict[Any, dict[str, int]] = {}
    for sprint_id, category, committed in commitments:
        points.setdefault(sprint_id, {})[category] = committed
    by_team: dict[Any, list[tuple]] = {}
    for row in sprints.values_list(
        "team_id", "id", "name", "start_date", "end_date", "status", "capacity_points"
    ):
        by_team.setdefault(row[0], []).append(row)
    result = []
    for t in teams.order_by("name"):
        policy = getattr(t, "capacity_policy", None)
        has_policy = policy is not None
        policy = policy or CapacityPolicy(organization_id=membership.organization_id, team=t)
        split = _splitter(policy)
        splits = []
        totals: dict[str, int] = {}
        for _, pk, name, start_date, end_date, status, capacity_points in by_team.get(t.pk, []):
            by_category = points.get(pk, {})
            for category, value in by_category.items():
                totals[category] = totals.get(category, 0) + value
            splits.append(
                SprintSplit(
                    sprint_id=pk,
                    name=name,
                    start_date=start_date,
                    end_date=end_date,
                    status=status,
                    capacity_points=capacity_points,
                    committed_points=sum(by_category.values()),
                    split=split(by_category, capacity_points),
                )
            )
        result.append(
            TeamCapacity(
                team_id=t.pk,
                team_name=t.name,
                split=policy.split,
                has_policy=has_policy,
                targets=policy.targets,
                sprints=splits,
                overall=split(totals, sum(s.capacity_points for s in splits)),
                committed_points=sum(totals.values()),
            )
        )
    return Capacity(period=period, team=team, teams=result)


def capacity_chart(team: TeamCapacity) -> charts.Chart:
    """The team's committed split per sprint, as 100 % stacked bars, with its strategic target."""
    groups = [(r.group, r.label) for r in team.overall]
    target = team.targets.get(CategoryGroup.STRATEGIC, 0)
    return charts.stacked_bar_chart(
        title=f"{team.team_name}: committed split per sprint",
        summary=(
            f"Share of committed points per category group in each of {len(team.sprints)} "
            f"sprints; the line marks the strategic target of {target} %. {team.verdict}"
        ),
        categories=[s.name for s in team.sprints],
        series=[
            charts.Series(
                label,
                [
                    round(next(r.actual for r in s.split if r.group == group) * 100, 1)
                    if s.committed_points
                    else None
                    for s in team.sprints
                ],
                key=group,
            )
            for group, label in groups
        ],
        unit="%",
        category_heading="Sprint",
        y_max=100,
        target=target,
        target_label=f"strategic target {target} %",
    )
