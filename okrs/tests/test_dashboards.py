"""The strategy map and the OKR trends: their numbers (one selector each), the pages and API
endpoints that show them, filters, bad input, and query counts that do not grow with the
organization."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from okrs import dashboards, rules, selectors
from okrs.models import Contribution, Objective
from okrs.tests.factories import CheckInFactory, CycleFactory, KeyResultFactory, ObjectiveFactory
from planning.models import WorkPackage
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)

pytestmark = pytest.mark.django_db
Status = WorkPackage.Status


@pytest.fixture
def as_role(request, client_for):
    def sign_in(role: str):
        membership = request.getfixturevalue(role)
        return client_for(membership), membership

    return sign_in


@dataclass
class Branch:
    strategy: Any
    objective: Any
    team_objective: Any
    kr: Any
    team_kr: Any
    initiative: Any


def build(org, *, cycle, team, other_team, owner, rows=1):
    """``rows`` strategic objectives, each with an organization objective (on track: 50 %,
    confidence 7), a team objective cascading from it (off track: 10 %, confidence 4, a check-in
    20 days old), and an initiative with four work packages of ``team`` (2 done, 1 in progress
    and overdue, 1 intention; 3 points each). Plus one open unlinked work package of
    ``other_team``."""
    now = timezone.now()
    today = timezone.localdate()
    branches = []
    for i in range(rows):
        so = StrategicObjectiveFactory(
            organization=org, priority=i + 1, trade_offs=[f"No enterprise deals {i}"]
        )
        objective = ObjectiveFactory(cycle=cycle, strategic_objective=so)
        team_objective = ObjectiveFactory(
            cycle=cycle, level=Objective.Level.TEAM, team=team, parent=objective
        )
        kr = KeyResultFactory(objective=objective, owner=owner.user)
        CheckInFactory(
            key_result=kr,
            value=Decimal(20),
            confidence=6,
            checked_in_at=timezone.make_aware(
                datetime.datetime.combine(
                    cycle.start_date + datetime.timedelta(days=3), datetime.time(12)
                )
            ),
        )
        CheckInFactory(
            key_result=kr,
            value=Decimal(50),
            confidence=7,
            checked_in_at=now - datetime.timedelta(days=1),
        )
        team_kr = KeyResultFactory(objective=team_objective)
        CheckInFactory(
            key_result=team_kr,
            value=Decimal(10),
            confidence=4,
            checked_in_at=now - datetime.timedelta(days=20),
        )
        initiative = InitiativeFactory(strategic_objective=so, title=f"Initiative {i}")
        initiative.teams.add(team)
        for status, due in (
            (Status.DONE, today),
            (Status.DONE, today),
            (Status.IN_PROGRESS, today - datetime.timedelta(days=2)),
        ):
            WorkPackageFactory(
                team=team,
                initiative=initiative,
                ready=True,
                owner=owner.user,
                status=status,
                due_date=due,
                estimate=3,
            )
        wp = WorkPackageFactory(team=team, initiative=initiative, estimate=3)
        Contribution.objects.create(organization=org, key_result=kr, work_package=wp)
        branches.append(Branch(so, objective, team_objective, kr, team_kr, initiative))
    WorkPackageFactory(team=other_team, title="Unlinked chore")
    return branches


@pytest.fixture
def cycle(org):
    return CycleFactory(organization=org)


@pytest.fixture
def branch(org, cycle, team, other_team, leader):
    return build(org, cycle=cycle, team=team, other_team=other_team, owner=leader)[0]


# --- the strategy map: the selector -----------------------------------------------------------


def test_strategy_map_top_level_rolls_the_branch_up_without_loading_it(leader, cycle, branch):
    result = dashboards.strategy_map(membership=leader, cycle=cycle)

    [node] = result.strategies
    assert node.id == str(branch.strategy.pk)
    assert node.trade_offs == ["No enterprise deals 0"]
    # The top of the tree: rolled-up figures, no objectives or initiatives loaded.
    assert (node.expanded, node.objectives, node.initiatives) == (False, [], [])
    assert node.progress == pytest.approx(0.3)  # mean of the two objectives serving it
    assert node.confidence == pytest.approx(5.5)
    assert (node.objective_count, node.key_result_count, node.initiative_count) == (2, 2, 1)
    assert node.stale_count == 1
    assert node.health_counts == {"on_track": 1, "at_risk": 0, "off_track": 1}
    assert (node.work.total, node.work.open, node.work.overdue) == (4, 2, 1)
    assert (result.linked_work.open, result.unlinked_work.open) == (2, 1)
    assert result.health_counts == {"on_track": 1, "at_risk": 0, "off_track": 1}
    assert (result.objective_count, result.key_result_count) == (2, 2)


def test_strategy_map_tree_carries_outcome_and_activity_apart(leader, cycle, branch):
    result = dashboards.strategy_map(membership=leader, cycle=cycle, expand=str(branch.strategy.pk))

    [node] = result.strategies
    assert node.id == str(branch.strategy.pk)
    assert node.expanded is True
    assert node.trade_offs == ["No enterprise deals 0"]
    # Outcome: the objectives serving it, their key results, health by okrs' own rule.
    [objective] = node.objectives
    assert objective.id == str(branch.objective.pk)
    assert objective.progress == pytest.approx(0.5)
    assert objective.health == rules.Health.ON_TRACK
    [kr] = objective.key_results
    assert (kr.progress, kr.confidence, kr.contributing_work) == (pytest.approx(0.5), 7, 1)
    [team_objective] = objective.team_objectives
    assert team_objective.progress == pytest.approx(0.1)
    assert team_objective.health == rules.Health.OFF_TRACK
    assert team_objective.key_results[0].is_stale is True
    assert node.progress == pytest.approx(0.3)  # mean of the two objectives serving it
    assert node.confidence == pytest.approx(5.5)
    # Activity: counts of work, never the work packages themselves.
    [initiative] = node.initiatives
    work = initiative.work
    assert (work.total, work.done, work.in_progress, work.intention, work.overdue) == (
        4,
        2,
        1,
        1,
        1,
    )
    assert work.points == 12
    assert node.work.open == 2
    assert (result.linked_work.open, result.unlinked_work.open) == (2, 1)
    assert result.linked_share == pytest.approx(2 / 3)
    assert result.health_counts == {"on_track": 1, "at_risk": 0, "off_track": 1}
    assert (result.objective_count, result.key_result_count) == (2, 2)


def test_strategy_map_numbers_agree_with_the_okr_board(leader, cycle, branch):
    result = dashboards.strategy_branch(
        membership=leader, cycle=cycle, strategic_objective=str(branch.strategy.pk)
    )
    board = {o.pk: o for o in selectors.objective_list(membership=leader, cycle=cycle)}
    objective = result.strategy.objectives[0]
    assert objective.progress == pytest.approx(board[branch.objective.pk].progress)
    assert objective.confidence == pytest.approx(board[branch.objective.pk].confidence)


def test_cycle_figures_in_one_query_match_the_per_objective_selector(
    leader, org, cycle, team, other_team
):
    branches = build(org, cycle=cycle, team=team, other_team=other_team, owner=leader, rows=3)
    # Edge cases: no key result; no check-in; a weight of 0; a decreasing metric overshooting.
    empty = ObjectiveFactory(cycle=cycle, strategic_objective=branches[0].strategy)
    KeyResultFactory(objective=branches[1].objective, weight=0)
    down = KeyResultFactory(
        objective=branches[2].team_objective,
        start_value=Decimal(100),
        target_value=Decimal(50),
        direction="decrease",
    )
    CheckInFactory(key_result=down, value=Decimal(40), confidence=9)
    orm = {o.pk: o for o in selectors.objective_list(membership=leader, cycle=cycle)}
    rows = selectors.objective_figures(membership=leader, cycle=cycle)
    assert [r.id for r in rows] == list(orm)
    for row in rows:
        o = orm[row.id]
        assert row.progress == pytest.approx(o.progress)
        assert row.confidence == pytest.approx(o.confidence)
        assert (row.key_result_count, row.stale_count) == (o.key_result_count, o.stale_count)
    assert next(r for r in rows if r.id == empty.pk).progress is None


def test_each_top_level_node_matches_its_expanded_branch(leader, org, cycle, team, other_team):
    build(org, cycle=cycle, team=team, other_team=other_team, owner=leader, rows=3)
    ObjectiveFactory(cycle=cycle, level=Objective.Level.TEAM, team=team, statement="Adrift")
    for filters in ({}, {"team": team}):
        result = dashboards.strategy_map(membership=leader, cycle=cycle, **filters)
        for node in result.strategies:
            branch = dashboards.strategy_branch(
                membership=leader, cycle=cycle, strategic_objective=node.key, **filters
            ).strategy
            for name in ("objective_count", "key_result_count", "stale_count", "initiative_count"):
                assert getattr(branch, name) == getattr(node, name), name
            assert branch.progress == pytest.approx(node.progress)
            assert branch.confidence == pytest.approx(node.confidence)
            assert (branch.health, branch.health_counts) == (node.health, node.health_counts)
            assert branch.work == node.work
            shown = [*branch.objectives, *(t for o in branch.objectives for t in o.team_objectives)]
            assert len(shown) == node.objective_count


def test_a_large_branch_lists_its_top_objectives_in_full_and_counts_the_rest(
    leader, cycle, branch, team, monkeypatch
):
    for i in range(3):
        ObjectiveFactory(
            cycle=cycle,
            level=Objective.Level.TEAM,
            team=team,
            parent=branch.objective,
            statement=f"Cascaded {i}",
        )
    key = str(branch.strategy.pk)
    full = dashboards.strategy_branch(membership=leader, cycle=cycle, strategic_objective=key)
    assert len(full.strategy.objectives[0].team_objectives) == 4
    monkeypatch.setattr(dashboards, "BRANCH_OBJECTIVES_IN_FULL", 3)
    monkeypatch.setattr(dashboards, "BRANCH_TEAM_OBJECTIVES", 2)
    large = dashboards.strategy_branch(membership=leader, cycle=cycle, strategic_objective=key)
    node = large.strategy
    assert node.objective_count == 5  # the figures still cover every objective
    assert node.progress == pytest.approx(full.strategy.progress)
    [top] = node.objectives
    assert [kr.id for kr in top.key_results] == [str(branch.kr.pk)]
    assert top.more_team_objectives == 2
    assert [t.id for t in top.team_objectives] == [
        t.id for t in full.strategy.objectives[0].team_objectives[:2]
    ]
    first = top.team_objectives[0]
    assert (first.key_results_shown, first.key_results, first.key_result_count) == (False, [], 1)


def test_a_large_branch_page_links_to_what_it_only_counts(
    as_role, cycle, branch, team, monkeypatch
):
    for _i in range(3):
        ObjectiveFactory(
            cycle=cycle, level=Objective.Level.TEAM, team=team, parent=branch.objective
        )
    monkeypatch.setattr(dashboards, "BRANCH_OBJECTIVES_IN_FULL", 3)
    monkeypatch.setattr(dashboards, "BRANCH_TEAM_OBJECTIVES", 2)
    client, _ = as_role("leader")
    query = {"strategic_objective": str(branch.strategy.pk)}
    html = client.get(reverse("okrs:strategy_map"), query, HTTP_HX_REQUEST="true").content
    html = html.decode()
    assert branch.kr.title in html  # the top objective's key results
    assert branch.team_kr.title not in html  # a team objective's: counted, on its page
    assert "1 key result: <a" in html
    assert "2 more team objectives</a> cascade from it" in html
    assert reverse("okrs:objective_detail", args=[branch.objective.pk]) in html


def test_a_branch_not_on_the_map_names_the_field(leader, cycle, branch, other_org):
    foreign = StrategicObjectiveFactory(organization=other_org)
    for bad in ("nope", str(foreign.pk)):
        with pytest.raises(ValidationError) as info:
            dashboards.strategy_branch(membership=leader, cycle=cycle, strategic_objective=bad)
        assert "strategic_objective" in info.value.message_dict
        with pytest.raises(ValidationError):
            dashboards.strategy_map(membership=leader, cycle=cycle, expand=bad)


def test_team_filter_keeps_the_team_and_its_context(
    org, leader, cycle, branch, team, other_team, make_member
):
    # Another strategy that only the other team works on.
    so = StrategicObjectiveFactory(organization=org, priority=9)
    other_initiative = InitiativeFactory(strategic_objective=so)
    WorkPackageFactory(team=other_team, initiative=other_initiative)
    WorkPackageFactory(team=other_team, initiative=branch.initiative)

    mine = dashboards.strategy_map(
        membership=leader, cycle=cycle, team=team, expand=str(branch.strategy.pk)
    )
    assert [s.id for s in mine.strategies] == [str(branch.strategy.pk)]
    assert mine.strategies[0].work.total == 4
    assert mine.strategies[0].initiatives[0].work.total == 4  # the other team's one left out
    # The organization objective stays as context for the team objective cascading from it.
    assert [o.id for o in mine.strategies[0].objectives] == [str(branch.objective.pk)]
    assert mine.unlinked_work.open == 0

    theirs = dashboards.strategy_map(membership=leader, cycle=cycle, team=other_team)
    assert {s.id for s in theirs.strategies} == {str(branch.strategy.pk), str(so.pk)}
    assert theirs.unlinked_work.open == 1


def test_objectives_serving_no_strategy_are_grouped_as_not_linked(leader, cycle, team, org):
    ObjectiveFactory(cycle=cycle, level=Objective.Level.TEAM, team=team, statement="Adrift")
    result = dashboards.strategy_map(membership=leader, cycle=cycle, expand=dashboards.NO_STRATEGY)
    [group] = result.strategies
    assert group.id is None
    assert group.objective_count == 1
    assert [o.statement for o in group.objectives] == ["Adrift"]


def test_another_organizations_rows_never_show(leader, cycle, branch, other_org, make_member):
    other_cycle = CycleFactory(organization=other_org)
    ObjectiveFactory(cycle=other_cycle)
    result = dashboards.strategy_map(membership=leader, cycle=cycle)
    assert len(result.strategies) == 1


def test_filters_name_the_field_when_an_id_is_bad_or_foreign(leader, other_org):
    foreign = CycleFactory(organization=other_org)
    for kwargs, name in (
        ({"cycle_id": "nope"}, "cycle"),
        ({"cycle_id": str(foreign.pk)}, "cycle"),
        ({"team_id": "0"}, "team"),
    ):
        with pytest.raises(ValidationError) as info:
            dashboards.dashboard_filters(membership=leader, **kwargs)
        assert name in info.value.message_dict


def test_filters_from_a_pages_cycle_list_are_those_of_the_queries(leader, org, other_org):
    """A page hands dashboard_filters the cycles its filter lists: the current cycle it picks
    from them is okrs.selectors.cycle_current's, and a foreign or malformed id names its field."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)

    def cycles():
        return list(selectors.cycle_list(membership=leader))

    def same():
        picked = dashboards.dashboard_filters(membership=leader, cycles=cycles()).cycle
        assert picked == selectors.cycle_current(
            membership=leader, today=dashboards.org_today(leader, timezone.now())
        )
        assert dashboards.current_cycle_of(cycles(), today) == selectors.cycle_current(
            membership=leader, today=today
        )
        return picked

    assert same() is None
    closed = CycleFactory(
        organization=org, status="closed", start_date=today - 200 * day, end_date=today - 110 * day
    )
    older = CycleFactory(
        organization=org, status="closed", start_date=today - 400 * day, end_date=today - 300 * day
    )
    assert same() == closed
    planned = CycleFactory(
        organization=org,
        status="planning",
        start_date=today + 100 * day,
        end_date=today + 190 * day,
    )
    assert same() == planned
    ended = CycleFactory(
        organization=org, status="active", start_date=today - 100 * day, end_date=today - 10 * day
    )
    assert same() == ended
    running = CycleFactory(organization=org, status="active")
    assert same() == running
    chosen = dashboards.dashboard_filters(
        membership=leader, cycle_id=str(older.pk), cycles=cycles()
    )
    assert chosen.cycle == older
    foreign = CycleFactory(organization=other_org)
    for cycle_id in ("nope", str(foreign.pk)):
        with pytest.raises(ValidationError) as info:
            dashboards.dashboard_filters(membership=leader, cycle_id=cycle_id, cycles=cycles())
        assert "cycle" in info.value.message_dict


def test_filter_choices_are_the_cycle_list_and_the_teams_not_archived(
    leader, org, team, other_team, other_org
):
    from core.models import Team
    from core.selectors import team_list

    today = timezone.localdate()
    for n, status in enumerate(("closed", "active", "planning")):
        CycleFactory(
            organization=org,
            status=status,
            name=f"Q{n}",
            start_date=today + datetime.timedelta(days=100 * n - 100),
            end_date=today + datetime.timedelta(days=100 * n - 10),
        )
    CycleFactory(organization=other_org)
    Team.objects.filter(pk=other_team.pk).update(archived_at=timezone.now())
    cycles, teams = dashboards.filter_choices(membership=leader)
    expected = list(selectors.cycle_list(membership=leader))
    assert cycles == expected
    assert [(c.name, c.status, c.start_date, c.end_date) for c in cycles] == [
        (c.name, c.status, c.start_date, c.end_date) for c in expected
    ]
    assert cycles[0].get_status_display() == "Planning"
    assert teams == list(team_list(organization=org).values("pk", "name").order_by("name"))
    assert [t["pk"] for t in teams] == [team.pk]


# --- the strategy map: page, expand, API --------------------------------------------------------


def _figures(html: str) -> dict[str, str]:
    """The numbers a page marks with data-figure, the first of each name."""
    found: dict[str, str] = {}
    for name, value in re.findall(r'data-figure="([^"]+)">([^<]+)<', html):
        found.setdefault(name, value)
    return found


def test_page_shows_the_selectors_numbers(as_role, cycle, branch):
    client, leader = as_role("leader")
    response = client.get(reverse("okrs:strategy_map"))
    assert response.status_code == 200
    html = response.content.decode()
    result = dashboards.strategy_map(membership=leader, cycle=cycle)
    figures = _figures(html)
    assert figures["on_track"] == str(result.health_counts["on_track"])
    assert figures["off_track"] == str(result.health_counts["off_track"])
    assert figures["key_results"] == str(result.key_result_count)
    assert figures["linked_open"] == str(result.linked_work.open)
    assert figures["unlinked_open"] == str(result.unlinked_work.open)
    assert figures["linked_share"] == f"{round(result.linked_share * 100)} %"
    assert branch.strategy.statement in html
    assert "No enterprise deals 0" in html  # trade-offs next to the objective
    assert "2 objectives · 2 key results · 1 initiative" in html  # the branch, rolled up
    assert "2/4 done" not in html  # its initiatives load when it is opened
    assert 'aria-current="page">Strategy map<' in html
    # Opened without htmx (the link in the branch): the whole page with that branch open.
    url = reverse("okrs:strategy_map")
    html = client.get(url, {"strategic_objective": str(branch.strategy.pk)}).content.decode()
    assert "2/4 done" in html
    assert f'open id="so-{branch.strategy.pk}"' in html
    assert branch.team_kr.title in html


def test_opening_a_branch_swaps_in_its_objectives_and_initiatives(as_role, cycle, branch, team):
    client, _ = as_role("leader")
    url = reverse("okrs:strategy_map")
    query = {"strategic_objective": str(branch.strategy.pk), "team": str(team.pk)}
    response = client.get(url, query, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<html" not in html  # the branch alone
    assert f'data-branch-loaded="{branch.strategy.pk}"' in html
    assert branch.objective.statement in html
    assert branch.team_kr.title in html
    assert "2/4 done" in html
    # The page's tree asks for it with the map's filters.
    page = client.get(url, {"team": str(team.pk)}).content.decode()
    assert f"?strategic_objective={branch.strategy.pk}&amp;cycle={cycle.pk}&amp;team={team.pk}" in (
        page
    )


def test_a_foreign_or_unknown_branch_is_a_404_on_the_page(as_role, cycle, branch, other_org):
    client, _ = as_role("leader")
    foreign = StrategicObjectiveFactory(organization=other_org)
    url = reverse("okrs:strategy_map")
    for value in (str(foreign.pk), "x"):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            assert client.get(url, {"strategic_objective": value}, **headers).status_code == 404


def test_api_returns_the_selectors_numbers(as_role, cycle, branch, team):
    client, leader = as_role("leader")
    url = "/api/v1/dashboards/strategy-map/"
    body = client.get(url, {"team": str(team.pk)}).json()
    result = dashboards.strategy_map(membership=leader, cycle=cycle, team=team)
    assert body["cycle"]["id"] == str(cycle.pk)
    assert body["team"] == str(team.pk)
    assert body["health_counts"] == result.health_counts
    node = body["strategies"][0]
    assert node["progress"] == pytest.approx(result.strategies[0].progress)
    assert (node["expanded"], node["objectives"], node["initiatives"]) == (False, [], [])
    assert (node["objective_count"], node["key_result_count"], node["initiative_count"]) == (
        2,
        2,
        1,
    )
    assert node["work"]["total"] == 4
    # One branch, asked for by its strategic objective.
    query = {"team": str(team.pk), "strategic_objective": str(branch.strategy.pk)}
    body = client.get(url, query).json()
    node = body["strategies"][0]
    assert node["expanded"] is True
    assert node["initiatives"][0]["work"]["total"] == 4
    assert node["objectives"][0]["team_objectives"][0]["health"] == "off_track"
    assert body["unlinked_work"]["open"] == result.unlinked_work.open


def test_bad_filter_is_a_400_naming_the_field_on_page_and_api(as_role, cycle):
    client, _ = as_role("leader")
    page = client.get(reverse("okrs:strategy_map"), {"team": "not-a-team"})
    assert page.status_code == 400
    assert "No such team in this organization." in page.content.decode()
    api = client.get("/api/v1/dashboards/strategy-map/", {"cycle": "x"})
    assert api.status_code == 400
    assert api.json()["errors"] == {"cycle": ["No such OKR cycle in this organization."]}
    for value in ("x", str(cycle.pk), ""):  # not a strategic objective on this map
        api = client.get("/api/v1/dashboards/strategy-map/", {"strategic_objective": value})
        assert api.status_code == 400
        assert list(api.json()["errors"]) == ["strategic_objective"]


def test_expanding_an_initiative_loads_a_limited_list_with_a_link_to_all(
    as_role, branch, team, leader
):
    client, _ = as_role("leader")
    for n in range(dashboards.INITIATIVE_WORK_LIMIT):
        WorkPackageFactory(team=team, initiative=branch.initiative, title=f"Extra {n}")
    url = reverse("okrs:strategy_map_initiative", args=[branch.initiative.pk])
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert html.count('class="smap-work__item"') == dashboards.INITIATIVE_WORK_LIMIT
    total = dashboards.INITIATIVE_WORK_LIMIT + 4
    assert f"Show all {total} on the initiative" in html
    assert reverse("planning:initiative_detail", args=[branch.initiative.pk]) in html


def test_another_organizations_initiative_is_a_404(as_role, other_org):
    client, _ = as_role("leader")
    foreign = InitiativeFactory(
        strategic_objective=StrategicObjectiveFactory(organization=other_org)
    )
    url = reverse("okrs:strategy_map_initiative", args=[foreign.pk])
    assert client.get(url).status_code == 404


def test_empty_states_name_the_next_action(as_role):
    client, _ = as_role("leader")
    html = client.get(reverse("okrs:strategy_map")).content.decode()
    assert "No OKR cycle yet" in html
    assert "Go to OKRs" in html
    html = client.get(reverse("okrs:okr_trends")).content.decode()
    assert "No OKR cycle yet" in html


# --- OKR trends ---------------------------------------------------------------------------------


def test_trend_samples_weekly_and_ends_on_the_boards_figures(leader, cycle, branch):
    result = dashboards.okr_trends(membership=leader, cycle=cycle)
    assert result.sample_days[0] == cycle.start_date
    assert result.sample_days[-1] == timezone.localdate()
    trend = next(t for t in result.objectives if t.id == str(branch.objective.pk))
    # The first check-in (20, on day 4) shows from the second week; before it, the start.
    assert trend.points[0].progress == pytest.approx(0.0)
    assert trend.points[0].confidence is None
    assert trend.points[1].progress == pytest.approx(0.2)
    assert trend.points[1].confidence == pytest.approx(6)
    board = {o.pk: o for o in selectors.objective_list(membership=leader, cycle=cycle)}
    assert trend.latest.progress == pytest.approx(board[branch.objective.pk].progress)
    assert trend.latest.confidence == pytest.approx(board[branch.objective.pk].confidence)


def test_stale_check_ins_are_those_silent_beyond_the_cadence(leader, cycle, branch, team):
    result = dashboards.okr_trends(membership=leader, cycle=cycle)
    assert [s.id for s in result.stale] == [str(branch.team_kr.pk)]
    assert result.stale[0].days_since == 20
    # A key result never checked in since it was set three weeks ago is stale too.
    old = KeyResultFactory(objective=branch.objective, title="Never checked")
    type(old).objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=21)
    )
    titles = [s.title for s in dashboards.stale_key_results(membership=leader, cycle=cycle)]
    assert titles == ["Never checked", branch.team_kr.title]
    assert dashboards.stale_key_results(membership=leader, cycle=cycle, team=team)[0].id == str(
        branch.team_kr.pk
    )


def test_trends_page_and_api_show_the_selectors_numbers(as_role, cycle, branch):
    client, leader = as_role("leader")
    result = dashboards.okr_trends(membership=leader, cycle=cycle)
    html = client.get(reverse("okrs:okr_trends")).content.decode()
    trend = next(t for t in result.objectives if t.id == str(branch.objective.pk))
    section = html[html.index(f'id="trend-{trend.id}"') :]
    assert _figures(section)["progress"] == f"{round(trend.latest.progress * 100)} %"
    assert _figures(section)["confidence"] == f"{trend.latest.confidence:.1f}/10"
    assert _figures(html)["stale-days"] == "20"
    assert "<svg" in html
    assert "<caption>" in html
    body = client.get("/api/v1/dashboards/okr-trends/").json()
    api_trend = next(t for t in body["objectives"] if t["id"] == trend.id)
    assert api_trend["points"][-1]["progress"] == pytest.approx(trend.latest.progress)
    assert [s["id"] for s in body["stale"]] == [s.id for s in result.stale]


# --- query counts: the same for a small and a much larger organization -------------------------

PAGES = {  # a path, and the query besides the team filter
    "strategy_map": lambda b: (reverse("okrs:strategy_map"), {}),
    "strategy_branch": lambda b: (
        reverse("okrs:strategy_map"),
        {"strategic_objective": str(b.strategy.pk)},
    ),
    "okr_trends": lambda b: (reverse("okrs:okr_trends"), {}),
    "initiative_work": lambda b: (
        reverse("okrs:strategy_map_initiative", args=[b.initiative.pk]),
        {},
    ),
    "api_strategy_map": lambda b: ("/api/v1/dashboards/strategy-map/", {}),
    "api_strategy_branch": lambda b: (
        "/api/v1/dashboards/strategy-map/",
        {"strategic_objective": str(b.strategy.pk)},
    ),
    "api_okr_trends": lambda b: ("/api/v1/dashboards/okr-trends/", {}),
}
EXPECTED_QUERIES = {
    "strategy_map": 11,  # the top of the tree only; the current cycle picked from the filter's
    "strategy_branch": 10,  # htmx: one branch alone (no filter lists, no page chrome)
    "okr_trends": 9,  # the objectives and their series in one statement, the stale in another
    "initiative_work": 7,
    "api_strategy_map": 9,
    "api_strategy_branch": 14,  # the top, and one branch
    "api_okr_trends": 7,
}


@pytest.mark.parametrize("rows", [1, 12])
@pytest.mark.parametrize("name", PAGES)
def test_query_count_does_not_grow_with_the_organization(
    django_assert_num_queries, as_role, org, cycle, team, other_team, name, rows
):
    client, leader = as_role("leader")
    branches = build(org, cycle=cycle, team=team, other_team=other_team, owner=leader, rows=rows)
    url, query = PAGES[name](branches[-1])
    headers = {"HTTP_HX_REQUEST": "true"} if name == "strategy_branch" else {}
    with django_assert_num_queries(EXPECTED_QUERIES[name]):
        response = client.get(url, {**query, "team": str(team.pk)}, **headers)
    assert response.status_code == 200
