"""The Capacity dashboard: each team's target split against what it committed, per sprint; the
page and the API show the selector's numbers, and the query count does not grow with the
organization."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backlog import dashboards
from backlog.models import CapacityPolicy, Sprint
from backlog.tests.factories import SprintCommitmentFactory, SprintFactory
from core.models import Role
from core.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def sprint_with(team, make_work):
    """A sprint of ``team`` that started ``days_ago``, with commitments {category: points}."""

    def make(days_ago, commitments, *, team=team, closed=False, name=None, capacity=20):
        start = today() - timedelta(days=days_ago)
        sprint = SprintFactory(
            team=team,
            start_date=start,
            end_date=start + timedelta(days=13),
            capacity_points=capacity,
            **({"name": name} if name else {}),
        )
        for category, points in commitments.items():
            wp = make_work(category=category, estimate=points, team=team, owner=None)
            SprintCommitmentFactory(sprint=sprint, work_package=wp)
        if closed:
            Sprint.objects.filter(pk=sprint.pk).update(
                status=Sprint.Status.CLOSED, closed_at=timezone.now()
            )
        return sprint

    return make


@pytest.fixture
def make_work(team):
    from planning.tests.factories import WorkPackageFactory

    def make(category="strategic", estimate=3, team=team, owner=None):
        return WorkPackageFactory(team=team, category=category, estimate=estimate)

    return make


def test_committed_split_per_sprint_against_the_target(leader, team, sprint_with):
    CapacityPolicy.objects.create(
        organization=team.organization, team=team, strategic_share=70, tactical_share=30
    )
    sprint_with(30, {"strategic": 14, "tactical": 6}, closed=True, name="Sprint 1")
    sprint_with(16, {"strategic": 5, "stakeholder_request": 10, "operational": 5}, name="Sprint 2")

    data = dashboards.capacity(membership=leader)

    (growth,) = [t for t in data.teams if t.team_name == "Growth"]
    assert growth.has_policy
    assert growth.targets == {"strategic": 70, "tactical": 30}
    first, second = growth.sprints
    assert (first.name, first.committed_points, first.drift, first.drifted) == (
        "Sprint 1",
        20,
        0,
        False,
    )
    assert (second.committed_points, second.drift, second.drifted) == (20, -45, True)
    assert [(r.group, r.points) for r in second.split] == [("strategic", 5), ("tactical", 15)]
    assert [(r.group, r.points) for r in growth.overall] == [("strategic", 19), ("tactical", 21)]
    assert growth.committed_points == 40
    assert growth.verdict.startswith(
        "Drifting: strategic work got 25 % of Sprint 2's committed points against a 70 % "
        "target, 45 points below; tactical (75 % against 30 %) crowded it out."
    )
    assert "in 1 of 2 sprints" in growth.verdict
    assert [t.team_name for t in data.drifting] == ["Growth"]


def test_closed_sprints_keep_their_recorded_points_open_ones_are_live(leader, team, sprint_with):
    closed = sprint_with(30, {"strategic": 8}, closed=True)
    closed.commitments.update(points=3)  # recorded at close, later re-estimated
    sprint_with(2, {"tactical": 4})

    (growth,) = [t for t in dashboards.capacity(membership=leader).teams if t.team_id == team.pk]

    assert [s.committed_points for s in growth.sprints] == [3, 4]


def test_a_team_without_a_policy_is_held_to_the_default_and_one_without_sprints_says_so(
    leader, team, other_team, sprint_with
):
    sprint_with(3, {"strategic": 10, "tactical": 5})

    data = dashboards.capacity(membership=leader)
    growth, platform = data.teams  # by name: Growth, Platform

    assert not growth.has_policy
    assert growth.targets == {"strategic": 70, "tactical": 30}
    assert growth.verdict.startswith("Close to target: strategic work got 67 %")
    assert platform.sprints == []
    assert platform.verdict.startswith("No sprint in this period")


def test_the_period_and_team_filters(leader, team, other_team, sprint_with):
    sprint_with(200, {"strategic": 5}, name="Long ago")
    sprint_with(-10, {"strategic": 5}, name="Not started")
    sprint_with(20, {"strategic": 5}, name="Recent")
    sprint_with(20, {"tactical": 5}, team=other_team, name="Platform's")

    data = dashboards.capacity(membership=leader, team=team, weeks=4)

    assert [t.team_name for t in data.teams] == ["Growth"]
    assert [s.name for s in data.teams[0].sprints] == ["Recent"]


def test_another_organizations_sprints_never_count(leader, team, other_org, sprint_with):
    foreign = TeamFactory(organization=other_org, name="Foreign")
    sprint_with(3, {"tactical": 50}, team=foreign)

    data = dashboards.capacity(membership=leader)

    assert "Foreign" not in [t.team_name for t in data.teams]


def test_chart_is_a_percent_stack_with_the_strategic_target(leader, team, sprint_with):
    sprint_with(3, {"strategic": 15, "tactical": 5}, name="Sprint 9")
    (growth,) = [t for t in dashboards.capacity(membership=leader).teams if t.team_id == team.pk]

    chart = dashboards.capacity_chart(growth)

    assert chart.kind == "stacked"
    assert chart.rows == [["Sprint 9", "75 %", "25 %"]]
    assert chart.target_label == "strategic target 70 %"
    assert growth.verdict in chart.summary


# --- page and API --------------------------------------------------------------------------


def test_page_shows_the_selectors_numbers_and_the_drift_in_words(
    client_for, leader, team, sprint_with
):
    sprint_with(16, {"strategic": 4, "stakeholder_request": 12}, name="Sprint 2")
    response = client_for(leader).get(reverse("backlog:dash_capacity"))
    html = response.content.decode()
    (growth,) = [t for t in dashboards.capacity(membership=leader).teams if t.team_id == team.pk]

    assert response.status_code == 200
    assert growth.verdict.replace("'", "&#x27;") in html
    row = re.search(r'data-sprint="Sprint 2">(.*?)</tr>', html, re.DOTALL).group(1)
    assert "16 / 20" in row
    assert "25 %" in row
    assert "-45 points" in row
    assert "1 team drifting from the target split" in html
    assert 'aria-current="page">Capacity' in html


def test_page_and_api_filters(client_for, leader, team, other_team, sprint_with):
    sprint_with(3, {"strategic": 5})
    client = client_for(leader)
    page = client.get(reverse("backlog:dash_capacity"), {"team": str(other_team.pk)})
    assert "Growth" not in re.sub(r"<select.*?</select>", "", page.content.decode(), flags=re.S)

    api = client.get("/api/v1/dashboards/capacity/", {"team": str(team.pk), "weeks": "4"})
    data = dashboards.capacity(membership=leader, team=team, weeks=4)
    body = api.json()
    assert api.status_code == 200
    assert body["team"] == str(team.pk)
    assert body["period"]["weeks"] == 4
    (growth,) = body["teams"]
    assert growth["verdict"] == data.teams[0].verdict
    assert [s["committed_points"] for s in growth["sprints"]] == [
        s.committed_points for s in data.teams[0].sprints
    ]
    assert growth["overall"][0]["actual"] == pytest.approx(data.teams[0].overall[0].actual)


def test_bad_filters_are_400s_naming_the_field(client_for, leader):
    client = client_for(leader)
    api = client.get("/api/v1/dashboards/capacity/", {"team": "x", "weeks": "0"})
    assert api.status_code == 400
    assert set(api.json()["errors"]) == {"team", "weeks"}
    page = client.get(reverse("backlog:dash_capacity"), {"weeks": "99"})
    assert page.status_code == 400
    assert "Give a whole number of weeks" in page.content.decode()


def test_a_member_reads_it_too_but_is_not_offered_to_plan(client_for, member):
    response = client_for(member).get(reverse("backlog:dash_capacity"))
    assert response.status_code == 200
    assert "Plan a sprint" not in response.content.decode()


# --- query count: identical for a small and a much larger organization --------------------


def _grow(org, make_member, size):
    from planning.tests.factories import WorkPackageFactory

    for i in range(size):
        t = TeamFactory(organization=org, name=f"Team {size}-{i:02}")
        make_member(Role.TEAM_LEAD, teams=[t])
        if i % 2:
            CapacityPolicy.objects.create(
                organization=org, team=t, strategic_share=60, tactical_share=40
            )
        for n in range(3):
            start = today() - timedelta(days=14 * n + 1)
            sprint = SprintFactory(team=t, start_date=start, end_date=start + timedelta(days=13))
            for category in ("strategic", "tactical", "operational"):
                wp = WorkPackageFactory(team=t, category=category, estimate=n + 1)
                SprintCommitmentFactory(sprint=sprint, work_package=wp)


def test_page_and_api_query_counts_do_not_grow_with_the_organization(
    django_assert_num_queries, client_for, leader, org, make_member
):
    client = client_for(leader)
    url = reverse("backlog:dash_capacity")
    pages, apis = [], []
    for size in (1, 10):
        _grow(org, make_member, size)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        pages.append(len(ctx.captured_queries))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/dashboards/capacity/").status_code == 200
        apis.append(len(ctx.captured_queries))
    assert pages[0] == pages[1]
    assert apis[0] == apis[1]
    with django_assert_num_queries(pages[1]):
        client.get(url)


# --- many teams: the cards come a page at a time; the API's wire equals its serializer ------


def test_the_page_shows_a_page_of_team_cards_and_names_every_drifting_team(
    client_for, leader, team, other_team, sprint_with, monkeypatch
):
    from backlog import views

    monkeypatch.setattr(views, "CAPACITY_TEAMS_PER_PAGE", 1)
    sprint_with(3, {"strategic": 2, "tactical": 18}, name="Growth's")
    sprint_with(3, {"strategic": 1, "tactical": 19}, team=other_team, name="Platform's")
    client = client_for(leader)

    first = client.get(reverse("backlog:dash_capacity")).content.decode()
    second = client.get(reverse("backlog:dash_capacity"), {"page": "2"}).content.decode()

    assert 'data-team="Growth"' in first
    assert 'data-team="Platform"' not in first
    assert 'data-team="Platform"' in second
    assert 'data-team="Growth"' not in second
    for html in (first, second):
        assert "2 teams drifting from the target split" in html
        assert f"?team={other_team.pk}" in html  # each drifting team links to its own view
    assert "Teams 1–1 of 2" in first
    assert "Next teams →" in first
    assert "← Previous teams" in second


def test_the_apis_wire_is_what_the_serializer_documents(leader, team, other_team, sprint_with):
    import json

    from backlog.api.dashboards import CapacitySerializer, capacity_to_wire

    CapacityPolicy.objects.create(
        organization=team.organization,
        team=team,
        split=CapacityPolicy.Split.DETAILED,
        strategic_share=50,
        tactical_share=20,
        urgent_share=10,
        experimentation_share=10,
        maintenance_share=10,
    )
    sprint_with(30, {"strategic": 14, "tactical": 6}, closed=True, name="Sprint 1")
    sprint_with(16, {"strategic": 5, "stakeholder_request": 10, "operational": 5}, name="Sprint 2")
    sprint_with(3, {}, team=other_team, name="Empty")

    for data in (
        dashboards.capacity(membership=leader),
        dashboards.capacity(membership=leader, team=team, weeks=4),
    ):
        assert json.loads(json.dumps(capacity_to_wire(data))) == json.loads(
            json.dumps(CapacitySerializer(data).data)
        )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3",
        "weeks=12&page=2&team=x",
        "note=a%26b%3C%22&weeks=4",
        "page=2&weeks=12&other=team%3D00000000-0000-0000-0000-000000000000",
        "xteam=00000000-0000-0000-0000-000000000000",
    ],
)
def test_the_drift_links_are_each_teams_own_query_string(query):
    """The call-out's links: each team's own query string (team set, page dropped), escaped."""
    import uuid

    from django.http import QueryDict
    from django.utils.html import format_html_join

    from backlog import views

    drifting = [
        dashboards.DriftingTeam(team_id=uuid.uuid4(), team_name=name)
        for name in ("Growth", "R&D <core>", "Ops 'n' \"Co\"")
    ]
    params = QueryDict(query, mutable=True)
    params.pop("page", None)
    links = []
    for t in drifting:
        params["team"] = str(t.team_id)
        links.append((f"?{params.urlencode()}", t.team_name))
    expected = format_html_join(", ", '<a href="{}">{}</a>', links)
    assert views._drift_links(QueryDict(query), drifting) == expected
    assert views._drift_links(QueryDict(query), []) == ""
