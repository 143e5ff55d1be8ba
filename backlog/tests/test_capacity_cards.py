"""The capacity page's cards are drawn in Python (``dashboards.capacity_card``): the same markup
the templates drew, for every state a split row and a sprint can be in. And
``selectors.capacity_overview`` computes one team's figures alone when asked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from backlog import dashboards, selectors
from backlog.models import CapacityPolicy, Sprint
from backlog.selectors import SplitRow
from backlog.tests.factories import SprintCommitmentFactory, SprintFactory
from core import charts

pytestmark = pytest.mark.django_db

# The card's sprint rows as the page's template drew them before they moved to Python.
SPRINT_ROWS_TEMPLATE = """{% load ui %}{% for s in t.sprints %}<tr data-sprint="{{ s.name }}">
      <th scope="row"><a href="{% url 'backlog:sprint_detail' s.sprint_id %}">{{ s.name }}</a> <span class="small muted">{{ s.start_date|date:"j M" }}–{{ s.end_date|date:"j M" }}{% if s.status == "open" %} · open{% endif %}</span></th>
      <td class="num" data-label="Committed"><span title="{{ s.committed_points }} of {{ s.capacity_points }} capacity points committed">{{ s.committed_points }} / {{ s.capacity_points }}</span></td>
      <td class="num" data-label="Strategic">{% with r=s.strategic %}<span title="{{ r.points }} strategic points; target {{ r.target }} %">{% if s.committed_points %}{{ r.actual|percent }}{% else %}—{% endif %}</span>{% endwith %}</td>
      <td data-label="Drift">{% if s.drift is None %}<span class="muted">nothing committed</span>{% elif s.drifted %}<span class="flag flag--warn" title="Strategic share {{ s.drift }} points off target"><span aria-hidden="true">▼</span> {{ s.drift }} points</span>{% elif s.drift < 0 %}<span class="flag flag--note" title="Strategic share {{ s.drift }} points off target">{{ s.drift }} points</span>{% else %}<span class="flag flag--ok" title="At or above the strategic target"><span aria-hidden="true">✓</span> on target</span>{% endif %}</td>
    </tr>{% endfor %}"""


def _row(group, label, target, points, actual):
    return SplitRow(
        group=group, label=label, target=target, points=points, actual=actual, of_capacity=0.5
    )


@pytest.mark.parametrize("show_points", [True, False])
def test_the_split_marks_groups_below_and_above_their_target(show_points):
    rows = [
        _row("strategic", "Strategic", 70, 4, 0.2),  # below its target
        _row("tactical", "Tactical <&>", 30, 16, 0.8),  # above
        _row("urgent", "Urgent requests", 0, 0, 0.0),
    ]
    html = dashboards.split_html(rows, show_points=show_points)
    below, above, on = html.split('<div class="split__row')[1:]
    assert below.startswith(' split__row--below" data-group="strategic">')
    assert "bullet__fill--strategic pw-20" in below
    assert '<span class="bullet__target pw-70">' in below
    assert "<strong>20 %</strong>" in below
    assert "▼</span> below target" in below
    assert above.startswith(' split__row--above" data-group="tactical">')
    assert '<span class="split__label">Tactical &lt;&amp;&gt;</span>' in above
    assert "▲</span> above target" in above
    assert on.startswith('" data-group="urgent">')
    assert "target" in on
    assert "flag" not in on
    assert (" · 4 pts" in below) == show_points
    assert "share of planned points" in html
    tag = Template("{% load backlog_ui %}{% split rows show_points=p %}")
    assert tag.render(Context({"rows": rows, "p": show_points})) == html
    empty = dashboards.split_html([], show_points=show_points)
    assert "split__row" not in empty
    assert "share of planned points" in empty


@pytest.fixture
def sprints_of_every_kind(team):
    """Sprints drifting, close to target, on target, and with nothing committed (one open)."""
    from planning.tests.factories import WorkPackageFactory

    today = timezone.localdate()
    made = []
    for n, (commitments, closed) in enumerate(
        [
            ({"strategic": 2, "tactical": 18}, True),  # 10 %: drifting
            ({"strategic": 13, "tactical": 7}, True),  # 65 %: close to the 70 % target
            ({"strategic": 15, "stakeholder_request": 5}, True),  # 75 %: on target
            ({}, False),  # nothing committed, open
        ]
    ):
        start = today - timedelta(days=14 * (4 - n))
        sprint = SprintFactory(
            team=team,
            start_date=start,
            end_date=start + timedelta(days=13),
            capacity_points=20,
            name=f"Sprint <{n}> & co",
        )
        for category, points in commitments.items():
            wp = WorkPackageFactory(team=team, category=category, estimate=points)
            SprintCommitmentFactory(sprint=sprint, work_package=wp)
        if closed:
            Sprint.objects.filter(pk=sprint.pk).update(
                status=Sprint.Status.CLOSED, closed_at=timezone.now()
            )
        made.append(sprint)
    return made


@pytest.mark.parametrize("split", ["simple", "detailed"])
def test_the_cards_sprint_rows_are_the_templates_markup(leader, team, sprints_of_every_kind, split):
    if split == "detailed":
        CapacityPolicy.objects.create(
            organization=team.organization,
            team=team,
            split=split,
            strategic_share=70,
            tactical_share=10,
            urgent_share=10,
            experimentation_share=5,
            maintenance_share=5,
        )
    (growth,) = dashboards.capacity(membership=leader, team=team, weeks=12).teams
    assert [s.drift for s in growth.sprints] == [-60, -5, 5, None]
    expected = Template(SPRINT_ROWS_TEMPLATE).render(Context({"t": growth}))
    card = dashboards.capacity_card(growth)
    assert card.sprint_rows == expected
    assert card.split == dashboards.split_html(growth.overall, show_points=True)
    assert card.chart == charts.chart_html(dashboards.capacity_chart(growth), id=team.pk)
    assert "Sprint &lt;0&gt; &amp; co" in card.sprint_rows


def test_a_team_without_sprints_gets_an_empty_card(leader, team):
    (growth,) = dashboards.capacity(membership=leader, team=team).teams
    card = dashboards.capacity_card(growth)
    assert (card.chart, card.split, card.sprint_rows) == ("", "", "")


# --- one team's capacity overview -------------------------------------------------------------


def test_capacity_overview_of_one_team_is_that_teams_row_alone(
    django_assert_num_queries, leader, team, other_team
):
    from planning.tests.factories import WorkPackageFactory

    today = timezone.localdate()
    for t, points in ((team, 5), (other_team, 8)):
        sprint = SprintFactory(
            team=t, start_date=today - timedelta(days=2), end_date=today + timedelta(days=11)
        )
        for category in ("strategic", "tactical"):
            wp = WorkPackageFactory(team=t, category=category, estimate=points)
            SprintCommitmentFactory(sprint=sprint, work_package=wp)

    everyone = {row.team.pk: row for row in selectors.capacity_overview(membership=leader)}
    with django_assert_num_queries(4):
        (alone,) = selectors.capacity_overview(membership=leader, team=other_team)

    assert alone.team == other_team
    assert alone.sprint == everyone[other_team.pk].sprint
    assert alone.split == everyone[other_team.pk].split
    assert [r.points for r in alone.split] == [8, 8]


def test_capacity_overview_of_another_organizations_team_is_empty(leader, other_org):
    from core.tests.factories import TeamFactory

    foreign = TeamFactory(organization=other_org)
    assert selectors.capacity_overview(membership=leader, team=foreign) == []


# --- a page of teams ---------------------------------------------------------------------------


def test_a_page_of_teams_has_the_same_figures_and_every_drifting_team(
    django_assert_num_queries, leader, team, other_team, sprints_of_every_kind
):
    from planning.tests.factories import WorkPackageFactory

    start = timezone.localdate() - timedelta(days=3)
    platform = SprintFactory(
        team=other_team, start_date=start, end_date=start + timedelta(days=13), name="P1"
    )
    for category, points in (("strategic", 1), ("tactical", 9)):
        wp = WorkPackageFactory(team=other_team, category=category, estimate=points)
        SprintCommitmentFactory(sprint=platform, work_package=wp)
    everyone = dashboards.capacity(membership=leader)
    by_id = {t.team_id: t for t in everyone.teams}
    assert [t.team_name for t in everyone.drifting] == [other_team.name]  # Growth's latest: none
    assert everyone.page is None

    for number in (1, 2):
        with django_assert_num_queries(3):  # teams, sprints, committed points
            data = dashboards.capacity(membership=leader, page=number, per_page=1)
            (shown,) = data.teams
            shown.verdict  # noqa: B018 - everything the card reads, read within the count
        assert data.page is not None
        assert data.page.number == number
        assert data.page.paginator.count == 2
        assert [t.team_name for t in data.drifting] == [other_team.name]
        full = by_id[shown.team_id]
        assert shown.verdict == full.verdict
        assert shown.overall == full.overall
        assert [(s.name, s.committed_points, s.split, s.drift) for s in shown.sprints] == [
            (s.name, s.committed_points, s.split, s.drift) for s in full.sprints
        ]


# --- the whole card, and its chart, drawn in one pass -------------------------------------------

# The page's card loop as ``backlog/dash_capacity.html`` drew it before the cards moved to Python
# (``dashboards.capacity_cards_html``).
CARDS_TEMPLATE = """{% for card in cards %}{% with t=card.team %}
<section class="card insight-card capacity-team" aria-labelledby="cap-{{ t.team_id }}" data-team="{{ t.team_name }}">
  <div class="capacity-team__head">
    <h2 id="cap-{{ t.team_id }}">{{ t.team_name }}</h2>
    <p class="capacity-team__targets small muted">Target:
      {% for r in t.overall %}<span title="{{ r.label }}: {{ r.target }} % of capacity">{{ r.label }} {{ r.target }} %</span>{% if not forloop.last %} · {% endif %}{% endfor %}
      {% if not t.has_policy %}<span class="flag flag--note" title="This team never set its own split">default</span>{% endif %}
      {% if can_plan %}· <a href="{% url 'backlog:backlog_capacity' t.team_id %}">Set the split</a>{% endif %}
    </p>
  </div>
  {% with latest=t.sprints|last %}
  <p class="capacity-verdict{% if latest.drifted %} capacity-verdict--drift{% endif %}" data-verdict>{% if latest.drifted %}<span aria-hidden="true">▼ </span>{% endif %}{{ t.verdict }}</p>
  {% endwith %}
  {% if t.sprints %}
  <div class="capacity-team__body">
    <div>
      <h3 class="small muted">Over the period · {{ t.committed_points }} committed points in {{ t.sprints|length }} sprint{{ t.sprints|pluralize }}</h3>
      {{ card.split }}
    </div>
    <div>
      <h3 class="small muted">Per sprint</h3>
      {{ card.chart }}
    </div>
  </div>
  <table class="table table--compact insight-table capacity-sprints">
    <thead><tr><th scope="col">Sprint</th><th scope="col" class="num">Committed</th><th scope="col" class="num">Strategic</th><th scope="col">Drift</th></tr></thead>
    <tbody>{{ card.sprint_rows }}</tbody>
  </table>
  {% else %}
    {% if can_plan %}{% url 'backlog:sprint_create' as new_sprint_url %}{% include "components/empty_state.html" with title="No sprint in this period" text="Plan a sprint within capacity; its committed split will show here against the target." action_url=new_sprint_url action_label="Plan a sprint" %}
    {% else %}{% include "components/empty_state.html" with title="No sprint in this period" text="The team's lead plans sprints; their committed split will show here." %}{% endif %}
  {% endif %}
</section>
{% endwith %}{% endfor %}"""


def _team(name, sprints, *, policy=None, has_policy=True):
    """A ``TeamCapacity`` as the selector builds it, from (name, committed points by category,
    capacity, status) per sprint, without the database."""
    import uuid
    from datetime import date

    policy = policy or CapacityPolicy()
    split = dashboards._splitter(policy)
    splits = []
    for n, (sprint_name, points, capacity, status) in enumerate(sprints):
        by_category = [points.get(c, 0) for c in dashboards.CATEGORIES]
        start = date(2026, 1, 5) + timedelta(days=14 * n)
        splits.append(
            dashboards.SprintSplit(
                sprint_id=uuid.uuid4(),
                name=sprint_name,
                start_date=start,
                end_date=start + timedelta(days=13),
                status=status,
                capacity_points=capacity,
                committed_points=sum(by_category),
                points_by_category=by_category,
                splitter=split,
            )
        )
    return dashboards.TeamCapacity(
        team_id=uuid.uuid4(),
        team_name=name,
        split=policy.split,
        has_policy=has_policy,
        targets=dict(policy.targets),
        sprints=splits,
        splitter=split,
        committed_points=sum(s.committed_points for s in splits),
    )


DETAILED = CapacityPolicy(
    split="detailed",
    strategic_share=50,
    tactical_share=20,
    urgent_share=10,
    experimentation_share=10,
    maintenance_share=10,
)


def _teams():
    closed = "closed"
    return [
        _team(  # drifting now, default policy
            'Growth <&> "co" \'s',
            [
                ("S <1>", {"strategic": 14, "tactical": 6}, 20, closed),
                ("S 2", {"strategic": 2, "tactical": 18, "operational": 3}, 25, closed),
            ],
            has_policy=False,
        ),
        _team(  # detailed split, on target, an empty sprint in the middle, the latest open
            "Platform",
            [
                ("P1", {"strategic": 7, "stakeholder_request": 1, "experimental": 2}, 10, closed),
                ("P2", {}, 10, closed),
                ("P3", {"strategic": 3, "technical_debt": 1, "optimization": 3}, 7, "open"),
            ],
            policy=DETAILED,
        ),
        _team("Quiet", [], has_policy=False),  # no sprint in the period
        _team(  # 14 sprints: the chart labels every other one; nothing committed in the last
            "Many",
            [
                (f"M{n}", {"strategic": n, "tactical": 14 - n, "operational": n % 3}, 30, closed)
                for n in range(13)
            ]
            + [("M13", {}, 30, "open")],
        ),
    ]


@pytest.mark.parametrize("can_plan", [True, False])
def test_the_cards_are_the_templates_markup(can_plan):
    teams = _teams()
    expected = Template(CARDS_TEMPLATE).render(
        Context({"cards": [dashboards.capacity_card(t) for t in teams], "can_plan": can_plan})
    )
    assert dashboards.capacity_cards_html(teams, can_plan=can_plan) == expected
    assert dashboards.capacity_cards_html([], can_plan=can_plan) == ""


def test_the_chart_is_chart_htmls_markup_of_the_capacity_chart():
    for t in _teams():
        if t.sprints:
            assert dashboards.capacity_chart_html(t) == charts.chart_html(
                dashboards.capacity_chart(t), id=t.team_id
            )


def test_the_drift_of_a_latest_sprint_is_the_sprints_own():
    """Off the page, a team's latest sprint is judged from its points alone (``_drifted``)."""
    import itertools

    for policy in (CapacityPolicy(), DETAILED, CapacityPolicy(strategic_share=0)):
        drifted = dashboards._drifted(policy)
        split = dashboards._splitter(policy)
        for strategic, tactical, other in itertools.product(
            (0, 1, 6, 7, 13), (0, 3, 10), (0, 1, 9)
        ):
            by_category = [0] * len(dashboards.CATEGORIES)
            by_category[dashboards.CATEGORIES.index("strategic")] = strategic
            by_category[dashboards.CATEGORIES.index("tactical")] = tactical
            by_category[dashboards.CATEGORIES.index("experimental")] = other
            planned = sum(by_category)
            sprint = dashboards.SprintSplit(
                sprint_id=None,
                name="S",
                start_date=None,
                end_date=None,
                status="closed",
                capacity_points=20,
                committed_points=planned,
                points_by_category=by_category,
                splitter=split,
            )
            assert drifted(by_category, planned) == sprint.drifted, (strategic, tactical, other)
