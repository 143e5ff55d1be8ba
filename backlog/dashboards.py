"""Read model of the Capacity dashboard: each team's target split against what it committed.

One selector serves the page and ``/api/v1/dashboards/capacity/``. Three queries whatever the size
of the organization: the teams with their policies, the sprints of the period, and the committed
points per sprint and category (as recorded for closed sprints, live for open ones). The page asks
for a page of teams: their sprints are read in full, the other teams' latest sprint only (for the
drift call-out). The page's cards are drawn here too, in Python (``capacity_card``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from backlog.models import CapacityPolicy, Category, CategoryGroup, Sprint, SprintCommitment
from backlog.selectors import SplitRow
from core import charts
from core.models import Membership, Team
from core.templatetags.ui import percent, percent_width
from planning.dashboards import DEFAULT_WEEKS, Period, period_for
from planning.models import WorkPackage

# A strategic share this many percentage points under the target is drift worth a conversation.
DRIFT_POINTS = 10

# The work package categories, in a fixed order: the committed points come back one column each.
CATEGORIES: tuple[str, ...] = tuple(Category.values)

# A policy's split: points per category (``CATEGORIES`` order), planned and capacity points -> rows.
_Splitter = Callable[[list[int], int, int], list[SplitRow]]


# The figures derived from the points (splits, drift, verdict) are computed when first read, and
# kept: the page reads a page of teams' and every team's latest sprint's drift, the API all of it.


@dataclass(frozen=True)
class SprintSplit:
    sprint_id: Any
    name: str
    start_date: date
    end_date: date
    status: str
    capacity_points: int
    committed_points: int
    points_by_category: list[int] = field(repr=False, compare=False)  # ``CATEGORIES`` order
    splitter: _Splitter = field(repr=False, compare=False)

    @cached_property
    def split(self) -> list[SplitRow]:
        return self.splitter(self.points_by_category, self.committed_points, self.capacity_points)

    @cached_property
    def strategic(self) -> SplitRow | None:
        return next((r for r in self.split if r.group == CategoryGroup.STRATEGIC), None)

    @cached_property
    def drift(self) -> int | None:
        """Percentage points the strategic share is off its target (negative: below); None
        when nothing is committed."""
        row = self.strategic
        if row is None or not self.committed_points:
            return None
        return round(row.actual * 100) - row.target

    @cached_property
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
    splitter: _Splitter = field(repr=False, compare=False)
    committed_points: int = 0

    @cached_property
    def overall(self) -> list[SplitRow]:
        """The split over every sprint of the period."""
        totals = [sum(c) for c in zip(*(s.points_by_category for s in self.sprints), strict=True)]
        return self.splitter(
            totals or [0] * len(CATEGORIES),
            self.committed_points,
            sum(s.capacity_points for s in self.sprints),
        )

    @cached_property
    def drifted_sprints(self) -> int:
        return sum(1 for s in self.sprints if s.drifted)

    @cached_property
    def strategic_overall(self) -> SplitRow | None:
        return next((r for r in self.overall if r.group == CategoryGroup.STRATEGIC), None)

    @cached_property
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
class DriftingTeam:
    team_id: Any
    team_name: str


@dataclass(frozen=True)
class Capacity:
    period: Period
    team: Team | None
    # Every team, by name; or, when the selector was asked for a page of teams, that page's.
    teams: list[TeamCapacity] = field(default_factory=list)
    # Every team (of the filter) whose latest sprint of the period drifted, page or not.
    drifting: list[DriftingTeam] = field(default_factory=list)
    page: Page | None = None  # the page of teams ``teams`` holds, when asked for one


def _committed_sql(where: str) -> str:
    """The statement of ``_committed_by_sprint``, for sprints ``s`` (of teams ``t``) matching
    ``where``. Written out rather than built by the ORM: building the two grouped halves with
    their eight aggregates each cost more than PostgreSQL took to answer them."""
    sums = ", ".join(
        f"SUM({{points}}) FILTER (WHERE {{category}} = '{c}')"  # categories are ours
        for c in CATEGORIES
    )
    commitment, sprint = SprintCommitment._meta.db_table, Sprint._meta.db_table
    team, work = Team._meta.db_table, WorkPackage._meta.db_table
    joins = (
        f"{commitment} c JOIN {sprint} s ON s.id = c.sprint_id JOIN {team} t ON t.id = s.team_id"
    )
    recorded = sums.format(points="c.points", category="c.category")
    live = sums.format(points="COALESCE(w.estimate, 0)", category="w.category")
    return (
        f"SELECT c.sprint_id, SUM(c.points), {recorded} FROM {joins} "  # noqa: S608 - no input
        f"WHERE c.organization_id = %(org)s AND s.status = %(closed)s AND {where} "
        "GROUP BY c.sprint_id "
        "UNION ALL "
        f"SELECT c.sprint_id, SUM(COALESCE(w.estimate, 0)), {live} FROM {joins} "
        f"JOIN {work} w ON w.id = c.work_package_id "
        f"WHERE c.organization_id = %(org)s AND s.status <> %(closed)s AND {where} "
        "GROUP BY c.sprint_id"
    )


_COMMITTED_IN_PERIOD = _committed_sql(
    "t.archived_at IS NULL AND s.end_date >= %(first)s AND s.start_date <= %(last)s "
    "AND (%(team)s::uuid IS NULL OR s.team_id = %(team)s::uuid)"
)
_COMMITTED_OF_SPRINTS = _committed_sql("c.sprint_id = ANY(%(sprints)s::uuid[])")


def _committed_by_sprint(
    *,
    organization_id,
    period: tuple[date, date, Any] | None = None,
    sprint_ids: list | None = None,
) -> dict[Any, tuple[int, list[int]]]:
    """Sprint id -> (committed points, points per category in ``CATEGORIES`` order), in one
    statement: closed sprints as recorded on their commitments (no join to the 100 000s of work
    packages), open ones live from their work packages (an index lookup per commitment of an
    open sprint only). One row per sprint, the categories as columns, not one per category.

    For the sprints of unarchived teams overlapping ``period`` (first day, last day, the team
    or None for all), or for the sprints ``sprint_ids``."""
    params: dict[str, Any] = {"org": organization_id, "closed": Sprint.Status.CLOSED.value}
    if sprint_ids is not None:
        sql = _COMMITTED_OF_SPRINTS
        params["sprints"] = list(sprint_ids)
    else:
        assert period is not None  # noqa: S101 - one of the two is required
        sql = _COMMITTED_IN_PERIOD
        params["first"], params["last"], params["team"] = period
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1] or 0, [v or 0 for v in row[2:]]) for row in cursor.fetchall()}


def _splitter(policy: CapacityPolicy) -> _Splitter:
    """``split_rows`` for one policy over points per category in ``CATEGORIES`` order (and the
    points planned in all), with the policy's groups, targets and labels read once."""
    index = {c: n for n, c in enumerate(CATEGORIES)}
    groups = []
    for group, categories in policy.groups.items():
        columns = tuple(index[c] for c in categories if c in index)
        # A group of one category (most of them) reads its column; the others add theirs up.
        groups.append(
            (
                CategoryGroup(group).value,
                CategoryGroup(group).label,
                policy.targets[group],
                columns[0] if len(columns) == 1 else columns,
            )
        )

    def split(points_by_category: list[int], planned: int, capacity: int) -> list[SplitRow]:
        rows = []
        for group, label, target, columns in groups:
            points = (
                points_by_category[columns]
                if isinstance(columns, int)
                else sum([points_by_category[n] for n in columns])
            )
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


_POLICY_FIELDS = ("split", *(name for _, name in CapacityPolicy.SHARE_FIELDS))


def capacity(
    *,
    membership: Membership,
    team: Team | None = None,
    weeks: int = DEFAULT_WEEKS,
    today: date | None = None,
    page: int | str | None = None,
    per_page: int | None = None,
) -> Capacity:
    """Every team's sprints of the period (those overlapping it), split against the target.

    With ``per_page``, the teams of page ``page`` only (``Capacity.page``), while the drifting
    teams are still every team's: the committed points are then read for those teams' sprints
    and every other team's latest sprint alone, not for every sprint of the organization.
    Three queries: the teams with their policies and the sprints of the period as plain rows,
    and the committed points per sprint (``_committed_by_sprint``)."""
    period = period_for(membership=membership, weeks=weeks, today=today)
    organization_id = membership.organization_id
    teams = Team.objects.filter(organization_id=organization_id, archived_at__isnull=True)
    if team is not None:
        teams = teams.filter(pk=team.pk)
    team_rows = list(
        teams.order_by("name").values_list(
            "pk",
            "name",
            "capacity_policy__id",
            *(f"capacity_policy__{f}" for f in _POLICY_FIELDS),
        )
    )
    shown = team_rows
    team_page = None
    if per_page is not None:
        team_page = Paginator(team_rows, per_page).get_page(page)
        shown = list(team_page.object_list)
    last_day = min(period.last_day, period.today)
    in_period = Q(
        organization_id=organization_id,
        team__archived_at__isnull=True,
        end_date__gte=period.first_week,
        start_date__lte=last_day,
    )
    if team is not None:
        in_period &= Q(team_id=team.pk)
    by_team: dict[Any, list[tuple]] = {}
    for row in (
        Sprint.objects.filter(in_period)
        .order_by("team_id", "start_date", "name")
        .values_list("team_id", "id", "name", "start_date", "end_date", "status", "capacity_points")
    ):
        by_team.setdefault(row[0], []).append(row)
    if team_page is None:
        committed = _committed_by_sprint(
            organization_id=organization_id,
            period=(period.first_week, last_day, team.pk if team is not None else None),
        )
    else:
        # The page's teams' sprints, and the latest sprint of every team for the drift call-out.
        on_page = {row[0] for row in shown}
        committed = _committed_by_sprint(
            organization_id=organization_id,
            sprint_ids=[
                sprint[1]
                for team_id, sprints in by_team.items()
                for sprint in (sprints if team_id in on_page else sprints[-1:])
            ],
        )
    nothing = (0, [0] * len(CATEGORIES))
    default = CapacityPolicy(organization_id=organization_id)
    # Teams share a handful of policies: each distinct one is read (targets, splitter) once.
    policies: dict[tuple | None, tuple[CapacityPolicy, dict[str, int], _Splitter]] = {}

    def sprint_split(row: tuple, split: _Splitter) -> SprintSplit:
        _, pk, name, start_date, end_date, status, capacity_points = row
        points, by_category = committed.get(pk, nothing)
        return SprintSplit(
            sprint_id=pk,
            name=name,
            start_date=start_date,
            end_date=end_date,
            status=status,
            capacity_points=capacity_points,
            committed_points=points,
            points_by_category=by_category,
            splitter=split,
        )

    result = []
    drifting = []
    shown_ids = {row[0] for row in shown}
    for team_id, team_name, policy_id, *values in team_rows:
        key = tuple(values) if policy_id is not None else None
        if key not in policies:
            policy = (
                CapacityPolicy(
                    organization_id=organization_id, **dict(zip(_POLICY_FIELDS, key, strict=True))
                )
                if key is not None
                else default
            )
            policies[key] = (policy, policy.targets, _splitter(policy))
        policy, targets, split = policies[key]
        rows = by_team.get(team_id, [])
        if team_id not in shown_ids:
            if rows and sprint_split(rows[-1], split).drifted:
                drifting.append(DriftingTeam(team_id=team_id, team_name=team_name))
            continue
        splits = [sprint_split(row, split) for row in rows]
        if splits and splits[-1].drifted:
            drifting.append(DriftingTeam(team_id=team_id, team_name=team_name))
        result.append(
            TeamCapacity(
                team_id=team_id,
                team_name=team_name,
                split=policy.split,
                has_policy=policy_id is not None,
                targets=dict(targets),
                sprints=splits,
                splitter=split,
                committed_points=sum(s.committed_points for s in splits),
            )
        )
    return Capacity(period=period, team=team, teams=result, drifting=drifting, page=team_page)


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


def capacity_chart_html(team: TeamCapacity) -> SafeString:
    """The team's chart as SVG markup (a page shows ten of these)."""
    return charts.chart_html(capacity_chart(team), id=team.team_id)


# The capacity page shows ten team cards, each with its split and a row per sprint: drawn here, in
# Python, with the markup of ``backlog/_split.html`` and the card's table (tests hold them equal),
# because rendering them node by node in a template was most of the page's time.


def split_html(rows: list[SplitRow], *, show_points: bool = False) -> SafeString:
    """``backlog/_split.html`` rendered with ``rows`` (and ``show_points``), built in Python."""
    e = charts.html_text
    parts = ['<div class="split">\n  ']
    for r in rows:
        below, above = r.below, r.above
        state = " split__row--below" if below else " split__row--above" if above else ""
        group = e(r.group)
        points = f" · {r.points} pts" if show_points else ""
        flag = (
            ' <span class="flag flag--warn"><span aria-hidden="true">▼</span> below target</span>'
            if below
            else ' <span class="flag flag--note"><span aria-hidden="true">▲</span> above target'
            "</span>"
            if above
            else ""
        )
        parts.append(
            f'\n  <div class="split__row{state}" data-group="{group}">\n'
            f'    <span class="split__label">{e(r.label)}</span>\n'
            f'    <span class="bullet" aria-hidden="true"><span class="bullet__fill '
            f'bullet__fill--{group} pw-{percent_width(r.actual)}"></span><span '
            f'class="bullet__target pw-{r.target}"></span></span>\n'
            f'    <span class="split__nums"><strong>{e(percent(r.actual))}</strong> <span '
            f'class="muted">· target {r.target} %{points}</span>{flag}</span>\n'
            "  </div>\n  "
        )
    parts.append(
        '\n  <p class="split__legend small muted"><span class="legend-fill" aria-hidden="true">'
        '</span> share of planned points <span class="legend-target" aria-hidden="true"></span> '
        "target</p>\n</div>\n"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _day_month(day: date) -> str:
    """``day|date:"j M"`` (e.g. "7 Sep", the month in the active language), without the
    template filter's format lookups."""
    return f"{day.day} {str(MONTHS_3[day.month]).title()}"


# Sprint links are this URL with the sprint's id in place of the zeros: reversed once, not per row.
_NO_SPRINT = "00000000-0000-0000-0000-000000000000"


def _sprint_row_html(s: SprintSplit, sprint_url: str) -> str:
    e = charts.html_text
    name = e(s.name)
    url = sprint_url.replace(_NO_SPRINT, str(s.sprint_id))
    dates = f"{e(_day_month(s.start_date))}–{e(_day_month(s.end_date))}"
    r = s.strategic
    strategic = (
        f'<span title="{r.points} strategic points; target {r.target} %">'
        f"{e(percent(r.actual)) if s.committed_points else '—'}</span>"
        if r is not None
        else f'<span title=" strategic points; target  %">{"" if s.committed_points else "—"}'
        "</span>"
    )
    drift = s.drift
    if drift is None:
        flag = '<span class="muted">nothing committed</span>'
    elif s.drifted:
        flag = (
            f'<span class="flag flag--warn" title="Strategic share {drift} points off target">'
            f'<span aria-hidden="true">▼</span> {drift} points</span>'
        )
    elif drift < 0:
        flag = (
            f'<span class="flag flag--note" title="Strategic share {drift} points off target">'
            f"{drift} points</span>"
        )
    else:
        flag = (
            '<span class="flag flag--ok" title="At or above the strategic target">'
            '<span aria-hidden="true">✓</span> on target</span>'
        )
    return (
        f'<tr data-sprint="{name}">\n'
        f'      <th scope="row"><a href="{e(url)}">{name}</a> <span class="small muted">{dates}'
        f"{' · open' if s.status == 'open' else ''}</span></th>\n"
        f'      <td class="num" data-label="Committed"><span title="{s.committed_points} of '
        f'{s.capacity_points} capacity points committed">{s.committed_points} / '
        f"{s.capacity_points}</span></td>\n"
        f'      <td class="num" data-label="Strategic">{strategic}</td>\n'
        f'      <td data-label="Drift">{flag}</td>\n'
        "    </tr>"
    )


def sprint_rows_html(team: TeamCapacity) -> SafeString:
    """The rows of the card's sprint table (its ``<tbody>``), one per sprint of the period."""
    url = reverse("backlog:sprint_detail", args=[_NO_SPRINT])
    return mark_safe("".join(_sprint_row_html(s, url) for s in team.sprints))  # noqa: S308


@dataclass(frozen=True)
class CapacityCard:
    """One team's card on the capacity page, its repeated parts drawn already."""

    team: TeamCapacity
    chart: SafeString
    split: SafeString
    sprint_rows: SafeString


def capacity_card(team: TeamCapacity) -> CapacityCard:
    if not team.sprints:
        empty = mark_safe("")
        return CapacityCard(team=team, chart=empty, split=empty, sprint_rows=empty)
    return CapacityCard(
        team=team,
        chart=capacity_chart_html(team),
        split=split_html(team.overall, show_points=True),
        sprint_rows=sprint_rows_html(team),
    )
