"""The REST contract of OKRs and KPIs (DESIGN.md, "REST API contract"), through the public door.

Every test speaks HTTP to /api/v1/ with a bearer token and checks what a client relies on: the
wire format with its computed figures, tenancy, roles, the services' rules, conditional requests,
idempotency, problem+json errors, filters, constant-query lists, and the changes feed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from core import webhooks
from core.models import ApiToken, ChangeLogEntry, Role
from core.tests.api_helpers import (
    API,
    assert_list_queries_do_not_grow,
    assert_problem,
    changes_after,
    etag_version,
    head,
    url,
    walk_pages,
)
from core.tests.factories import TeamFactory
from okrs import services
from okrs.models import (
    CheckIn,
    Contribution,
    Cycle,
    KeyResult,
    Objective,
    OutcomeMeasure,
    OutcomeMeasureValue,
)
from okrs.tests.factories import (
    CheckInFactory,
    CycleFactory,
    KeyResultFactory,
    ObjectiveFactory,
    OutcomeMeasureFactory,
    OutcomeMeasureValueFactory,
)
from planning.tests.factories import StrategicObjectiveFactory, WorkPackageFactory

pytestmark = pytest.mark.django_db

CYCLES = f"{API}/cycles/"
OBJECTIVES = f"{API}/objectives/"
KEY_RESULTS = f"{API}/key-results/"
CHECK_INS = f"{API}/check-ins/"
CONTRIBUTIONS = f"{API}/contributions/"
MEASURES = f"{API}/outcome-measures/"
TODAY = datetime.date(2026, 11, 25)

FIELDS = {
    CYCLES: {
        "id",
        "name",
        "start_date",
        "end_date",
        "status",
        "closed_at",
        "version",
        "created_at",
        "updated_at",
    },
    OBJECTIVES: {
        "id",
        "cycle",
        "level",
        "team",
        "statement",
        "description",
        "owner",
        "strategic_objective",
        "parent",
        "carried_from",
        "grade",
        "retrospective",
        "graded_at",
        "version",
        "created_at",
        "updated_at",
        "progress",
        "quality_warnings",
    },
    KEY_RESULTS: {
        "id",
        "objective",
        "title",
        "metric_kind",
        "unit",
        "start_value",
        "target_value",
        "direction",
        "weight",
        "owner",
        "outcome_measure",
        "carried_from",
        "version",
        "created_at",
        "updated_at",
        "current_value",
        "confidence",
        "last_check_in_at",
        "progress",
        "quality_warnings",
    },
    CHECK_INS: {
        "id",
        "key_result",
        "value",
        "confidence",
        "note",
        "author",
        "checked_in_at",
        "created_at",
    },
    CONTRIBUTIONS: {"id", "key_result", "work_package", "created_at"},
    MEASURES: {
        "id",
        "strategic_objective",
        "name",
        "unit",
        "direction",
        "target_value",
        "target_date",
        "description",
        "version",
        "created_at",
        "updated_at",
    },
}
MODELS: dict[str, Any] = {
    CYCLES: Cycle,
    OBJECTIVES: Objective,
    KEY_RESULTS: KeyResult,
    CHECK_INS: CheckIn,
    CONTRIBUTIONS: Contribution,
    MEASURES: OutcomeMeasure,
}
TYPES = {
    CYCLES: "cycle",
    OBJECTIVES: "objective",
    KEY_RESULTS: "key_result",
    CHECK_INS: "check_in",
    CONTRIBUTIONS: "contribution",
    MEASURES: "outcome_measure",
}
VERSIONED = [CYCLES, OBJECTIVES, KEY_RESULTS, MEASURES]


# --- helpers -------------------------------------------------------------------------------


class World:
    """One organization's OKRs: a strategic objective, an active cycle with an organization
    objective and a team objective, a key result owned by a member with one check-in, a work
    package feeding it, and a KPI with one value."""

    def __init__(self, org, team, owner=None):
        self.strategy = StrategicObjectiveFactory(organization=org)
        self.cycle = CycleFactory(organization=org)
        self.objective = ObjectiveFactory(cycle=self.cycle, strategic_objective=self.strategy)
        self.team_objective = ObjectiveFactory(
            cycle=self.cycle, level="team", team=team, parent=self.objective
        )
        self.key_result = KeyResultFactory(objective=self.objective, owner=owner)
        self.check_in = CheckInFactory(key_result=self.key_result, value=Decimal(40))
        self.work = WorkPackageFactory(team=team)
        self.contribution = Contribution.objects.create(
            organization=org, key_result=self.key_result, work_package=self.work
        )
        self.measure = OutcomeMeasureFactory(strategic_objective=self.strategy)
        self.value = OutcomeMeasureValueFactory(measure=self.measure)

    def of(self, base: str):
        return {
            CYCLES: self.cycle,
            OBJECTIVES: self.objective,
            KEY_RESULTS: self.key_result,
            CHECK_INS: self.check_in,
            CONTRIBUTIONS: self.contribution,
            MEASURES: self.measure,
        }[base]


@pytest.fixture
def world(org, team, member):
    return World(org, team, owner=member.user)


@pytest.fixture
def foreign(other_org, make_member):
    leader = make_member(Role.LEADER, organization=other_org)
    team = TeamFactory(organization=other_org, name="Elsewhere")
    world = World(other_org, team, owner=leader.user)
    world.leader = leader
    world.team = team
    return world


def row_counts() -> dict:
    return {model: model.objects.count() for model in [*MODELS.values(), OutcomeMeasureValue]}


def create_body(base, world, **fields):
    """A valid POST body for each resource, written by a leader."""
    body = {
        CYCLES: {"name": "Q1 2027", "start_date": "2027-01-01", "end_date": "2027-03-31"},
        OBJECTIVES: {
            "cycle": str(world.cycle.pk),
            "statement": "Small shops renew without a call",
            "strategic_objective": str(world.strategy.pk),
        },
        KEY_RESULTS: {
            "objective": str(world.objective.pk),
            "title": "Renewal rate",
            "unit": "shops",
            "start_value": "10",
            "target_value": "60",
        },
        CHECK_INS: {"key_result": str(world.key_result.pk), "value": "55", "confidence": 8},
        CONTRIBUTIONS: {
            "key_result": str(world.key_result.pk),
            "work_package": str(WorkPackageFactory(team=world.work.team).pk),
        },
        MEASURES: {
            "strategic_objective": str(world.strategy.pk),
            "name": "Net revenue retention",
            "unit": "%",
            "target_value": "110",
        },
    }[base]
    return {**body, **fields}


# --- wire format ---------------------------------------------------------------------------


@pytest.mark.parametrize("base", list(FIELDS))
def test_each_resource_has_its_model_fields_on_the_wire(api, leader, world, base):
    client = api(leader)
    listed = client.get(base)
    assert listed.status_code == 200, listed.content
    page = listed.json()
    assert set(page) == {"results", "next"}
    assert page["results"], base
    assert all(set(row) == FIELDS[base] for row in page["results"])
    obj = world.of(base)
    one = client.get(url(base, obj))
    assert one.status_code == 200
    assert one.json() in page["results"]
    assert one.json()["id"] == str(obj.pk)
    if base in VERSIONED:
        assert etag_version(one) == obj.version


def test_key_results_carry_current_value_confidence_progress_and_advice(api, leader, world):
    client = api(leader)
    kr = client.get(url(KEY_RESULTS, world.key_result)).json()
    assert kr["current_value"] == "40.0000"
    assert kr["confidence"] == 7
    assert kr["progress"] == pytest.approx(0.4)
    assert kr["start_value"] == "0.0000"
    assert kr["target_value"] == "100.0000"
    assert kr["weight"] == "1.00"
    assert kr["last_check_in_at"].endswith("Z")
    assert kr["quality_warnings"] == []
    objective = client.get(url(OBJECTIVES, world.objective)).json()
    assert objective["progress"] == pytest.approx(0.4)
    assert objective["strategic_objective"] == str(world.strategy.pk)
    team_objective = client.get(url(OBJECTIVES, world.team_objective)).json()
    assert team_objective["progress"] is None
    assert team_objective["parent"] == str(world.objective.pk)
    assert any("No key results" in w for w in team_objective["quality_warnings"])


def test_quality_warnings_flag_projects_and_activity_counts(api, leader, world):
    client = api(leader)
    objective = client.post(
        OBJECTIVES, create_body(OBJECTIVES, world, statement="Launch the new app")
    )
    assert objective.status_code == 201, objective.content
    assert any("reads like a project" in w for w in objective.json()["quality_warnings"])
    kr = client.post(
        KEY_RESULTS,
        create_body(
            KEY_RESULTS, world, objective=objective.json()["id"], title="Publish 12 articles"
        ),
    )
    assert kr.status_code == 201, kr.content
    warnings = kr.json()["quality_warnings"]
    assert any("activity count" in w for w in warnings)
    assert any("No owner" in w for w in warnings)
    assert kr.json()["progress"] == 0.0
    assert kr.json()["current_value"] == "10.0000"
    assert kr.json()["confidence"] is None


# --- creating, editing, versions -----------------------------------------------------------


@pytest.mark.parametrize("base", list(FIELDS))
def test_a_leader_creates_each_resource_and_gets_it_as_get_shows_it(api, leader, world, base):
    client = api(leader)
    before = MODELS[base].objects.count()
    created = client.post(base, create_body(base, world))
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == FIELDS[base]
    assert MODELS[base].objects.count() == before + 1
    assert client.get(f"{base}{body['id']}/").json() == body
    if base in VERSIONED:
        assert body["version"] == 1
        assert etag_version(created) == 1


def test_a_check_in_moves_the_key_results_figures(api, member, world):
    client = api(member)  # the key result's owner
    response = client.post(
        CHECK_INS,
        {"key_result": str(world.key_result.pk), "value": 75, "confidence": 4, "note": " ok "},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["value"], body["confidence"], body["note"], body["author"]) == (
        "75.0000",
        4,
        "ok",
        str(member.user.pk),
    )
    kr = client.get(url(KEY_RESULTS, world.key_result)).json()
    assert (kr["current_value"], kr["confidence"]) == ("75.0000", 4)
    assert kr["progress"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("base", "change"),
    [
        (CYCLES, {"name": "Renamed"}),
        (OBJECTIVES, {"statement": "Renewals grow on their own"}),
        (KEY_RESULTS, {"title": "Retained shops"}),
        (MEASURES, {"name": "Gross retention"}),
    ],
)
def test_version_moves_only_when_something_changes(api, leader, world, base, change):
    client = api(leader)
    path = url(base, world.of(base))
    first = client.patch(path, change)
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2
    assert etag_version(first) == 2
    again = client.patch(path, change)
    assert again.json()["version"] == 2
    assert again.json() == client.get(path).json()


def test_put_replaces_an_objective_and_keeps_its_cycle(api, leader, world, team):
    client = api(leader)
    path = url(OBJECTIVES, world.team_objective)
    body = {
        "level": "team",
        "team": str(team.pk),
        "statement": "Growth's customers renew",
        "cycle": str(CycleFactory(organization=world.cycle.organization).pk),  # ignored
    }
    response = client.put(path, body)
    assert response.status_code == 200, response.content
    assert response.json()["parent"] is None  # left out of a PUT: back to its default
    assert response.json()["cycle"] == str(world.cycle.pk)
    assert response.json()["version"] == 2


def test_read_only_fields_in_a_write_are_ignored(api, leader, world):
    client = api(leader)
    response = client.patch(
        url(KEY_RESULTS, world.key_result),
        {
            "id": "00000000-0000-0000-0000-000000000000",
            "version": 99,
            "current_value": "99",
            "progress": 1,
            "objective": str(world.team_objective.pk),
            "title": "Renewal rate of small shops",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["version"], body["objective"]) == (
        str(world.key_result.pk),
        2,
        str(world.objective.pk),
    )
    assert body["current_value"] == "40.0000"
    cycle = client.patch(url(CYCLES, world.cycle), {"status": "closed", "name": "Still open"})
    assert cycle.status_code == 200, cycle.content
    assert cycle.json()["status"] == "active"


@pytest.mark.parametrize("base", [CYCLES, OBJECTIVES, KEY_RESULTS, CHECK_INS, MEASURES])
def test_unknown_fields_are_a_400_naming_them(api, leader, world, base):
    before = row_counts()
    response = api(leader).post(base, create_body(base, world, colour="blue"))
    assert_problem(response, 400, "colour")
    assert row_counts() == before


# --- tenancy -------------------------------------------------------------------------------


@pytest.mark.parametrize("base", list(FIELDS))
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_organizations_object_is_a_404_on_every_verb(api, leader, foreign, base, method):
    obj = foreign.of(base)
    before = MODELS[base].objects.filter(pk=obj.pk).values().get()
    response = getattr(api(leader), method)(url(base, obj), {})
    # A verb a resource does not offer is a 405 whatever the id; the others hide the object.
    if response.status_code != 405:
        assert_problem(response, 404)
    assert MODELS[base].objects.filter(pk=obj.pk).values().get() == before


@pytest.mark.parametrize(
    "path",
    [
        "cycles/{cycle}/activate/",
        "cycles/{cycle}/close/",
        "objectives/{objective}/grade/",
        "outcome-measures/{measure}/values/",
    ],
)
def test_another_organizations_object_is_a_404_on_every_action(api, leader, foreign, path):
    address = f"{API}/" + path.format(
        cycle=foreign.cycle.pk, objective=foreign.objective.pk, measure=foreign.measure.pk
    )
    client = api(leader)
    body = {"grade": "0.5", "retrospective": "x", "value": "1"}
    assert_problem(client.post(address, body), 404)
    if path.endswith("values/"):
        assert_problem(client.get(address), 404)
    foreign.cycle.refresh_from_db()
    assert foreign.cycle.status == "active"
    assert OutcomeMeasureValue.objects.filter(measure=foreign.measure).count() == 1


@pytest.mark.parametrize("base", list(FIELDS))
def test_lists_never_show_another_organizations_rows(api, leader, world, foreign, base):
    ids = {row["id"] for row in api(leader).get(base, {"page_size": 100}).json()["results"]}
    assert str(world.of(base).pk) in ids
    theirs = {
        str(pk)
        for pk in MODELS[base]
        .objects.filter(organization=foreign.cycle.organization)
        .values_list("pk", flat=True)
    }
    assert theirs
    assert not ids & theirs


@pytest.mark.parametrize(
    ("base", "field", "target"),
    [
        (OBJECTIVES, "cycle", "cycle"),
        (OBJECTIVES, "strategic_objective", "strategy"),
        (OBJECTIVES, "owner", "user"),
        (KEY_RESULTS, "objective", "objective"),
        (KEY_RESULTS, "outcome_measure", "measure"),
        (CHECK_INS, "key_result", "key_result"),
        (CONTRIBUTIONS, "key_result", "key_result"),
        (CONTRIBUTIONS, "work_package", "work"),
        (MEASURES, "strategic_objective", "strategy"),
    ],
)
def test_a_related_id_of_another_organization_is_a_400_naming_it(
    api, leader, world, foreign, base, field, target
):
    other = foreign.leader.user if target == "user" else getattr(foreign, target)
    before = row_counts()
    response = api(leader).post(base, create_body(base, world, **{field: str(other.pk)}))
    assert_problem(response, 400, field)
    assert row_counts() == before


# --- roles ---------------------------------------------------------------------------------


def test_only_leaders_plan_cycles_and_write_kpis(api, team_lead, member, world):
    for who in (team_lead, member):
        client = api(who)
        before = row_counts()
        assert_problem(client.post(CYCLES, create_body(CYCLES, world)), 403)
        assert_problem(client.patch(url(CYCLES, world.cycle), {"name": "x"}), 403)
        assert_problem(client.post(f"{url(CYCLES, world.cycle)}activate/"), 403)
        assert_problem(client.post(MEASURES, create_body(MEASURES, world)), 403)
        assert_problem(client.patch(url(MEASURES, world.measure), {"name": "x"}), 403)
        assert_problem(client.post(f"{url(MEASURES, world.measure)}values/", {"value": 1}), 403)
        assert row_counts() == before


def test_team_leads_write_their_teams_objectives_only(api, team_lead, team, other_team, world):
    client = api(team_lead)
    assert_problem(client.post(OBJECTIVES, create_body(OBJECTIVES, world)), 403)
    assert_problem(client.patch(url(OBJECTIVES, world.objective), {"statement": "x"}), 403)
    own = {"cycle": str(world.cycle.pk), "level": "team", "statement": "Growth renews"}
    created = client.post(OBJECTIVES, {**own, "team": str(team.pk)})
    assert created.status_code == 201, created.content
    assert_problem(client.post(OBJECTIVES, {**own, "team": str(other_team.pk)}), 403)
    patched = client.patch(url(OBJECTIVES, world.team_objective), {"statement": "Ours"})
    assert patched.status_code == 200, patched.content
    kr = client.post(
        KEY_RESULTS, create_body(KEY_RESULTS, world, objective=str(world.team_objective.pk))
    )
    assert kr.status_code == 201, kr.content
    assert_problem(client.post(KEY_RESULTS, create_body(KEY_RESULTS, world)), 403)


def test_members_check_in_only_on_the_key_results_they_own(api, member, make_member, world):
    owned = api(member).post(CHECK_INS, create_body(CHECK_INS, world))
    assert owned.status_code == 201, owned.content
    stranger = make_member(Role.MEMBER)
    before = row_counts()
    assert_problem(api(stranger).post(CHECK_INS, create_body(CHECK_INS, world)), 403)
    assert_problem(api(stranger).post(CONTRIBUTIONS, create_body(CONTRIBUTIONS, world)), 403)
    assert_problem(api(stranger).delete(url(CONTRIBUTIONS, world.contribution)), 403)
    assert_problem(api(member).patch(url(KEY_RESULTS, world.key_result), {"title": "x"}), 403)
    assert row_counts() == before


@pytest.mark.parametrize("who", ["viewer", "read token"])
def test_viewers_and_read_tokens_get_403_on_every_write(api, viewer, leader, world, who):
    client = api(viewer) if who == "viewer" else api(leader, scope=ApiToken.Scope.READ)
    before = row_counts()
    for base in FIELDS:
        assert_problem(client.post(base, create_body(base, world)), 403)
    for base in VERSIONED:
        assert_problem(client.patch(url(base, world.of(base)), {}), 403)
    assert_problem(client.delete(url(CONTRIBUTIONS, world.contribution)), 403)
    grade = {"grade": "0.5", "retrospective": "Learned"}
    assert_problem(client.post(f"{url(OBJECTIVES, world.objective)}grade/", grade), 403)
    assert_problem(client.post(f"{url(CYCLES, world.cycle)}activate/"), 403)
    assert row_counts() == before
    assert client.get(KEY_RESULTS).status_code == 200


# --- rules of the domain -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "fields", "named"),
    [
        (CYCLES, {"end_date": "2026-12-01", "start_date": "2027-01-01"}, "end_date"),
        (CYCLES, {"name": "   "}, "name"),
        (CYCLES, {"status": "closed"}, "status"),
        (CYCLES, {"start_date": "yesterday"}, "start_date"),
        (OBJECTIVES, {"strategic_objective": None}, "strategic_objective"),
        (OBJECTIVES, {"level": "team"}, "team"),
        (OBJECTIVES, {"level": "galaxy"}, "level"),
        (OBJECTIVES, {"cycle": "not-an-id"}, "cycle"),
        (KEY_RESULTS, {"target_value": "10"}, "target_value"),
        (KEY_RESULTS, {"direction": "decrease"}, "direction"),
        (KEY_RESULTS, {"start_value": "abc"}, "start_value"),
        (KEY_RESULTS, {"metric_kind": "currency", "unit": ""}, "unit"),
        (KEY_RESULTS, {"weight": "-1"}, "weight"),
        (KEY_RESULTS, {"target_value": "1e20"}, "target_value"),
        (CHECK_INS, {"confidence": 11}, "confidence"),
        (CHECK_INS, {"value": None}, "value"),
        (CHECK_INS, {"checked_in_at": "2999-01-01T00:00:00Z"}, "checked_in_at"),
        (CONTRIBUTIONS, {"work_package": None}, "work_package"),
        (MEASURES, {"target_value": "lots"}, "target_value"),
        (MEASURES, {"name": ""}, "name"),
        (MEASURES, {"direction": "sideways"}, "direction"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    api, leader, world, base, fields, named
):
    client = api(leader)
    cursor = head(client)
    before = row_counts()
    assert_problem(client.post(base, create_body(base, world, **fields)), 400, named)
    assert row_counts() == before
    assert changes_after(client, cursor) == []


@pytest.mark.parametrize("body", [[], "text", 5])
def test_a_body_that_is_not_an_object_is_a_400(api, leader, body):
    assert_problem(api(leader).post(CHECK_INS, body, format="json"), 400, "body")


def test_a_linked_work_package_cannot_be_linked_twice(api, leader, world):
    body = {"key_result": str(world.key_result.pk), "work_package": str(world.work.pk)}
    assert_problem(api(leader).post(CONTRIBUTIONS, body), 400, "work_package")
    assert Contribution.objects.count() == 1


def test_check_ins_wait_for_the_cycle_to_start(api, leader, world):
    planned = CycleFactory(organization=world.cycle.organization, status="planning")
    kr = KeyResultFactory(objective=ObjectiveFactory(cycle=planned))
    body = {"key_result": str(kr.pk), "value": "5", "confidence": 5}
    assert_problem(api(leader).post(CHECK_INS, body), 400, "key_result")
    assert not CheckIn.objects.filter(key_result=kr).exists()


# --- cycle transitions and grading ---------------------------------------------------------


def test_a_leader_activates_a_planned_cycle(api, leader, world):
    client = api(leader)
    planned = client.post(CYCLES, create_body(CYCLES, world)).json()
    assert planned["status"] == "planning"
    path = f"{CYCLES}{planned['id']}/activate/"
    response = client.post(path)
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("active", 2)
    assert etag_version(response) == 2
    assert client.post(path).json()["version"] == 2  # already active: nothing changes


def test_closing_grades_carries_over_and_makes_the_cycle_read_only(api, leader, world):
    client = api(leader)
    later = CycleFactory(
        organization=world.cycle.organization,
        status="planning",
        start_date=world.cycle.end_date + datetime.timedelta(days=1),
        end_date=world.cycle.end_date + datetime.timedelta(days=91),
    )
    close = f"{url(CYCLES, world.cycle)}close/"
    missing = client.post(close, {"grades": []})
    assert_problem(missing, 400, "grades")
    world.cycle.refresh_from_db()
    assert world.cycle.status == "active"
    cursor = head(client)
    body = {
        "grades": [
            {"objective": str(world.objective.pk), "grade": "0.4", "retrospective": "Slow"},
            {"objective": str(world.team_objective.pk), "grade": "0.7", "retrospective": "OK"},
        ],
        "carry_over": [str(world.key_result.pk)],
        "next_cycle": str(later.pk),
    }
    response = client.post(close, body)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"].endswith("Z")
    graded = client.get(url(OBJECTIVES, world.objective)).json()
    assert (graded["grade"], graded["retrospective"]) == ("0.40", "Slow")
    copy = KeyResult.objects.get(carried_from=world.key_result)
    assert copy.start_value == Decimal(40)
    changes = changes_after(client, cursor)
    assert [(c["type"], c["op"]) for c in changes] == [
        ("objective", "updated"),
        ("objective", "updated"),
        ("objective", "created"),
        ("key_result", "created"),
        ("cycle", "updated"),
    ]
    for change in changes:
        base = {"objective": OBJECTIVES, "key_result": KEY_RESULTS, "cycle": CYCLES}[change["type"]]
        assert change["data"] == client.get(f"{base}{change['id']}/").json()
    # Closed: read-only, whichever door.
    assert_problem(client.patch(url(OBJECTIVES, world.objective), {"statement": "x"}), 400)
    assert_problem(client.post(CHECK_INS, create_body(CHECK_INS, world)), 400, "key_result")
    assert_problem(client.post(close, body), 400, "status")


def test_grading_an_objective(api, leader, world):
    client = api(leader)
    path = f"{url(OBJECTIVES, world.objective)}grade/"
    assert_problem(client.post(path, {"grade": "1.5", "retrospective": "x"}), 400, "grade")
    assert_problem(client.post(path, {"grade": "0.5", "retrospective": ""}), 400, "retrospective")
    response = client.post(path, {"grade": "0.6", "retrospective": " Learned a lot "})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["grade"], body["retrospective"], body["version"]) == ("0.60", "Learned a lot", 2)
    assert body["progress"] == pytest.approx(0.4)
    again = client.post(path, {"grade": "0.6", "retrospective": "Learned a lot"})
    assert again.json()["version"] == 2


# --- conditional requests ------------------------------------------------------------------


@pytest.mark.parametrize("base", VERSIONED)
def test_etag_and_if_none_match(api, leader, world, base):
    client = api(leader)
    path = url(base, world.of(base))
    etag = client.get(path)["ETag"]
    cached = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304
    assert cached["ETag"] == etag
    assert client.get(path, HTTP_IF_NONE_MATCH='"999"').status_code == 200


def test_a_check_in_changes_the_key_results_etag_but_not_its_version(api, leader, member, world):
    """The figures a check-in moves are part of the body: a cached copy is stale (200, not 304),
    while an edit based on the version read before the check-in still applies."""
    client = api(leader)
    kr_path, objective_path = url(KEY_RESULTS, world.key_result), url(OBJECTIVES, world.objective)
    before, objective_before = client.get(kr_path), client.get(objective_path)

    checked_in = api(member).post(
        CHECK_INS, {"key_result": str(world.key_result.pk), "value": 90, "confidence": 8}
    )
    assert checked_in.status_code == 201, checked_in.content

    after = client.get(kr_path, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after.json()["current_value"] == "90.0000"
    assert after["ETag"] != before["ETag"]
    assert etag_version(after) == etag_version(before) == before.json()["version"]
    objective_after = client.get(objective_path, HTTP_IF_NONE_MATCH=objective_before["ETag"])
    assert objective_after.status_code == 200
    assert objective_after.json()["progress"] != objective_before.json()["progress"]
    edited = client.patch(kr_path, {"title": "Sharper"}, HTTP_IF_MATCH=before["ETag"])
    assert edited.status_code == 200, edited.content
    assert etag_version(edited) == etag_version(before) + 1


@pytest.mark.parametrize(
    ("base", "change"),
    [
        (CYCLES, {"name": "Stale"}),
        (OBJECTIVES, {"statement": "Stale"}),
        (KEY_RESULTS, {"title": "Stale"}),
        (MEASURES, {"name": "Stale"}),
    ],
)
def test_a_stale_if_match_is_a_412_with_the_current_object_and_changes_nothing(
    api, leader, world, base, change
):
    client = api(leader)
    obj = world.of(base)
    path = url(base, obj)
    current = client.get(path).json()
    before = MODELS[base].objects.filter(pk=obj.pk).values().get()
    for method in ("patch", "put"):
        response = getattr(client, method)(path, change, HTTP_IF_MATCH='"7"')
        assert response.status_code == 412, response.content
        assert response.json() == current
        assert etag_version(response) == 1
    assert MODELS[base].objects.filter(pk=obj.pk).values().get() == before
    written = client.patch(path, change, HTTP_IF_MATCH='"1"')
    assert written.status_code == 200, written.content
    assert written.json()["version"] == 2


def test_actions_honour_if_match(api, leader, world):
    client = api(leader)
    grade = f"{url(OBJECTIVES, world.objective)}grade/"
    stale = client.post(grade, {"grade": "0.5", "retrospective": "x"}, HTTP_IF_MATCH='"3"')
    assert stale.status_code == 412
    assert stale.json() == client.get(url(OBJECTIVES, world.objective)).json()
    world.objective.refresh_from_db()
    assert world.objective.grade is None
    stale_close = client.post(f"{url(CYCLES, world.cycle)}close/", {}, HTTP_IF_MATCH='"3"')
    assert stale_close.status_code == 412
    assert stale_close.json()["status"] == "active"


# --- idempotency ---------------------------------------------------------------------------


def test_a_replayed_check_in_returns_the_first_answer_and_creates_nothing(api, member, world):
    client = api(member)
    body = create_body(CHECK_INS, world)
    first = client.post(CHECK_INS, body, HTTP_IDEMPOTENCY_KEY="weekly-1")
    assert first.status_code == 201, first.content
    replay = client.post(CHECK_INS, body, HTTP_IDEMPOTENCY_KEY="weekly-1")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert CheckIn.objects.filter(key_result=world.key_result).count() == 2
    other = client.post(CHECK_INS, {**body, "value": "56"}, HTTP_IDEMPOTENCY_KEY="weekly-1")
    assert_problem(other, 422)
    assert CheckIn.objects.filter(key_result=world.key_result).count() == 2


@pytest.mark.parametrize("base", [CYCLES, OBJECTIVES, KEY_RESULTS, CONTRIBUTIONS, MEASURES])
def test_every_create_honours_idempotency_keys(api, leader, world, base):
    client = api(leader)
    body = create_body(base, world)
    first = client.post(base, body, HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201, first.content
    before = row_counts()
    assert client.post(base, body, HTTP_IDEMPOTENCY_KEY="k").json() == first.json()
    assert row_counts() == before


# --- KPI values ----------------------------------------------------------------------------


def test_recording_and_reading_a_kpis_values(api, leader, world):
    client = api(leader)
    values = f"{url(MEASURES, world.measure)}values/"
    recorded = client.post(values, {"observed_on": "2026-02-01", "value": "104.5", "note": "Feb"})
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert (body["value"], body["version"], body["measure"]) == (
        "104.5000",
        1,
        str(world.measure.pk),
    )
    assert etag_version(recorded) == 1
    replaced = client.post(values, {"observed_on": "2026-02-01", "value": "105"})
    assert replaced.status_code == 200, replaced.content
    assert (replaced.json()["id"], replaced.json()["version"]) == (body["id"], 2)
    same = client.post(values, {"observed_on": "2026-02-01", "value": "105"})
    assert (same.status_code, same.json()["version"]) == (200, 2)
    listed = client.get(values).json()
    assert [row["observed_on"] for row in listed["results"]] == sorted(
        ["2026-02-01", world.value.observed_on.isoformat()]
    )
    assert listed["next"] is None
    future = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    assert_problem(client.post(values, {"observed_on": future, "value": "1"}), 400, "observed_on")
    assert_problem(client.post(values, {"value": "x"}), 400, "value")
    assert_problem(client.post(values, {"value": "1", "colour": "red"}), 400, "colour")
    assert OutcomeMeasureValue.objects.filter(measure=world.measure).count() == 2


def test_a_kpis_values_page_through_with_a_cursor(api, leader, world):
    OutcomeMeasureValueFactory.create_batch(6, measure=world.measure)
    client = api(leader)
    rows = walk_pages(client, f"{url(MEASURES, world.measure)}values/", {"page_size": 3})
    seen = [row["observed_on"] for row in rows]
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 7


# --- filters -------------------------------------------------------------------------------


def _ids(client, base, **params) -> set[str]:
    response = client.get(base, {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_objective_and_key_result_filters(api, leader, world, team, member):
    client = api(leader)
    w = world
    assert _ids(client, OBJECTIVES, cycle=w.cycle.pk) == {
        str(w.objective.pk),
        str(w.team_objective.pk),
    }
    assert _ids(client, OBJECTIVES, team=team.pk) == {str(w.team_objective.pk)}
    assert _ids(client, OBJECTIVES, level="organization") == {str(w.objective.pk)}
    assert _ids(client, OBJECTIVES, strategic_objective=w.strategy.pk) == {str(w.objective.pk)}
    assert _ids(client, OBJECTIVES, parent=w.objective.pk) == {str(w.team_objective.pk)}
    assert _ids(client, OBJECTIVES, status="closed") == set()
    Objective.objects.filter(pk=w.objective.pk).update(owner=member.user)
    assert _ids(client, OBJECTIVES, owner=member.user.pk) == {str(w.objective.pk)}
    other_kr = KeyResultFactory(objective=w.team_objective)
    assert _ids(client, KEY_RESULTS, objective=w.team_objective.pk) == {str(other_kr.pk)}
    assert _ids(client, KEY_RESULTS, owner=member.user.pk) == {str(w.key_result.pk)}
    assert _ids(client, KEY_RESULTS, team=team.pk) == {str(other_kr.pk)}
    assert _ids(client, KEY_RESULTS, work_package=w.work.pk) == {str(w.key_result.pk)}
    assert _ids(client, KEY_RESULTS, cycle=w.cycle.pk) == {str(w.key_result.pk), str(other_kr.pk)}
    assert _ids(client, KEY_RESULTS, status="active", team="") == {
        str(w.key_result.pk),
        str(other_kr.pk),
    }
    KeyResult.objects.filter(pk=other_kr.pk).update(outcome_measure=w.measure)
    assert _ids(client, KEY_RESULTS, outcome_measure=w.measure.pk) == {str(other_kr.pk)}


def test_cycle_check_in_contribution_and_kpi_filters(api, leader, world, team, member):
    client = api(leader)
    w = world
    planned = CycleFactory(organization=w.cycle.organization, status="planning")
    assert _ids(client, CYCLES, status="planning") == {str(planned.pk)}
    other_kr = KeyResultFactory(objective=w.team_objective)
    other_check_in = CheckInFactory(key_result=other_kr, author=member.user)
    assert _ids(client, CHECK_INS, key_result=other_kr.pk) == {str(other_check_in.pk)}
    assert _ids(client, CHECK_INS, objective=w.objective.pk) == {str(w.check_in.pk)}
    assert _ids(client, CHECK_INS, author=member.user.pk) == {str(other_check_in.pk)}
    assert len(_ids(client, CHECK_INS, cycle=w.cycle.pk)) == 2
    link = Contribution.objects.create(
        organization=w.cycle.organization, key_result=other_kr, work_package=w.work
    )
    assert _ids(client, CONTRIBUTIONS, key_result=other_kr.pk) == {str(link.pk)}
    assert _ids(client, CONTRIBUTIONS, work_package=w.work.pk) == {
        str(link.pk),
        str(w.contribution.pk),
    }
    assert _ids(client, CONTRIBUTIONS, objective=w.objective.pk) == {str(w.contribution.pk)}
    assert len(_ids(client, CONTRIBUTIONS, team=team.pk, cycle=w.cycle.pk)) == 2
    other_measure = OutcomeMeasureFactory(
        strategic_objective=StrategicObjectiveFactory(organization=w.cycle.organization)
    )
    assert _ids(client, MEASURES, strategic_objective=w.strategy.pk) == {str(w.measure.pk)}
    assert str(other_measure.pk) in _ids(client, MEASURES)


@pytest.mark.parametrize("base", list(FIELDS))
def test_updated_since(api, leader, world, base):
    client = api(leader)
    obj = world.of(base)
    past = timezone.now() - datetime.timedelta(days=1)
    future = timezone.now() + datetime.timedelta(days=1)
    assert str(obj.pk) in _ids(client, base, updated_since=past.isoformat())
    assert _ids(client, base, updated_since=future.isoformat()) == set()


@pytest.mark.parametrize(
    ("base", "params", "field"),
    [
        (CYCLES, {"status": "sleeping"}, "status"),
        (OBJECTIVES, {"cycle": "not-a-uuid"}, "cycle"),
        (KEY_RESULTS, {"work_package": "1"}, "work_package"),
        (CHECK_INS, {"updated_since": "last week"}, "updated_since"),
        (CONTRIBUTIONS, {"key_result": "x"}, "key_result"),
        (MEASURES, {"page_size": "0"}, "page_size"),
        (MEASURES, {"cursor": "%%%"}, "cursor"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_them(api, leader, base, params, field):
    assert_problem(api(leader).get(base, params), 400, field)


# --- constant queries ----------------------------------------------------------------------


def _make_rows(base, world, n):
    org = world.cycle.organization
    if base == CYCLES:
        CycleFactory.create_batch(n, organization=org)
    elif base == OBJECTIVES:
        for _ in range(n):
            objective = ObjectiveFactory(cycle=world.cycle, strategic_objective=world.strategy)
            CheckInFactory(key_result=KeyResultFactory(objective=objective))
    elif base == KEY_RESULTS:
        for _ in range(n):
            CheckInFactory(key_result=KeyResultFactory(objective=world.objective))
    elif base == CHECK_INS:
        CheckInFactory.create_batch(n, key_result=world.key_result)
    elif base == CONTRIBUTIONS:
        for _ in range(n):
            Contribution.objects.create(
                organization=org,
                key_result=world.key_result,
                work_package=WorkPackageFactory(team=world.work.team),
            )
    elif base == MEASURES:
        OutcomeMeasureFactory.create_batch(n, strategic_objective=world.strategy)


@pytest.mark.parametrize("base", [*FIELDS, "values"])
def test_list_query_count_does_not_grow_with_the_page(
    api, leader, world, base, django_assert_num_queries
):
    if base == "values":
        path = f"{url(MEASURES, world.measure)}values/"
        OutcomeMeasureValueFactory.create_batch(101, measure=world.measure)
    else:
        path = base
        _make_rows(base, world, 101)
    assert_list_queries_do_not_grow(api(leader), path, {}, django_assert_num_queries)


# --- the changes feed ----------------------------------------------------------------------


def _one_change(client, cursor, *, op, obj_id, object_type):
    [change] = changes_after(client, cursor)
    assert (change["op"], change["id"], change["type"]) == (op, obj_id, object_type)
    return change


@pytest.mark.parametrize("base", list(FIELDS))
def test_every_create_appears_once_on_the_feed_as_get_shows_it(api, leader, world, base):
    client = api(leader)
    cursor = head(client)
    created = client.post(base, create_body(base, world))
    assert created.status_code == 201, created.content
    obj_id = created.json()["id"]
    change = _one_change(client, cursor, op="created", obj_id=obj_id, object_type=TYPES[base])
    assert change["version"] == 1
    assert change["data"] == client.get(f"{base}{obj_id}/").json() == created.json()


@pytest.mark.parametrize(
    ("base", "change"),
    [
        (CYCLES, {"name": "Renamed"}),
        (OBJECTIVES, {"statement": "Renewals grow on their own"}),
        (KEY_RESULTS, {"title": "Retained shops", "target_value": "80"}),
        (MEASURES, {"name": "Gross retention"}),
    ],
)
def test_every_update_appears_once_on_the_feed_and_a_no_op_not_at_all(
    api, leader, world, base, change
):
    client = api(leader)
    path = url(base, world.of(base))
    cursor = head(client)
    updated = client.patch(path, change)
    assert updated.status_code == 200, updated.content
    entry = _one_change(
        client, cursor, op="updated", obj_id=str(world.of(base).pk), object_type=TYPES[base]
    )
    assert entry["version"] == 2
    assert entry["data"] == client.get(path).json() == updated.json()
    cursor = head(client)
    assert client.patch(path, change).status_code == 200
    assert changes_after(client, cursor) == []


def test_unlinking_work_leaves_a_tombstone(api, leader, world):
    client = api(leader)
    path = url(CONTRIBUTIONS, world.contribution)
    cursor = head(client)
    assert client.delete(path).status_code == 204
    change = _one_change(
        client, cursor, op="deleted", obj_id=str(world.contribution.pk), object_type="contribution"
    )
    assert change["data"] is None
    assert_problem(client.get(path), 404)
    assert not Contribution.objects.filter(pk=world.contribution.pk).exists()


def test_kpi_values_and_actions_appear_on_the_feed(api, leader, world):
    client = api(leader)
    cursor = head(client)
    values = f"{url(MEASURES, world.measure)}values/"
    created = client.post(values, {"observed_on": "2026-03-01", "value": "101"}).json()
    client.post(values, {"observed_on": "2026-03-01", "value": "102"})
    client.post(values, {"observed_on": "2026-03-01", "value": "102"})  # unchanged
    graded = client.post(
        f"{url(OBJECTIVES, world.objective)}grade/", {"grade": "0.3", "retrospective": "Hm"}
    ).json()
    changes = changes_after(client, cursor)
    assert [(c["type"], c["op"], c["version"]) for c in changes] == [
        ("outcome_measure_value", "created", 1),
        ("outcome_measure_value", "updated", 2),
        ("objective", "updated", 2),
    ]
    assert changes[1]["id"] == created["id"]
    assert changes[1]["data"]["value"] == "102.0000"
    assert changes[2]["data"] == graded


def test_failed_and_rolled_back_writes_leave_no_change_entry(api, leader, viewer, world, foreign):
    client = api(leader)
    cursor = head(client)
    failures = [
        client.post(OBJECTIVES, create_body(OBJECTIVES, world, strategic_objective=None)),
        client.patch(url(KEY_RESULTS, world.key_result), {"title": "x"}, HTTP_IF_MATCH='"9"'),
        client.patch(url(KEY_RESULTS, world.key_result), {"target_value": "-5"}),
        client.patch(url(OBJECTIVES, foreign.objective), {"statement": "x"}),
        api(viewer).post(CHECK_INS, create_body(CHECK_INS, world)),
        client.post(f"{url(CYCLES, world.cycle)}close/", {"grades": []}),
        client.post(CONTRIBUTIONS, {"key_result": str(world.key_result.pk)}),
    ]
    assert [r.status_code for r in failures] == [400, 412, 400, 404, 403, 400, 400]
    assert changes_after(client, cursor) == []
    assert not ChangeLogEntry.objects.filter(organization=foreign.cycle.organization).exists()


def test_a_write_rolled_back_after_the_service_leaves_no_change_entry(leader, world):
    before = ChangeLogEntry.objects.count()

    def check_in_then_fail():
        with transaction.atomic():
            services.check_in_create(
                actor=leader, key_result=world.key_result, value=50, confidence=5
            )
            assert ChangeLogEntry.objects.count() == before + 1
            raise RuntimeError("the caller's transaction fails after the service")

    with pytest.raises(RuntimeError):
        check_in_then_fail()
    assert ChangeLogEntry.objects.count() == before
    assert CheckIn.objects.filter(key_result=world.key_result).count() == 1


def test_webhooks_offer_every_okr_event():
    offered = {event for _, events in webhooks.event_type_groups() for event in events}
    for object_type in [*TYPES.values(), "outcome_measure_value"]:
        assert {f"{object_type}.created", f"{object_type}.updated", f"{object_type}.*"} <= offered
