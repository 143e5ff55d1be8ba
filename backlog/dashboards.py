"""Read model of the Capacity dashboard: each team's target split against what it committed.

One selector serves the page and ``/api/v1/dashboards/capacity/``. Three queries whatever the size
of the organization: the teams with their policies, the sprints of the period, and the committed
points per sprint and category (as recorded for closed sprints, live for open ones). The page asks
for a page of teams: their sprints are read in full, the other teams' latest sprint only (for the
drift call-out). The page's cards are drawn here too, in Python (``capacity_card``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from backlog.models import CapacityPolicy, Category, CategoryGroup, Sprint, SprintCommitment
from backlog.selectors import SplitRow
from core import charts
from core.links import id_url
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
    # Every active team as ``{"id", "name"}``, by name (a team filter's options), when no team
    # was asked for: the rows read for the page anyway (``planning.selectors.team_choices``).
    team_choices: list[dict[str, Any]] | None = None


def _committed_sql(where: str, *, sprints: str | None = None) -> str:
    """The statement of ``_committed_by_sprint``, for sprints ``s`` (of teams ``t``) matching
    ``where``; or, with ``sprints`` (an array of distinct sprint ids), for those sprints, joined
    to their ``unnest`` rather than matched with ``c.sprint_id = ANY(...)``, which PostgreSQL
    planned (an estimate per id, in both halves) and ran slower. Written out rather than built
    by the ORM: building the two grouped halves with their eight aggregates each cost more than
    PostgreSQL took to answer them."""
    sums = ", ".join(
        f"SUM({{points}}) FILTER (WHERE {{category}} = '{c}')"  # categories are ours
        for c in CATEGORIES
    )
    commitment, sprint = SprintCommitment._meta.db_table, Sprint._meta.db_table
    team, work = Team._meta.db_table, WorkPackage._meta.db_table
    joins = (
        f"{commitment} c JOIN {sprint} s ON s.id = c.sprint_id JOIN {team} t ON t.id = s.team_id"
        if sprints is None
        else f"unnest({sprints}) AS ids (id) JOIN {commitment} c ON c.sprint_id = ids.id "
        f"JOIN {sprint} s ON s.id = c.sprint_id"
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
_COMMITTED_OF_SPRINTS = _committed_sql("TRUE", sprints="%(sprints)s::uuid[]")

_POLICY_FIELDS = ("split", *(name for _, name in CapacityPolicy.SHARE_FIELDS))

# The selector's other two reads, written out too: building them with the ORM (and reading
# 1 000s of sprint rows through its iterator) cost more than PostgreSQL took to answer them.
# The active teams of an organization (or the one asked for), by name, with their policy's
# id and fields (``_POLICY_FIELDS``; NULL without a policy).
_TEAMS = (
    f"SELECT t.id, t.name, p.id, {', '.join(f'p.{f}' for f in _POLICY_FIELDS)} "  # noqa: S608
    f"FROM {Team._meta.db_table} t "
    f"LEFT JOIN {CapacityPolicy._meta.db_table} p ON p.team_id = t.id "
    "WHERE t.organization_id = %(org)s AND t.archived_at IS NULL "
    "AND (%(team)s::uuid IS NULL OR t.id = %(team)s::uuid) "
    "ORDER BY t.name"
)
# The sprints of those teams overlapping the period, by team, oldest first.
_SPRINTS = (
    "SELECT s.team_id, s.id, s.name, s.start_date, s.end_date, s.status, s.capacity_points "  # noqa: S608
    f"FROM {Sprint._meta.db_table} s JOIN {Team._meta.db_table} t ON t.id = s.team_id "
    "WHERE s.organization_id = %(org)s AND t.archived_at IS NULL "
    "AND s.end_date >= %(first)s AND s.start_date <= %(last)s "
    "AND (%(team)s::uuid IS NULL OR s.team_id = %(team)s::uuid) "
    "ORDER BY s.team_id, s.start_date, s.name"
)


def _committed_by_sprint(
    *,
    organization_id,
    period: tuple[date, date, Any] | None = None,
    sprint_ids: list | None = None,
) -> dict[int, tuple[int, list[int]]]:
    """Sprint id (its ``int``) -> (committed points, points per category in ``CATEGORIES``
    order), in one
    statement: closed sprints as recorded on their commitments (no join to the 100 000s of work
    packages), open ones live from their work packages (an index lookup per commitment of an
    open sprint only). One row per sprint, the categories as columns, not one per category.

    For the sprints of unarchived teams overlapping ``period`` (first day, last day, the team
    or None for all), or for the sprints ``sprint_ids``."""
    params: dict[str, Any] = {"org": organization_id, "closed": Sprint.Status.CLOSED.value}
    if sprint_ids is not None:
        sql = _COMMITTED_OF_SPRINTS
        # One array literal (what psycopg writes for a list of UUIDs), not an adapter per id.
        params["sprints"] = "{" + ",".join([i.hex for i in sprint_ids]) + "}"
    else:
        assert period is not None  # noqa: S101 - one of the two is required
        sql = _COMMITTED_IN_PERIOD
        params["first"], params["last"], params["team"] = period
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0].int: (row[1] or 0, [v or 0 for v in row[2:]]) for row in cursor.fetchall()}


def _groups(policy: CapacityPolicy) -> list[tuple[str, Any, int, int | tuple[int, ...]]]:
    """The policy's groups as (group, label, target, columns): the column of a group of one
    category (most of them) in ``CATEGORIES`` order, or the columns of a group of several."""
    index = {c: n for n, c in enumerate(CATEGORIES)}
    groups = []
    for group, categories in policy.groups.items():
        columns = tuple(index[c] for c in categories if c in index)
        groups.append(
            (
                CategoryGroup(group).value,
                CategoryGroup(group).label,
                policy.targets[group],
                columns[0] if len(columns) == 1 else columns,
            )
        )
    return groups


def _splitter(policy: CapacityPolicy) -> _Splitter:
    """``split_rows`` for one policy over points per category in ``CATEGORIES`` order (and the
    points planned in all), with the policy's groups, targets and labels read once."""
    groups = _groups(policy)

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


# Whether a sprint's points per category (and points planned) drifted: ``SprintSplit.drifted``
# without building its split, for the latest sprint of each team off the page.
_Drifted = Callable[[list[int], int], bool]


def _drifted(policy: CapacityPolicy) -> _Drifted:
    strategic = next((g for g in _groups(policy) if g[0] == CategoryGroup.STRATEGIC), None)
    if strategic is None:
        return lambda points_by_category, planned: False
    _, _, target, columns = strategic

    def drifted(points_by_category: list[int], planned: int) -> bool:
        if not planned:
            return False
        points = (
            points_by_category[columns]
            if isinstance(columns, int)
            else sum([points_by_category[n] for n in columns])
        )
        # ``SprintSplit.drift`` (same arithmetic): the share in whole percent less the target.
        return round(points / planned * 100) - target <= -DRIFT_POINTS

    return drifted


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
    last_day = min(period.last_day, period.today)
    params = {
        "org": organization_id,
        "team": team.pk if team is not None else None,
        "first": period.first_week,
        "last": last_day,
    }
    with connection.cursor() as cursor:
        cursor.execute(_TEAMS, params)
        team_rows = cursor.fetchall()
        shown = team_rows
        team_page = None
        if per_page is not None:
            team_page = Paginator(team_rows, per_page).get_page(page)
            shown = list(team_page.object_list)
        cursor.execute(_SPRINTS, params)
        # The rows come by team: grouped as they come (``groupby``), not looked up row by row.
        # Sprints and teams are matched by their UUID's ``int`` here, 1 000s of times: hashing
        # and comparing ``uuid.UUID`` objects runs Python code, hashing their ints does not.
        by_team: dict[int, list[tuple]] = {
            team: list(rows)
            for team, rows in groupby(cursor.fetchall(), key=lambda row: row[0].int)
        }
    if team_page is None:
        committed = _committed_by_sprint(
            organization_id=organization_id,
            period=(period.first_week, last_day, team.pk if team is not None else None),
        )
    else:
        # The page's teams' sprints, and the latest sprint of every team for the drift call-out.
        on_page = {row[0].int for row in shown}
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
    policies: dict[tuple | None, tuple[CapacityPolicy, dict[str, int], _Splitter, _Drifted]] = {}

    def sprint_split(row: tuple, split: _Splitter) -> SprintSplit:
        _, pk, name, start_date, end_date, status, capacity_points = row
        points, by_category = committed.get(pk.int, nothing)
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
    shown_ids = {row[0].int for row in shown}
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
            policies[key] = (policy, policy.targets, _splitter(policy), _drifted(policy))
        policy, targets, split, drifted = policies[key]
        rows = by_team.get(team_id.int, [])
        if team_id.int not in shown_ids:
            if rows:
                points, by_category = committed.get(rows[-1][1].int, nothing)
                if drifted(by_category, points):
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
    return Capacity(
        period=period,
        team=team,
        teams=result,
        drifting=drifting,
        page=team_page,
        team_choices=[{"id": row[0], "name": row[1]} for row in team_rows]
        if team is None
        else None,
    )


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
    """The team's chart as SVG markup (a page shows ten of these): what
    ``charts.chart_html(capacity_chart(team), id=team.team_id)`` draws (a test holds them
    equal), written in one pass, without the ``Chart``, ``Rect`` and ``Tick`` objects between
    the figures and the markup: the axis of a 100 % chart is the same on every card."""
    e, fmt = charts.html_text, charts.fmt
    ident = e(team.team_id)
    sprints = team.sprints
    count = len(sprints)
    groups = [(r.group, e(r.label)) for r in team.overall]
    target = team.targets.get(CategoryGroup.STRATEGIC, 0)
    title = e(f"{team.team_name}: committed split per sprint")
    summary = e(
        f"Share of committed points per category group in each of {count} "
        f"sprints; the line marks the strategic target of {target} %. {team.verdict}"
    )
    left, right, bottom = charts.LEFT, charts.WIDTH - charts.RIGHT, charts.HEIGHT - charts.BOTTOM
    band = (charts.WIDTH - charts.RIGHT - charts.LEFT) / max(count, 1)
    width = round(min(band * 0.64, 48), 1)
    every = max(1, math.ceil(count / charts.MAX_X_LABELS))
    parts = [
        '<figure class="chart chart--stacked">\n'
        f'  <svg class="chart__svg" viewBox="0 0 {charts.WIDTH} {charts.HEIGHT}" role="img" '
        f'aria-labelledby="chart-{ident}-title chart-{ident}-desc" focusable="false">\n'
        f'    <title id="chart-{ident}-title">{title}</title>\n'
        f'    <desc id="chart-{ident}-desc">{summary}</desc>\n    ',
        _Y_TICKS_100,
    ]
    # Per group: its classes and its label, escaped once. A hover title is escaped in parts
    # (the sprint's name and the group's label; the figures need none): ``html.escape`` of the
    # whole is the same text, since it replaces character by character.
    keys = [
        (f"chart__s{n % 6} chart__s--{e(group)}", label) for n, (group, label) in enumerate(groups)
    ]
    shown: dict[float, str] = {}  # value -> ``fmt(value, "%")``, figured once per chart

    def pct(value: float) -> str:
        text = shown.get(value)
        if text is None:
            text = shown[value] = fmt(value, "%")
        return text

    rects = []
    rows = []
    x_label_y = bottom + 18
    # Coordinates are rounded to a tenth within the drawing: ``str`` writes them as
    # ``_coord`` would (never in exponent notation), so the bars write them directly.
    plot_bottom, bar_width = charts.HEIGHT - charts.BOTTOM, _coord(width)
    for i, s in enumerate(sprints):
        centre = round(left + band * (i + 0.5), 1)
        name = e(s.name)
        if i % every == 0:
            parts.append(
                f'<text class="chart__label" x="{_coord(centre)}" y="{x_label_y}" '
                f'text-anchor="middle">{name}</text>\n    '
            )
        if not s.committed_points:  # no values: no bars, a dash per group in the table
            rows.append(
                f'<tr><th scope="row">{name}</th>'
                + '<td class="num">—</td>' * len(groups)
                + "</tr>"
            )
            continue
        # The sprint's split rows come in the groups' order (the team's splitter made both).
        values = [round(r.actual * 100, 1) for r in s.split]
        shown_total = pct(sum([float(v) for v in values]))
        x = _coord(round(centre - width / 2, 1))
        base = 0.0
        for (css, label), value in zip(keys, values, strict=True):
            value = float(value)
            if value <= 0:
                continue
            # ``_y100`` of the bar's top and bottom, written out: this runs once per bar.
            top = round(plot_bottom - min(base + value, 100) / 100 * _SPAN, 1)
            low = round(plot_bottom - min(base, 100) / 100 * _SPAN, 1)
            rects.append(
                f'<rect class="chart__bar {css}" x="{x}" y="{top}" '
                f'width="{bar_width}" height="{round(low - top, 1)}">'
                f"<title>{name}: {label} {pct(value)} of {shown_total}</title></rect>\n    "
            )
            base += value
        rows.append(
            f'<tr><th scope="row">{name}</th>'
            + "".join([f'<td class="num">{pct(v)}</td>' for v in values])
            + "</tr>"
        )
    parts.extend(rects)
    target_label = f"strategic target {target} %"
    y = _coord(_y100(min(float(target), 100)))
    parts.append(
        f'<line class="chart__target" x1="{left}" x2="{right}" y1="{y}" y2="{y}">'
        f"<title>{e(target_label)}</title></line>"
        f'\n    <line class="chart__axis" x1="{left}" x2="{right}" y1="{bottom}" '
        f'y2="{bottom}"/>\n'
        "  </svg>\n"
        '  <figcaption class="chart__legend" aria-hidden="true">\n    '
    )
    parts.extend(
        f'<span class="chart__series-key"><span class="chart__swatch chart__s{n % 6} '
        f'chart__s--{e(group)}"></span>{label}</span>'
        for n, (group, label) in enumerate(groups)
    )
    body = "".join(rows) or f'<tr><td colspan="{len(groups) + 1}">No values yet.</td></tr>'
    headings = '<th scope="col">Sprint</th>' + "".join(
        f'<th scope="col" class="num">{label}</th>' for _, label in groups
    )
    parts.append(
        f'\n    <span class="chart__key chart__key--target">{e(target_label[:1].upper() + target_label[1:])}</span>'
        "\n  </figcaption>\n"
        '  <details class="chart__data">\n'
        "    <summary>The figures as a table</summary>\n"
        '    <table class="table table--compact">\n'
        f'      <caption class="sr-only">{title}. {summary}</caption>\n'
        f"      <thead><tr>{headings}</tr></thead>\n"
        f"      <tbody>{body}</tbody>\n"
        "    </table>\n"
        "  </details>\n"
        "</figure>\n"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _y100(value: float) -> float:
    """The SVG y of ``value`` on a 0 to 100 axis (``charts``' scale, with ``y_max=100``)."""
    return round((charts.HEIGHT - charts.BOTTOM) - value / 100 * _SPAN, 1)


_SPAN = (charts.HEIGHT - charts.BOTTOM) - charts.TOP


def _coord(value: float) -> str:
    """A coordinate as ``chart_html`` writes it."""
    text = str(value)
    return text if "e" not in text else charts.html_text(value)


# The grid lines and labels of the 0 to 100 % axis, every 25 %: the same on every card.
_Y_TICKS_100 = "".join(
    f'<line class="chart__grid" x1="{charts.LEFT}" x2="{charts.WIDTH - charts.RIGHT}" '
    f'y1="{_coord(_y100(v))}" y2="{_coord(_y100(v))}"/>'
    f'<text class="chart__label" x="{charts.LEFT - 6}" y="{_coord(_y100(v))}" dy="0.32em" '
    f'text-anchor="end">{charts.html_text(charts.fmt(v, "%"))}</text>\n    '
    for v in (i * 25.0 for i in range(5))
)


# The capacity page shows ten team cards, each with its split and a row per sprint: drawn here, in
# Python (the split is also ``{% split %}`` in the sprint pages' templates, backlog_ui), because
# rendering them node by node in a template was most of the page's time.


def split_html(rows: list[SplitRow], *, show_points: bool = False) -> SafeString:
    """A split of planned points against the policy's targets: a bullet per group (its share,
    its target, below or above it), with the points when ``show_points``."""
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


def _month_names() -> list[str]:
    """``date:"M"`` of each month (1 to 12; e.g. "Sep", in the active language), escaped: what
    ``day|date:"j M"`` writes after the day, read once per page rather than per date."""
    return ["", *(charts.html_text(str(MONTHS_3[n]).title()) for n in range(1, 13))]


def _sprint_row_html(s: SprintSplit, sprint_url: Callable[[Any], str], months: list[str]) -> str:
    e = charts.html_text
    name = e(s.name)
    url = sprint_url(s.sprint_id)
    start, end = s.start_date, s.end_date
    dates = f"{start.day} {months[start.month]}–{end.day} {months[end.month]}"
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


def sprint_rows_html(
    team: TeamCapacity,
    *,
    sprint_url: Callable[[Any], str] | None = None,
    months: list[str] | None = None,
) -> SafeString:
    """The rows of the card's sprint table (its ``<tbody>``), one per sprint of the period.
    (``sprint_url`` and ``months``: ``_sprint_url()`` and ``_month_names()``, once per page.)"""
    url = sprint_url or _sprint_url()
    months = months or _month_names()
    return mark_safe("".join([_sprint_row_html(s, url, months) for s in team.sprints]))  # noqa: S308


def _sprint_url() -> Callable[[Any], str]:
    """Sprint links: the URL reversed once per page, each sprint's id put in."""
    return id_url("backlog:sprint_detail")


@dataclass(frozen=True)
class CapacityCard:
    """One team's card on the capacity page, its repeated parts drawn already."""

    team: TeamCapacity
    chart: SafeString
    split: SafeString
    sprint_rows: SafeString


def capacity_card(
    team: TeamCapacity,
    *,
    sprint_url: Callable[[Any], str] | None = None,
    months: list[str] | None = None,
) -> CapacityCard:
    if not team.sprints:
        empty = mark_safe("")
        return CapacityCard(team=team, chart=empty, split=empty, sprint_rows=empty)
    return CapacityCard(
        team=team,
        chart=capacity_chart_html(team),
        split=split_html(team.overall, show_points=True),
        sprint_rows=sprint_rows_html(team, sprint_url=sprint_url, months=months),
    )


# The page's cards, whole: the markup ``backlog/dash_capacity.html`` drew per team in a loop (a
# test holds the two equal), with the URLs reversed once per page rather than per card.
_NO_TEAM = "00000000-0000-0000-0000-000000000000"


def _card_html(card: CapacityCard, *, split_url: str | None, empty: Callable[[], str]) -> str:
    e = charts.html_text
    t = card.team
    team_id = str(t.team_id)
    name = e(t.team_name)
    targets = " · ".join(
        f'<span title="{label}: {r.target} % of capacity">{label} {r.target} %</span>'
        for r in t.overall
        for label in (e(r.label),)
    )
    default = (
        ""
        if t.has_policy
        else '<span class="flag flag--note" title="This team never set its own split">default'
        "</span>"
    )
    plan = (
        f'· <a href="{e(split_url.replace(_NO_TEAM, team_id))}">Set the split</a>'
        if split_url is not None
        else ""
    )
    drifted = bool(t.sprints) and t.sprints[-1].drifted
    verdict = (
        f'<p class="capacity-verdict capacity-verdict--drift" data-verdict><span '
        f'aria-hidden="true">▼ </span>{e(t.verdict)}</p>'
        if drifted
        else f'<p class="capacity-verdict" data-verdict>{e(t.verdict)}</p>'
    )
    if t.sprints:
        count = len(t.sprints)
        body = (
            '\n  <div class="capacity-team__body">\n    <div>\n'
            f'      <h3 class="small muted">Over the period · {t.committed_points} committed '
            f"points in {count} sprint{'' if count == 1 else 's'}</h3>\n"
            f"      {card.split}\n    </div>\n    <div>\n"
            '      <h3 class="small muted">Per sprint</h3>\n'
            f"      {card.chart}\n    </div>\n  </div>\n"
            '  <table class="table table--compact insight-table capacity-sprints">\n'
            '    <thead><tr><th scope="col">Sprint</th><th scope="col" class="num">Committed'
            '</th><th scope="col" class="num">Strategic</th><th scope="col">Drift</th></tr>'
            "</thead>\n"
            f"    <tbody>{card.sprint_rows}</tbody>\n  </table>\n  "
        )
    else:
        body = f"\n    {empty()}\n  "
    return (
        f'\n<section class="card insight-card capacity-team" aria-labelledby="cap-{team_id}" '
        f'data-team="{name}">\n'
        '  <div class="capacity-team__head">\n'
        f'    <h2 id="cap-{team_id}">{name}</h2>\n'
        '    <p class="capacity-team__targets small muted">Target:\n'
        f"      {targets}\n      {default}\n      {plan}\n    </p>\n  </div>\n  \n"
        f"  {verdict}\n  \n  {body}\n</section>\n"
    )


def capacity_cards_html(teams: list[TeamCapacity], *, can_plan: bool) -> SafeString:
    """The page's team cards (``capacity_card`` each, in its ``<section>``), or "" for none."""
    split_url = reverse("backlog:backlog_capacity", args=[_NO_TEAM]) if can_plan else None
    sprint_url, months = _sprint_url(), _month_names()
    empty_state: list[str] = []

    def empty() -> str:
        # Every card without a sprint shows the same empty state: rendered once, when needed.
        if not empty_state:
            empty_state.append(_no_sprint_html(can_plan=can_plan))
        return empty_state[0]

    return mark_safe(  # noqa: S308 - every text is escaped, the parts are safe markup
        "".join(
            [
                _card_html(
                    capacity_card(t, sprint_url=sprint_url, months=months),
                    split_url=split_url,
                    empty=empty,
                )
                for t in teams
            ]
        )
    )


def _no_sprint_html(*, can_plan: bool) -> str:
    if can_plan:
        context = {
            "title": mark_safe("No sprint in this period"),
            "text": mark_safe(
                "Plan a sprint within capacity; its committed split will show here against "
                "the target."
            ),
            "action_url": reverse("backlog:sprint_create"),
            "action_label": mark_safe("Plan a sprint"),
        }
    else:
        context = {
            "title": mark_safe("No sprint in this period"),
            "text": mark_safe(
                "The team's lead plans sprints; their committed split will show here."
            ),
        }
    # (The template's ``{% if can_plan %}`` branch leaves a line break and indent after it.)
    return render_to_string("components/empty_state.html", context) + ("\n    " if can_plan else "")
