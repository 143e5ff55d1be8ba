"""Read model of the Capacity dashboard: each team's target split against what it committed.

One selector serves the page and ``/api/v1/dashboards/capacity/``. Three queries whatever the size
of the organization: the teams with their policies, the sprints of the period, and the committed
points grouped by sprint and category (as recorded for closed sprints, live for open ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from backlog.models import CapacityPolicy, CategoryGroup, Sprint, SprintCommitment
from backlog.selectors import SplitRow, split_rows
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


def _points() -> Case:
    """A commitment's points: as recorded once its sprint is closed, live while it is open."""
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
    in_period = Q(
        organization_id=membership.organization_id,
        team__archived_at__isnull=True,
        end_date__gte=period.first_week,
        start_date__lte=min(period.last_day, period.today),
    )
    if team is not None:
        in_period &= Q(team_id=team.pk)
    sprints = list(Sprint.objects.filter(in_period).order_by("team_id", "start_date", "name"))
    commitments = (
        SprintCommitment.objects.filter(
            organization_id=membership.organization_id,
            sprint__in=Sprint.objects.filter(in_period).values("pk"),
        )
        .annotate(group_category=_category())
        .values("sprint_id", "group_category")
        .annotate(committed=Coalesce(Sum(_points()), 0))
    )
    points: dict[Any, dict[str, int]] = {}
    for row in commitments:
        points.setdefault(row["sprint_id"], {})[row["group_category"]] = row["committed"]
    by_team: dict[Any, list[Sprint]] = {}
    for sprint in sprints:
        by_team.setdefault(sprint.team_id, []).append(sprint)
    result = []
    for t in teams.order_by("name"):
        policy = getattr(t, "capacity_policy", None)
        has_policy = policy is not None
        policy = policy or CapacityPolicy(organization_id=membership.organization_id, team=t)
        splits = []
        totals: dict[str, int] = {}
        for sprint in by_team.get(t.pk, []):
            by_category = points.get(sprint.pk, {})
            for category, value in by_category.items():
                totals[category] = totals.get(category, 0) + value
            splits.append(
                SprintSplit(
                    sprint_id=sprint.pk,
                    name=sprint.name,
                    start_date=sprint.start_date,
                    end_date=sprint.end_date,
                    status=sprint.status,
                    capacity_points=sprint.capacity_points,
                    committed_points=sum(by_category.values()),
                    split=split_rows(
                        policy=policy,
                        points_by_category=by_category,
                        capacity=sprint.capacity_points,
                    ),
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
                overall=split_rows(
                    policy=policy,
                    points_by_category=totals,
                    capacity=sum(s.capacity_points for s in splits),
                ),
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
