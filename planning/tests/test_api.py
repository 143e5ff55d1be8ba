"""The REST contract of strategy and work (DESIGN.md, "REST API contract"), through the public door.

Every test speaks HTTP to /api/v1/ with a bearer token (or a browser session) and checks what a
client relies on: the wire format, tenancy, roles, the services' rules, conditional requests,
upserts, bulk, idempotency, problem+json errors, list filters and pages, and the changes feed.
"""

from __future__ import annotations

import datetime
import re
import uuid
import zoneinfo

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.utils import timezone
from rest_framework.test import APIClient

from core import services as core_services
from core.models import ApiToken, ChangeLogEntry, IdempotencyKey, Role
from core.tests.api_helpers import (
    API,
    assert_problem,
    changes_after,
    count_queries,
    etag_version,
    head,
)
from core.tests.factories import TeamFactory
from planning import services
from planning.models import Initiative, StrategicObjective, WorkPackage
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)

pytestmark = pytest.mark.django_db

OBJECTIVES = f"{API}/strategic-objectives/"
INITIATIVES = f"{API}/initiatives/"
WORK = f"{API}/work-packages/"
BULK = f"{API}/work-packages/bulk/"
S = WorkPackage.Status
DUE = "2026-12-15"
CHECK_ON = "2026-12-20"
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")

WORK_PACKAGE_FIELDS = {
    "id",
    "title",
    "description",
    "initiative",
    "team",
    "owner",
    "start_date",
    "due_date",
    "output_kind",
    "outputs",
    "success_criterion",
    "success_review_date",
    "category",
    "estimate",
    "status",
    "decision",
    "decision_reason",
    "source",
    "external_id",
    "version",
    "created_at",
    "updated_at",
}
OBJECTIVE_FIELDS = {
    "id",
    "statement",
    "rationale",
    "horizon_start",
    "horizon_end",
    "trade_offs",
    "outcome_measures",
    "owner",
    "priority",
    "status",
    "version",
    "created_at",
    "updated_at",
    "quality_warnings",
}
INITIATIVE_FIELDS = {
    "id",
    "strategic_objective",
    "title",
    "description",
    "owner",
    "teams",
    "start_date",
    "end_date",
    "status",
    "version",
    "created_at",
    "updated_at",
}


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def session_api():
    """An APIClient signed in through a browser session, with CSRF enforced as in a browser."""

    def make(membership, *, with_csrf: bool = True):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(membership.user)
        if with_csrf:
            secret = _get_new_csrf_string()
            client.cookies["csrftoken"] = secret
            client.credentials(HTTP_X_CSRFTOKEN=secret)
        return client

    return make


@pytest.fixture
def foreign(other_org, make_member):
    """Another organization's people, team, strategy and work."""
    leader = make_member(Role.LEADER, organization=other_org)
    team = TeamFactory(organization=other_org, name="Elsewhere")
    objective = StrategicObjectiveFactory(organization=other_org)
    initiative = InitiativeFactory(strategic_objective=objective)
    initiative.teams.set([team])
    work = WorkPackageFactory(team=team, initiative=initiative, source="jira", external_id="X-1")
    return {
        "leader": leader,
        "user": leader.user,
        "team": team,
        "objective": objective,
        "initiative": initiative,
        "work": work,
    }


def url(base: str, obj) -> str:
    return f"{base}{obj.pk}/"


def upsert_url(source: str, external_id: str) -> str:
    return f"{WORK}external/{source}/{external_id}/"


def complete(user) -> dict:
    """What turns an intention into ready work."""
    return {
        "owner": str(user.pk),
        "due_date": DUE,
        "success_criterion": "Bookings grow 10 %",
        "success_review_date": CHECK_ON,
    }


def wp_body(team, /, **fields) -> dict:
    return {"title": "Shorter checkout", "team": str(team.pk), **fields}


def objective_body(**fields) -> dict:
    return {
        "statement": "Small shops pick us over spreadsheets",
        "horizon_start": "2026-01-01",
        "horizon_end": "2027-12-31",
        "trade_offs": ["No enterprise deals"],
        **fields,
    }


def initiative_body(objective, **fields) -> dict:
    return {"strategic_objective": str(objective.pk), "title": "Self-serve onboarding", **fields}


def snapshot(model, pk) -> dict:
    """Every stored column of a row, to prove a refused write changed nothing."""
    return model.objects.filter(pk=pk).values().get()


# --- wire format ---------------------------------------------------------------------------


def test_a_work_package_has_exactly_the_contract_fields(api, leader, team, member):
    objective = StrategicObjectiveFactory(organization=leader.organization)
    initiative = InitiativeFactory(strategic_objective=objective)
    client = api(leader)
    created = client.post(
        WORK,
        wp_body(
            team,
            initiative=str(initiative.pk),
            description="Fewer steps",
            start_date="2026-11-01",
            output_kind="release",
            outputs="A one-page checkout",
            category="tactical",
            estimate=5,
            source="jira",
            external_id="SHOP-1",
            **complete(member.user),
        ),
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == WORK_PACKAGE_FIELDS
    wp = WorkPackage.objects.get()
    assert body == {
        "id": str(wp.pk),
        "title": "Shorter checkout",
        "description": "Fewer steps",
        "initiative": str(initiative.pk),
        "team": str(team.pk),
        "owner": str(member.user.pk),
        "start_date": "2026-11-01",
        "due_date": DUE,
        "output_kind": "release",
        "outputs": "A one-page checkout",
        "success_criterion": "Bookings grow 10 %",
        "success_review_date": CHECK_ON,
        "category": "tactical",
        "estimate": 5,
        "status": "ready",
        "decision": "",
        "decision_reason": "",
        "source": "jira",
        "external_id": "SHOP-1",
        "version": 1,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert client.get(url(WORK, wp)).json() == body
    assert client.get(WORK).json() == {"results": [body], "next": None}


def test_objectives_and_initiatives_use_their_model_field_names(api, leader, team):
    client = api(leader)
    objective = client.post(OBJECTIVES, objective_body()).json()
    assert set(objective) == OBJECTIVE_FIELDS
    initiative = client.post(
        INITIATIVES,
        initiative_body(StrategicObjective(pk=objective["id"]), teams=[str(team.pk)]),
    ).json()
    assert set(initiative) == INITIATIVE_FIELDS
    assert initiative["teams"] == [str(team.pk)]
    assert initiative["strategic_objective"] == objective["id"]
    assert set(client.get(OBJECTIVES).json()["results"][0]) == OBJECTIVE_FIELDS
    assert set(client.get(INITIATIVES).json()["results"][0]) == INITIATIVE_FIELDS


def _assert_utc(row: dict, stored) -> None:
    for name in ("created_at", "updated_at"):
        assert UTC_TIME.match(row[name]), row[name]
        parsed = datetime.datetime.fromisoformat(row[name].replace("Z", "+00:00"))
        assert parsed == getattr(stored, name)


@pytest.mark.parametrize("door", ["token", "session"])
def test_times_are_utc_with_z_even_in_a_berlin_organization(
    api, session_api, org, leader, team, door
):
    org.timezone = "Europe/Berlin"
    org.save(update_fields=["timezone"])
    leader.organization.refresh_from_db()
    client = api(leader) if door == "token" else session_api(leader)
    objective = StrategicObjectiveFactory(organization=org)
    initiative = InitiativeFactory(strategic_objective=objective)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        wp = services.work_package_create(actor=leader, title="Made on a page", team=team)
    for base, obj in ((OBJECTIVES, objective), (INITIATIVES, initiative), (WORK, wp)):
        obj.refresh_from_db()
        _assert_utc(client.get(url(base, obj)).json(), obj)
        _assert_utc(client.get(base).json()["results"][0], obj)
    created = client.post(WORK, wp_body(team, title="Made through the API"))
    assert created.status_code == 201, created.content
    _assert_utc(created.json(), WorkPackage.objects.get(pk=created.json()["id"]))
    # The feed's copy was rendered by the service under Berlin time: still UTC.
    for change in changes_after(client, "0"):
        assert UTC_TIME.match(change["at"]), change["at"]
        assert UTC_TIME.match(change["data"]["updated_at"]), change["data"]


def test_read_only_fields_in_a_write_are_ignored(api, leader, team, other_org):
    client = api(leader)
    sent_id = str(uuid.uuid4())
    read_only = {
        "id": sent_id,
        "version": 99,
        "created_at": "2001-01-01T00:00:00Z",
        "updated_at": "2001-01-01T00:00:00Z",
        "organization": str(other_org.pk),
    }
    created = client.post(WORK, wp_body(team, **read_only))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["id"] != sent_id
    assert body["version"] == 1
    assert not body["created_at"].startswith("2001")
    wp = WorkPackage.objects.get()
    assert wp.organization_id == leader.organization_id
    # Only read-only fields: nothing to change, nothing changes.
    patched = client.patch(url(WORK, wp), read_only)
    assert patched.status_code == 200, patched.content
    assert patched.json() == body
    wp.refresh_from_db()
    assert (wp.version, wp.organization_id) == (1, leader.organization_id)
    # The same for strategy, whose output has a computed read-only field too.
    objective = client.post(
        OBJECTIVES, objective_body(quality_warnings=["ignored"], **read_only)
    ).json()
    assert objective["id"] != sent_id
    assert objective["version"] == 1
    assert (
        StrategicObjective.objects.get(pk=objective["id"]).organization_id == leader.organization_id
    )


@pytest.mark.parametrize(
    ("method", "base"),
    [
        ("post", WORK),
        ("put", WORK),
        ("patch", WORK),
        ("post", OBJECTIVES),
        ("patch", OBJECTIVES),
        ("post", INITIATIVES),
        ("patch", INITIATIVES),
    ],
)
def test_unknown_fields_are_a_400_naming_them(api, leader, team, method, base):
    objective = StrategicObjectiveFactory(organization=leader.organization)
    bodies = {
        WORK: wp_body(team),
        OBJECTIVES: objective_body(),
        INITIATIVES: initiative_body(objective),
    }
    targets = {
        WORK: lambda: WorkPackageFactory(team=team),
        OBJECTIVES: lambda: objective,
        INITIATIVES: lambda: InitiativeFactory(strategic_objective=objective),
    }
    target = None if method == "post" else targets[base]()
    path = base if target is None else url(base, target)
    before = None if target is None else snapshot(type(target), target.pk)
    counts = (StrategicObjective.objects.count(), Initiative.objects.count())
    response = getattr(api(leader), method)(path, {**bodies[base], "colour": "red", "Title": "x"})
    body = assert_problem(response, 400, "colour", "Title")
    assert set(body["errors"]) == {"colour", "Title"}
    if target is not None:
        assert snapshot(type(target), target.pk) == before
    assert (StrategicObjective.objects.count(), Initiative.objects.count()) == counts
    assert WorkPackage.objects.count() == (0 if target is None or base != WORK else 1)


def test_unknown_fields_in_an_upsert_and_in_bulk_items(api, leader, team):
    client = api(leader)
    response = client.put(upsert_url("jira", "A-1"), {"title": "x", "team": str(team.pk), "x": 1})
    assert_problem(response, 400, "x")
    bulk = client.post(
        BULK, {"items": [{"source": "jira", "external_id": "A-2", "title": "y", "bogus": True}]}
    )
    assert bulk.status_code == 200, bulk.content
    [result] = bulk.json()["results"]
    assert result["status"] == "error"
    assert "bogus" in result["errors"]
    assert not WorkPackage.objects.exists()


# --- tenancy -------------------------------------------------------------------------------


RESOURCES = {
    "strategic-objectives": (OBJECTIVES, "objective", StrategicObjective),
    "initiatives": (INITIATIVES, "initiative", Initiative),
    "work-packages": (WORK, "work", WorkPackage),
}


def _write_body(resource: str, leader, team) -> dict:
    if resource == "strategic-objectives":
        return objective_body()
    if resource == "initiatives":
        return initiative_body(StrategicObjectiveFactory(organization=leader.organization))
    return wp_body(team)


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_organizations_object_is_a_404(api, leader, team, foreign, resource, method):
    base, key, model = RESOURCES[resource]
    target = foreign[key]
    before = snapshot(model, target.pk)
    feed_before = ChangeLogEntry.objects.count()
    client = api(leader)
    kwargs = {} if method in ("get", "delete") else {"data": _write_body(resource, leader, team)}
    response = getattr(client, method)(url(base, target), **kwargs)
    body = assert_problem(response, 404)
    assert str(target.pk) not in str(body)
    assert snapshot(model, target.pk) == before
    assert ChangeLogEntry.objects.count() == feed_before
    # The same answer as for an id that exists nowhere: nothing confirms it exists.
    unknown = getattr(client, method)(f"{base}{uuid.uuid4()}/", **kwargs)
    assert unknown.status_code == 404
    assert unknown.json() == response.json()


@pytest.mark.parametrize("resource", RESOURCES)
def test_lists_never_show_another_organizations_rows(api, leader, team, foreign, resource):
    base, key, model = RESOURCES[resource]
    objective = StrategicObjectiveFactory(organization=leader.organization)
    InitiativeFactory(strategic_objective=objective)
    WorkPackageFactory(team=team)
    client = api(leader)
    ids = {row["id"] for row in client.get(base, {"page_size": 100}).json()["results"]}
    assert ids == {
        str(pk)
        for pk in model.objects.filter(organization=leader.organization).values_list(
            "pk", flat=True
        )
    }
    assert str(foreign[key].pk) not in ids
    # Filtering by another organization's ids finds nothing, rather than their rows.
    if resource == "work-packages":
        for name in ("team", "initiative"):
            response = client.get(base, {name: str(foreign[name].pk)})
            assert response.json()["results"] == []


def test_upsert_with_another_organizations_external_id_creates_a_separate_package(
    api, leader, team, foreign
):
    theirs = foreign["work"]
    before = snapshot(WorkPackage, theirs.pk)
    client = api(leader)
    response = client.put(upsert_url("jira", "X-1"), {"title": "Ours", "team": str(team.pk)})
    assert response.status_code == 201, response.content
    ours = WorkPackage.objects.get(pk=response.json()["id"])
    assert ours.pk != theirs.pk
    assert ours.organization_id == leader.organization_id
    assert (ours.source, ours.external_id) == ("jira", "X-1")
    assert snapshot(WorkPackage, theirs.pk) == before
    # Again, with a change: still only ours moves.
    again = client.put(upsert_url("jira", "X-1"), {"title": "Ours, renamed"})
    assert again.status_code == 200, again.content
    assert again.json()["id"] == str(ours.pk)
    assert snapshot(WorkPackage, theirs.pk) == before
    # And through bulk.
    bulk = client.post(BULK, {"items": [{"source": "jira", "external_id": "X-1", "title": "B"}]})
    assert bulk.json()["results"][0]["work_package"]["id"] == str(ours.pk)
    assert snapshot(WorkPackage, theirs.pk) == before


@pytest.mark.parametrize("field", ["team", "initiative", "owner"])
def test_a_related_id_of_another_organization_is_a_400_naming_it(api, leader, team, foreign, field):
    client = api(leader)
    wp = WorkPackageFactory(team=team)
    before = snapshot(WorkPackage, wp.pk)
    value = str(
        {"team": foreign["team"], "initiative": foreign["initiative"], "owner": foreign["user"]}[
            field
        ].pk
    )
    assert_problem(client.post(WORK, wp_body(team, **{field: value})), 400, field)
    assert_problem(client.patch(url(WORK, wp), {field: value}), 400, field)
    assert_problem(client.put(url(WORK, wp), wp_body(team, **{field: value})), 400, field)
    assert_problem(
        client.put(upsert_url("jira", "N-1"), wp_body(team, **{field: value})), 400, field
    )
    bulk = client.post(
        BULK,
        {"items": [{"source": "jira", "external_id": "N-2", **wp_body(team, **{field: value})}]},
    )
    [result] = bulk.json()["results"]
    assert result["status"] == "error"
    assert field in result["errors"]
    assert snapshot(WorkPackage, wp.pk) == before
    assert WorkPackage.objects.filter(organization=leader.organization).count() == 1


@pytest.mark.parametrize("field", ["strategic_objective", "owner", "teams"])
def test_initiative_related_ids_of_another_organization_are_a_400(api, leader, foreign, field):
    objective = StrategicObjectiveFactory(organization=leader.organization)
    initiative = InitiativeFactory(strategic_objective=objective)
    before = snapshot(Initiative, initiative.pk)
    value = {
        "strategic_objective": str(foreign["objective"].pk),
        "owner": str(foreign["user"].pk),
        "teams": [str(foreign["team"].pk)],
    }[field]
    client = api(leader)
    assert_problem(
        client.post(INITIATIVES, initiative_body(objective, **{field: value})), 400, field
    )
    assert_problem(client.patch(url(INITIATIVES, initiative), {field: value}), 400, field)
    assert snapshot(Initiative, initiative.pk) == before
    assert Initiative.objects.filter(organization=leader.organization).count() == 1


def test_objective_owner_of_another_organization_is_a_400(api, leader, foreign):
    client = api(leader)
    assert_problem(
        client.post(OBJECTIVES, objective_body(owner=str(foreign["user"].pk))), 400, "owner"
    )
    assert not StrategicObjective.objects.filter(organization=leader.organization).exists()


# --- roles ---------------------------------------------------------------------------------


def test_leaders_write_strategy_and_initiatives(api, leader):
    client = api(leader)
    objective = client.post(OBJECTIVES, objective_body())
    assert objective.status_code == 201, objective.content
    so = StrategicObjective.objects.get(pk=objective.json()["id"])
    initiative = client.post(INITIATIVES, initiative_body(so))
    assert initiative.status_code == 201, initiative.content
    ini = Initiative.objects.get(pk=initiative.json()["id"])
    assert client.patch(url(OBJECTIVES, so), {"status": "retired"}).status_code == 200
    assert client.patch(url(INITIATIVES, ini), {"title": "Renamed"}).status_code == 200
    assert client.delete(url(INITIATIVES, ini)).status_code == 204
    assert client.delete(url(OBJECTIVES, so)).status_code == 204
    assert not StrategicObjective.objects.exists()


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.MEMBER, Role.VIEWER])
def test_only_leaders_write_strategy(api, make_member, team, role):
    client = api(make_member(role, teams=[team]))
    objective = StrategicObjectiveFactory(organization=team.organization)
    initiative = InitiativeFactory(strategic_objective=objective)
    before = (snapshot(StrategicObjective, objective.pk), snapshot(Initiative, initiative.pk))
    assert_problem(client.post(OBJECTIVES, objective_body()), 403)
    assert_problem(client.post(INITIATIVES, initiative_body(objective)), 403)
    assert_problem(client.patch(url(OBJECTIVES, objective), {"statement": "Mine"}), 403)
    assert_problem(client.put(url(OBJECTIVES, objective), objective_body()), 403)
    assert_problem(client.patch(url(INITIATIVES, initiative), {"title": "Mine"}), 403)
    assert_problem(client.delete(url(INITIATIVES, initiative)), 403)
    assert_problem(client.delete(url(OBJECTIVES, objective)), 403)
    assert (
        snapshot(StrategicObjective, objective.pk),
        snapshot(Initiative, initiative.pk),
    ) == before
    assert StrategicObjective.objects.count() == 1
    assert Initiative.objects.count() == 1


def test_team_leads_write_their_teams_work_only(api, team_lead, team, other_team):
    client = api(team_lead)
    created = client.post(WORK, wp_body(team))
    assert created.status_code == 201, created.content
    ours = WorkPackage.objects.get(pk=created.json()["id"])
    theirs = WorkPackageFactory(team=other_team)
    before = snapshot(WorkPackage, theirs.pk)
    assert_problem(client.post(WORK, wp_body(other_team)), 403)
    assert client.patch(url(WORK, ours), {"title": "Better"}).status_code == 200
    assert_problem(client.patch(url(WORK, theirs), {"title": "Mine now"}), 403)
    assert_problem(client.put(url(WORK, theirs), wp_body(other_team)), 403)
    assert_problem(client.delete(url(WORK, theirs)), 403)
    assert_problem(client.put(upsert_url("jira", "T-1"), wp_body(other_team)), 403)
    # Moving our work to a team that is not ours is refused too (the field is named).
    assert_problem(client.patch(url(WORK, ours), {"team": str(other_team.pk)}), 400, "team")
    assert snapshot(WorkPackage, theirs.pk) == before
    assert client.get(url(WORK, theirs)).status_code == 200  # reading is for everyone
    assert client.delete(url(WORK, ours)).status_code == 204
    assert list(WorkPackage.objects.all()) == [theirs]


def test_members_edit_only_work_they_own_and_cannot_reassign(
    api, member, make_member, team, other_team
):
    mine = WorkPackageFactory(team=team, owner=member.user)
    not_mine = WorkPackageFactory(team=team)
    colleague = make_member(Role.MEMBER, teams=[team])
    client = api(member)
    response = client.patch(url(WORK, mine), {"title": "Clearer", "estimate": 3})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    before_mine = snapshot(WorkPackage, mine.pk)
    before_other = snapshot(WorkPackage, not_mine.pk)
    assert_problem(client.patch(url(WORK, not_mine), {"title": "Mine"}), 403)
    assert_problem(client.patch(url(WORK, mine), {"owner": str(colleague.user.pk)}), 403)
    assert_problem(client.patch(url(WORK, mine), {"owner": None}), 403)
    assert_problem(client.patch(url(WORK, mine), {"team": str(other_team.pk)}), 403)
    assert_problem(client.post(WORK, wp_body(team)), 403)
    assert_problem(client.delete(url(WORK, mine)), 403)
    assert snapshot(WorkPackage, mine.pk) == before_mine
    assert snapshot(WorkPackage, not_mine.pk) == before_other
    assert WorkPackage.objects.count() == 2


def _every_write(client, team, objective, initiative, wp) -> list:
    return [
        client.post(OBJECTIVES, objective_body()),
        client.put(url(OBJECTIVES, objective), objective_body()),
        client.patch(url(OBJECTIVES, objective), {"statement": "x"}),
        client.delete(url(OBJECTIVES, objective)),
        client.post(INITIATIVES, initiative_body(objective)),
        client.put(url(INITIATIVES, initiative), initiative_body(objective)),
        client.patch(url(INITIATIVES, initiative), {"title": "x"}),
        client.delete(url(INITIATIVES, initiative)),
        client.post(WORK, wp_body(team)),
        client.put(url(WORK, wp), wp_body(team)),
        client.patch(url(WORK, wp), {"title": "x"}),
        client.delete(url(WORK, wp)),
        client.put(upsert_url("jira", "V-1"), wp_body(team)),
        client.put(upsert_url(wp.source, wp.external_id), {"title": "x"}),
        client.post(BULK, {"items": [{"source": "jira", "external_id": "V-2", **wp_body(team)}]}),
        client.post(
            BULK, {"items": [{"source": wp.source, "external_id": wp.external_id, "title": "x"}]}
        ),
    ]


@pytest.mark.parametrize("who", ["viewer", "read token"])
def test_viewers_and_read_tokens_get_403_on_every_write(api, viewer, leader, team, who):
    client = api(viewer) if who == "viewer" else api(leader, scope=ApiToken.Scope.READ)
    objective = StrategicObjectiveFactory(organization=team.organization)
    initiative = InitiativeFactory(strategic_objective=objective)
    wp = WorkPackageFactory(team=team, source="jira", external_id="V-0", owner=viewer.user)
    before = [
        snapshot(StrategicObjective, objective.pk),
        snapshot(Initiative, initiative.pk),
        snapshot(WorkPackage, wp.pk),
    ]
    feed_before = ChangeLogEntry.objects.count()
    for response in _every_write(client, team, objective, initiative, wp):
        assert_problem(response, 403)
    assert [
        snapshot(StrategicObjective, objective.pk),
        snapshot(Initiative, initiative.pk),
        snapshot(WorkPackage, wp.pk),
    ] == before
    assert (StrategicObjective.objects.count(), Initiative.objects.count()) == (1, 1)
    assert WorkPackage.objects.count() == 1
    assert ChangeLogEntry.objects.count() == feed_before
    # Reading is allowed.
    for base in (OBJECTIVES, INITIATIVES, WORK):
        assert client.get(base).status_code == 200


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "malformed", "missing"])
def test_a_bad_token_is_a_401_problem_with_www_authenticate(api, leader, state):
    client = api(leader)
    assert client.get(WORK).status_code == 200
    token = client.issued.token
    if state == "revoked":
        core_services.api_token_revoke(user=leader.user, token=token)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    elif state == "unknown":
        client.credentials(HTTP_AUTHORIZATION="Bearer tl_not-a-token-we-gave-out")
    elif state == "malformed":
        client.credentials(HTTP_AUTHORIZATION="Bearer two words")
    else:
        client.credentials()
    for response in (client.get(WORK), client.post(WORK, {"title": "x"})):
        assert_problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert not WorkPackage.objects.exists()


def test_a_browser_session_reads_and_writes_with_csrf(session_api, leader, team):
    client = session_api(leader)
    assert client.get(WORK).status_code == 200
    created = client.post(WORK, wp_body(team))
    assert created.status_code == 201, created.content
    wp = WorkPackage.objects.get()
    assert client.patch(url(WORK, wp), {"title": "Renamed"}).status_code == 200


def test_a_browser_session_without_csrf_token_cannot_write(session_api, leader, team):
    client = session_api(leader, with_csrf=False)
    assert client.get(WORK).status_code == 200  # safe methods need no token
    wp = WorkPackageFactory(team=team)
    before = snapshot(WorkPackage, wp.pk)
    assert_problem(client.post(WORK, wp_body(team)), 403)
    assert_problem(client.patch(url(WORK, wp), {"title": "x"}), 403)
    assert_problem(client.post(BULK, {"items": []}), 403)
    assert WorkPackage.objects.count() == 1
    assert snapshot(WorkPackage, wp.pk) == before


def test_a_browser_session_applies_the_same_roles(session_api, member, team):
    client = session_api(member)
    assert_problem(client.post(WORK, wp_body(team)), 403)
    assert_problem(client.post(OBJECTIVES, objective_body()), 403)
    assert not WorkPackage.objects.exists()


# --- the services' rules -------------------------------------------------------------------


def test_ready_without_owner_due_date_and_success_check_is_a_400_that_writes_nothing(
    api, leader, team
):
    client = api(leader)
    feed = head(client)
    response = client.post(WORK, wp_body(team, status="ready"))
    body = assert_problem(
        response, 400, "owner", "due_date", "success_criterion", "success_review_date", "status"
    )
    assert "owner" in body["detail"]
    assert not WorkPackage.objects.exists()
    wp = WorkPackageFactory(team=team)
    before = snapshot(WorkPackage, wp.pk)
    assert_problem(
        client.patch(url(WORK, wp), {"status": "in_progress", "title": "Go"}),
        400,
        "owner",
        "due_date",
        "success_criterion",
        "success_review_date",
    )
    assert snapshot(WorkPackage, wp.pk) == before
    assert changes_after(client, feed) == []


def test_complete_work_starts_ready_and_an_incomplete_one_as_an_intention(
    api, leader, team, member
):
    client = api(leader)
    assert client.post(WORK, wp_body(team)).json()["status"] == "intention"
    assert client.post(WORK, wp_body(team, **complete(member.user))).json()["status"] == "ready"


def test_transitions_follow_the_services_rules(api, team_lead, team, member):
    client = api(team_lead)
    wp = client.post(WORK, wp_body(team, **complete(member.user))).json()
    path = f"{WORK}{wp['id']}/"
    assert client.patch(path, {"status": "in_progress"}).json()["status"] == "in_progress"
    assert client.patch(path, {"status": "done"}).json()["status"] == "done"
    done = snapshot(WorkPackage, wp["id"])
    assert_problem(client.patch(path, {"status": "intention"}), 400, "status")
    assert_problem(client.patch(path, {"status": "in_progress"}), 400, "reopen_reason")
    assert snapshot(WorkPackage, wp["id"]) == done
    reopened = client.patch(path, {"status": "in_progress", "reopen_reason": "Found a bug"})
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "in_progress"
    # New work cannot start as done.
    assert_problem(
        client.post(WORK, wp_body(team, status="done", **complete(member.user))), 400, "status"
    )


def test_a_decision_needs_a_reason(api, team_lead, team, member):
    client = api(team_lead)
    wp = client.post(WORK, wp_body(team, **complete(member.user))).json()
    path = f"{WORK}{wp['id']}/"
    before = snapshot(WorkPackage, wp["id"])
    feed = head(client)
    assert_problem(client.patch(path, {"decision": "continue"}), 400, "decision_reason")
    assert_problem(
        client.patch(path, {"decision": "continue", "decision_reason": "  "}),
        400,
        "decision_reason",
    )
    # Even when other fields change in the same write: all or nothing.
    assert_problem(
        client.patch(path, {"decision": "stop", "title": "Renamed"}), 400, "decision_reason"
    )
    assert snapshot(WorkPackage, wp["id"]) == before
    decided = client.patch(path, {"decision": "stop", "decision_reason": "The numbers say so"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["decision"] == "stop"
    assert decided.json()["status"] == "stopped"
    assert decided.json()["version"] == 2
    assert len(changes_after(client, feed)) == 1


def test_a_create_refused_by_the_decision_rule_writes_nothing(api, team_lead, team, member):
    client = api(team_lead)
    feed = head(client)
    response = client.post(WORK, wp_body(team, decision="continue", **complete(member.user)))
    assert_problem(response, 400, "decision_reason")
    response = client.post(WORK, wp_body(team, decision="continue", decision_reason="Because"))
    assert_problem(response, 400, "decision")  # an intention has no success check to decide on
    assert not WorkPackage.objects.exists()
    assert changes_after(client, feed) == []


def test_version_moves_only_when_something_changes(api, team_lead, team, member):
    client = api(team_lead)
    created = client.post(WORK, wp_body(team, **complete(member.user))).json()
    path = f"{WORK}{created['id']}/"
    feed = head(client)
    same = client.patch(path, {"title": created["title"], "status": "ready"})
    assert same.status_code == 200
    assert same.json() == created
    assert etag_version(same) == 1
    # Putting back exactly what GET gave changes nothing either.
    put_back = client.put(path, client.get(path).json())
    assert put_back.status_code == 200, put_back.content
    assert put_back.json() == created
    assert changes_after(client, feed) == []
    changed = client.patch(path, {"title": "Sharper"})
    assert changed.json()["version"] == 2
    assert etag_version(changed) == 2
    assert changed.json()["updated_at"] >= created["updated_at"]
    assert WorkPackage.objects.get(pk=created["id"]).version == 2


def test_put_resets_left_out_fields_while_patch_keeps_them(api, team_lead, team):
    client = api(team_lead)
    wp = client.post(WORK, wp_body(team, description="Keep me", estimate=3)).json()
    path = f"{WORK}{wp['id']}/"
    assert client.patch(path, {"title": "New"}).json()["description"] == "Keep me"
    put = client.put(path, wp_body(team, title="Newer"))
    assert put.status_code == 200, put.content
    assert (put.json()["description"], put.json()["estimate"]) == ("", None)
    assert_problem(client.put(path, {"description": "no title nor team"}), 400, "title", "team")


@pytest.mark.parametrize("resource", RESOURCES)
def test_strategy_version_moves_only_on_change(api, leader, team, resource):
    base, _, model = RESOURCES[resource]
    client = api(leader)
    created = client.post(base, _write_body(resource, leader, team)).json()
    path = f"{base}{created['id']}/"
    field = "statement" if resource == "strategic-objectives" else "title"
    assert client.patch(path, {field: created[field]}).json()["version"] == 1
    assert client.patch(path, {field: "Something else entirely"}).json()["version"] == 2
    assert model.objects.get(pk=created["id"]).version == 2


def test_initiative_team_changes_move_the_version(api, leader, team, other_team):
    client = api(leader)
    objective = StrategicObjectiveFactory(organization=leader.organization)
    created = client.post(INITIATIVES, initiative_body(objective, teams=[str(team.pk)])).json()
    path = f"{INITIATIVES}{created['id']}/"
    assert client.patch(path, {"teams": [str(team.pk)]}).json()["version"] == 1
    moved = client.patch(path, {"teams": [str(team.pk), str(other_team.pk)]}).json()
    assert moved["version"] == 2
    assert sorted(moved["teams"]) == sorted([str(team.pk), str(other_team.pk)])


def test_deleting_strategy_that_has_work_hanging_off_it_is_refused(api, leader, team):
    client = api(leader)
    objective = StrategicObjectiveFactory(organization=leader.organization)
    initiative = InitiativeFactory(strategic_objective=objective)
    WorkPackageFactory(team=team, initiative=initiative)
    assert_problem(client.delete(url(OBJECTIVES, objective)), 400, "strategic_objective")
    assert_problem(client.delete(url(INITIATIVES, initiative)), 400, "initiative")
    assert StrategicObjective.objects.filter(pk=objective.pk).exists()
    assert Initiative.objects.filter(pk=initiative.pk).exists()


# --- ETag, If-None-Match, If-Match ---------------------------------------------------------


def _objects(leader, team):
    objective = StrategicObjectiveFactory(organization=leader.organization)
    return {
        "strategic-objectives": StrategicObjectiveFactory(organization=leader.organization),
        "initiatives": InitiativeFactory(strategic_objective=objective),
        "work-packages": WorkPackageFactory(team=team),
    }


PATCHES = {
    "strategic-objectives": {"statement": "Sharper outcome"},
    "initiatives": {"title": "Sharper title"},
    "work-packages": {"title": "Sharper title"},
}


@pytest.mark.parametrize("resource", RESOURCES)
def test_etag_and_if_none_match(api, leader, team, resource):
    base, _, _ = RESOURCES[resource]
    obj = _objects(leader, team)[resource]
    client = api(leader)
    first = client.get(url(base, obj))
    assert etag_version(first) == 1
    etag = first["ETag"]
    not_modified = client.get(url(base, obj), HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get(url(base, obj), HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert client.get(url(base, obj), HTTP_IF_NONE_MATCH=f'"0-0", {etag}').status_code == 304
    # A bare version is not the body's tag: the client gets the body.
    assert client.get(url(base, obj), HTTP_IF_NONE_MATCH='"1"').status_code == 200
    assert client.patch(url(base, obj), PATCHES[resource]).status_code == 200
    changed = client.get(url(base, obj), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert etag_version(changed) == 2
    assert changed.json()["version"] == 2


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_stale_if_match_is_a_412_with_the_current_object_and_changes_nothing(
    api, leader, team, resource, method
):
    base, _, model = RESOURCES[resource]
    obj = _objects(leader, team)[resource]
    client = api(leader)
    assert client.patch(url(base, obj), PATCHES[resource]).status_code == 200  # now version 2
    current = client.get(url(base, obj)).json()
    before = snapshot(model, obj.pk)
    feed = head(client)
    kwargs = {}
    if method == "patch":
        kwargs["data"] = {**PATCHES[resource], **{k: "Lost update" for k in PATCHES[resource]}}
    elif method == "put":
        kwargs["data"] = _write_body(resource, leader, team)
    response = getattr(client, method)(url(base, obj), HTTP_IF_MATCH='"1"', **kwargs)
    assert response.status_code == 412, response.content
    assert response.json() == current
    assert etag_version(response) == 2
    assert snapshot(model, obj.pk) == before
    assert changes_after(client, feed) == []


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_current_if_match_writes(api, leader, team, resource):
    base, _, model = RESOURCES[resource]
    obj = _objects(leader, team)[resource]
    client = api(leader)
    response = client.patch(url(base, obj), PATCHES[resource], HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert etag_version(response) == 2
    assert model.objects.get(pk=obj.pk).version == 2
    deleted = client.delete(url(base, obj), HTTP_IF_MATCH='"2"')
    assert deleted.status_code == 204, deleted.content
    assert not model.objects.filter(pk=obj.pk).exists()


def test_upsert_honours_if_match(api, leader, team):
    client = api(leader)
    created = client.put(upsert_url("jira", "E-1"), wp_body(team))
    assert etag_version(created) == 1
    assert client.put(upsert_url("jira", "E-1"), {"title": "Two"}).json()["version"] == 2
    current = client.get(f"{WORK}{created.json()['id']}/").json()
    before = snapshot(WorkPackage, current["id"])
    stale = client.put(upsert_url("jira", "E-1"), {"title": "Lost"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json() == current
    assert snapshot(WorkPackage, current["id"]) == before
    fresh = client.put(upsert_url("jira", "E-1"), {"title": "Three"}, HTTP_IF_MATCH='"2"')
    assert fresh.status_code == 200
    assert fresh.json()["version"] == 3


@pytest.mark.parametrize("if_match", ['"1"', "*"])
def test_upsert_with_if_match_never_creates(api, leader, team, if_match):
    client = api(leader)
    response = client.put(upsert_url("jira", "E-404"), wp_body(team), HTTP_IF_MATCH=if_match)

    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    assert "nothing was created" in response.json()["detail"]
    assert not WorkPackage.objects.filter(external_id="E-404").exists()
    # Without If-Match the same PUT creates it.
    assert client.put(upsert_url("jira", "E-404"), wp_body(team)).status_code == 201


# --- upsert by external id -----------------------------------------------------------------


def test_upsert_creates_then_repeats_without_change_then_updates(api, team_lead, team, member):
    client = api(team_lead)
    path = upsert_url("jira", "SHOP-7")
    body = wp_body(team, description="From Jira", estimate=8, **complete(member.user))
    feed = head(client)
    first = client.put(path, body)
    assert first.status_code == 201, first.content
    created = first.json()
    assert set(created) == WORK_PACKAGE_FIELDS
    assert (created["source"], created["external_id"], created["version"]) == ("jira", "SHOP-7", 1)
    assert created["status"] == "ready"
    assert etag_version(first) == 1
    again = client.put(path, body)
    assert again.status_code == 200, again.content
    assert again.json() == created  # same version, same updated_at
    wp = WorkPackage.objects.get()
    assert wp.version == 1
    changed = client.put(path, {"title": "Shorter checkout, phase 2"})
    assert changed.status_code == 200, changed.content
    updated = changed.json()
    assert updated["version"] == 2
    assert updated["title"] == "Shorter checkout, phase 2"
    # Fields left out keep their values.
    for name in ("description", "estimate", "owner", "due_date", "team", "status", "created_at"):
        assert updated[name] == created[name], name
    assert WorkPackage.objects.count() == 1
    ops = [(c["op"], c["version"]) for c in changes_after(client, feed)]
    assert ops == [("created", 1), ("updated", 2)]


def test_upsert_applies_the_rules_and_writes_nothing_when_refused(api, team_lead, team):
    client = api(team_lead)
    feed = head(client)
    assert_problem(
        client.put(upsert_url("jira", "R-1"), wp_body(team, status="ready")),
        400,
        "owner",
        "due_date",
        "success_criterion",
        "success_review_date",
    )
    assert_problem(client.put(upsert_url("jira", "R-2"), {"title": "no team"}), 400, "team")
    assert_problem(client.put(upsert_url("jira", "R-3"), ["not", "an", "object"]), 400, "body")
    assert_problem(client.put(upsert_url("j" * 51, "R-4"), wp_body(team)), 400, "source")
    assert not WorkPackage.objects.exists()
    assert changes_after(client, feed) == []


def test_upsert_path_wins_over_the_body(api, leader, team):
    client = api(leader)
    response = client.put(
        upsert_url("jira", "P-1"), wp_body(team, source="linear", external_id="OTHER")
    )
    assert response.status_code == 201, response.content
    assert (response.json()["source"], response.json()["external_id"]) == ("jira", "P-1")


# --- bulk ----------------------------------------------------------------------------------


def item(external_id: str, team, /, source: str = "jira", **fields) -> dict:
    return {
        "source": source,
        "external_id": external_id,
        "title": f"Item {external_id}",
        "team": str(team.pk),
        **fields,
    }


def test_bulk_answers_per_item_and_writes_each_valid_one(api, team_lead, team, member, other_team):
    client = api(team_lead)
    unchanged = WorkPackageFactory(team=team, source="jira", external_id="U", title="Item U")
    to_update = WorkPackageFactory(team=team, source="jira", external_id="C", title="Old")
    refused = WorkPackageFactory(team=team, source="jira", external_id="BAD", title="Keep me")
    before = {wp.pk: snapshot(WorkPackage, wp.pk) for wp in (unchanged, refused)}
    feed = head(client)
    response = client.post(
        BULK,
        {
            "items": [
                item("N", team, **complete(member.user)),  # created, ready
                item("U", team),  # unchanged
                {"source": "jira", "external_id": "C", "title": "New"},  # updated
                # refused: a valid title change and an impossible status in one item
                {"source": "jira", "external_id": "BAD", "title": "Changed", "status": "ready"},
                item("T", team, title="x" * 201),  # field error
                item("O", other_team),  # another team: not this lead's to write
                item("D", team, due_date="not a date"),
            ]
        },
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["status"] for r in results] == [
        "created",
        "unchanged",
        "updated",
        "error",
        "error",
        "error",
        "error",
    ]
    assert {"owner", "due_date", "success_criterion", "success_review_date"} <= set(
        results[3]["errors"]
    )
    assert "title" in results[4]["errors"]
    assert results[5]["errors"]
    assert "due_date" in results[6]["errors"]
    for result in results[:3]:
        assert "errors" not in result
        assert result["work_package"] == client.get(f"{WORK}{result['work_package']['id']}/").json()
    for result in results[3:]:
        assert "work_package" not in result
    assert results[0]["work_package"]["status"] == "ready"
    assert results[2]["work_package"]["id"] == str(to_update.pk)
    assert results[2]["work_package"]["version"] == 2
    assert results[2]["work_package"]["title"] == "New"
    for pk, row in before.items():
        assert snapshot(WorkPackage, pk) == row
    assert set(WorkPackage.objects.values_list("external_id", flat=True)) == {"N", "U", "C", "BAD"}
    ops = sorted((c["op"], c["data"]["external_id"]) for c in changes_after(client, feed))
    assert ops == [("created", "N"), ("updated", "C")]


def test_bulk_refuses_a_repeated_key_in_one_request(api, leader, team):
    client = api(leader)
    response = client.post(
        BULK, {"items": [item("A", team, title="First"), item("A", team, title="Second")]}
    )
    first, second = response.json()["results"]
    assert first["status"] == "created"
    assert second["status"] == "error"
    assert "external_id" in second["errors"]
    assert list(WorkPackage.objects.values_list("title", flat=True)) == ["First"]


@pytest.mark.parametrize("bad", [5, "text", None, [], ["a list"], True])
def test_bulk_items_that_are_not_objects_are_per_item_errors(api, leader, team, bad):
    client = api(leader)
    response = client.post(BULK, {"items": [bad, item("OK", team)]})
    assert response.status_code == 200, response.content
    broken, fine = response.json()["results"]
    assert broken["status"] == "error"
    assert broken["errors"]
    assert fine["status"] == "created"
    assert WorkPackage.objects.count() == 1


def test_bulk_items_without_key_or_required_fields_are_errors(api, leader, team):
    client = api(leader)
    response = client.post(
        BULK,
        {
            "items": [
                {"title": "no key", "team": str(team.pk)},
                {"source": "jira", "external_id": "NT", "title": "no team"},
                {"source": "jira", "external_id": "NO-TITLE", "team": str(team.pk)},
                {"source": "jira", "external_id": "BADTEAM", "title": "x", "team": "not-a-uuid"},
            ]
        },
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["error"] * 4
    assert "external_id" in results[0]["errors"]
    assert "team" in results[1]["errors"]
    assert "title" in results[2]["errors"]
    assert "team" in results[3]["errors"]
    assert not WorkPackage.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"items": None}, {"items": "x"}, {"items": {"a": 1}}, {"things": []}, [], "items"],
)
def test_bulk_without_a_list_of_items_is_a_400_naming_items(api, leader, body):
    response = api(leader).post(BULK, body)
    assert_problem(response, 400, "items")


def test_bulk_of_more_than_1000_items_is_a_413_and_writes_nothing(api, leader, team):
    client = api(leader)
    feed = head(client)
    items = [item(f"K-{i}", team) for i in range(1001)]
    response = client.post(BULK, {"items": items})
    assert_problem(response, 413)
    assert WorkPackage.objects.count() == 0
    assert changes_after(client, feed) == []
    assert client.post(BULK, {"items": items[:1000]}).status_code == 200
    assert WorkPackage.objects.count() == 1000


def test_a_full_bulk_is_walked_exactly_once_by_the_cursor(api, leader, team):
    """A bulk writes up to 1000 rows in one statement, with one created_at: the cursor's offset
    within equal timestamps must carry a client across all of them."""
    client = api(leader)
    WorkPackageFactory.create_batch(3, team=team)
    response = client.post(BULK, {"items": [item(f"W{i}", team) for i in range(1000)]})
    assert {r["status"] for r in response.json()["results"]} == {"created"}
    WorkPackageFactory.create_batch(3, team=team)
    seen: list[str] = []
    response = client.get(WORK, {"page_size": 100})
    while True:
        page = response.json()
        seen += [row["id"] for row in page["results"]]
        if page["next"] is None:
            break
        response = client.get(page["next"])
        assert response.status_code == 200, response.content
    assert len(seen) == len(set(seen)) == 1006
    assert set(seen) == {str(pk) for pk in WorkPackage.objects.values_list("pk", flat=True)}


def test_bulk_runs_a_constant_number_of_queries(api, team_lead, team, member):
    client = api(team_lead)
    client.get(WORK)  # the token's first use is noted once: keep it out of the counts

    def run(source: str, n: int, title: str):
        items = [
            item(f"{i}", team, source=source, title=f"{title} {i}", **complete(member.user))
            for i in range(n)
        ]
        queries, response = count_queries(lambda: client.post(BULK, {"items": items}))
        assert response.status_code == 200, response.content  # type: ignore[attr-defined]
        return queries, [r["status"] for r in response.json()["results"]]  # type: ignore[attr-defined]

    small_create, statuses = run("small", 10, "Create")
    assert set(statuses) == {"created"}
    large_create, statuses = run("large", 1000, "Create")
    assert set(statuses) == {"created"}
    assert large_create == small_create
    small_update, statuses = run("small", 10, "Update")
    assert set(statuses) == {"updated"}
    large_update, statuses = run("large", 1000, "Update")
    assert set(statuses) == {"updated"}
    assert large_update == small_update
    small_same, _ = run("small", 10, "Update")
    large_same, statuses = run("large", 1000, "Update")
    assert set(statuses) == {"unchanged"}
    assert large_same == small_same
    assert WorkPackage.objects.filter(version=2).count() == 1010


# --- Idempotency-Key -----------------------------------------------------------------------


def test_a_replayed_create_returns_the_first_answer_and_creates_nothing(api, leader, team):
    client = api(leader)
    first = client.post(WORK, wp_body(team), HTTP_IDEMPOTENCY_KEY="create-1")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    feed = head(client)
    replay = client.post(WORK, wp_body(team), HTTP_IDEMPOTENCY_KEY="create-1")
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert replay["ETag"] == first["ETag"]
    assert WorkPackage.objects.count() == 1
    assert changes_after(client, feed) == []
    # Another key is another request.
    assert client.post(WORK, wp_body(team), HTTP_IDEMPOTENCY_KEY="create-2").status_code == 201
    assert WorkPackage.objects.count() == 2


def test_a_replayed_bulk_returns_the_first_answer_and_writes_nothing(api, leader, team):
    client = api(leader)
    body = {"items": [item("I-1", team), item("I-2", team, title="x" * 300)]}
    first = client.post(BULK, body, HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert first.status_code == 200
    # Someone edits the package in between: the replay must not undo it.
    client.put(upsert_url("jira", "I-1"), {"title": "Edited since"})
    before = snapshot(WorkPackage, WorkPackage.objects.get().pk)
    replay = client.post(BULK, body, HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert snapshot(WorkPackage, before["id"]) == before
    assert WorkPackage.objects.count() == 1


@pytest.mark.parametrize("path", [WORK, BULK])
def test_the_same_idempotency_key_with_another_body_is_a_422(api, leader, team, path):
    client = api(leader)
    body = wp_body(team) if path == WORK else {"items": [item("Q-1", team)]}
    other = wp_body(team, title="Else") if path == WORK else {"items": [item("Q-2", team)]}
    assert client.post(path, body, HTTP_IDEMPOTENCY_KEY="k").status_code in (200, 201)
    feed = head(client)
    assert_problem(client.post(path, other, HTTP_IDEMPOTENCY_KEY="k"), 422)
    assert WorkPackage.objects.count() == 1
    assert changes_after(client, feed) == []


def test_idempotency_keys_belong_to_one_person(api, leader, make_member, team):
    other = make_member(Role.LEADER)
    first = api(leader).post(WORK, wp_body(team), HTTP_IDEMPOTENCY_KEY="shared")
    second = api(other).post(WORK, wp_body(team, title="Theirs"), HTTP_IDEMPOTENCY_KEY="shared")
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert WorkPackage.objects.count() == 2
    assert IdempotencyKey.objects.count() == 2


def test_a_refused_request_with_an_idempotency_key_can_be_retried(api, leader, team):
    client = api(leader)
    assert_problem(client.post(WORK, wp_body(team, status="ready"), HTTP_IDEMPOTENCY_KEY="r"), 400)
    assert not WorkPackage.objects.exists()
    assert_problem(client.post(WORK, wp_body(team), HTTP_IDEMPOTENCY_KEY="x" * 256), 400)


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [WORK, OBJECTIVES, INITIATIVES, BULK])
def test_malformed_json_is_a_400_problem(api, leader, path):
    response = api(leader).post(path, data='{"title": ', content_type="application/json")
    assert_problem(response, 400, "body")


@pytest.mark.parametrize("body", ["[]", '["title"]', '"a string"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_400(api, leader, team, body):
    client = api(leader)
    wp = WorkPackageFactory(team=team)
    before = snapshot(WorkPackage, wp.pk)
    for response in (
        client.post(WORK, body, content_type="application/json"),
        client.patch(url(WORK, wp), body, content_type="application/json"),
        client.put(url(WORK, wp), body, content_type="application/json"),
        client.post(OBJECTIVES, body, content_type="application/json"),
        client.put(upsert_url("jira", "B-1"), body, content_type="application/json"),
    ):
        assert_problem(response, 400, "body")
    assert snapshot(WorkPackage, wp.pk) == before
    assert WorkPackage.objects.count() == 1


BAD_WORK_VALUES = [
    ("title", {"a": 1}),
    ("title", ["list"]),
    ("title", ""),
    ("title", None),
    ("title", "x" * 201),
    ("description", {"a": 1}),
    ("team", "not-a-uuid"),
    ("team", 12),
    ("team", {"id": "x"}),
    ("team", None),
    ("owner", "not-a-uuid"),
    ("owner", "8f14e45f-ceea-467a-9575-2f0c1d3a1b11"),
    ("initiative", "123"),
    ("initiative", [1]),
    ("start_date", "2026-13-01"),
    ("start_date", 20260101),
    ("due_date", "yesterday"),
    ("due_date", "2026-12-15T10:00:00Z"),
    ("success_review_date", {"d": 1}),
    ("output_kind", "novel"),
    ("outputs", "x" * 5001),
    ("success_criterion", "x" * 301),
    ("category", "urgent"),
    ("category", None),
    ("estimate", "three"),
    ("estimate", -1),
    ("estimate", 1001),
    ("estimate", 10**30),
    ("estimate", 1.5),
    ("status", "blocked"),
    ("status", ["ready"]),
    ("decision", "maybe"),
    ("decision_reason", "x" * 5001),
    ("source", "x" * 51),
    ("external_id", "x" * 201),
    ("reopen_reason", {"a": 1}),
]


@pytest.mark.parametrize(("field", "value"), BAD_WORK_VALUES)
def test_bad_work_package_input_is_a_400_naming_the_field(api, leader, team, field, value):
    client = api(leader)
    feed = head(client)
    assert_problem(client.post(WORK, {**wp_body(team), field: value}), 400, field)
    wp = WorkPackageFactory(team=team, source="jira", external_id="E-1")
    before = snapshot(WorkPackage, wp.pk)
    assert_problem(client.patch(url(WORK, wp), {field: value}), 400, field)
    assert_problem(client.put(url(WORK, wp), {**wp_body(team), field: value}), 400, field)
    if field not in ("decision", "decision_reason", "source", "external_id"):
        assert_problem(client.put(upsert_url("jira", "E-1"), {field: value}), 400, field)
        bulk = client.post(
            BULK, {"items": [{"source": "jira", "external_id": "E-1", field: value}]}
        )
        [result] = bulk.json()["results"]
        assert result["status"] == "error"
        assert field in result["errors"], result
    assert snapshot(WorkPackage, wp.pk) == before
    assert WorkPackage.objects.count() == 1
    assert changes_after(client, feed) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("statement", "x" * 301),
        ("statement", None),
        ("horizon_start", "soon"),
        ("horizon_end", "2025-01-01"),  # before the start
        ("trade_offs", "not a list"),
        ("trade_offs", ["x" * 301]),
        ("trade_offs", [str(i) for i in range(51)]),
        ("outcome_measures", [{"a": 1}]),
        ("owner", "nobody"),
        ("priority", 0),
        ("priority", "first"),
        ("status", "someday"),
    ],
)
def test_bad_objective_input_is_a_400_naming_the_field(api, leader, field, value):
    response = api(leader).post(OBJECTIVES, {**objective_body(), field: value})
    assert_problem(response, 400, field)
    assert not StrategicObjective.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("strategic_objective", "not-a-uuid"),
        ("strategic_objective", None),
        ("title", "x" * 201),
        ("teams", "not a list"),
        ("teams", ["not-a-uuid"]),
        ("teams", ["8f14e45f-ceea-467a-9575-2f0c1d3a1b12"]),
        ("start_date", "1st of May"),
        ("end_date", "2020-01-01"),  # before the start
        ("status", "paused"),
    ],
)
def test_bad_initiative_input_is_a_400_naming_the_field(api, leader, field, value):
    objective = StrategicObjectiveFactory(organization=leader.organization)
    body = {**initiative_body(objective, start_date="2026-01-01"), field: value}
    assert_problem(api(leader).post(INITIATIVES, body), 400, field)
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": ""}, "page_size"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "cD0yMDI2"}, "cursor"),
        ({"team": "not-a-uuid"}, "team"),
        ({"owner": "42"}, "owner"),
        ({"initiative": "x"}, "initiative"),
        ({"status": "blocked"}, "status"),
        ({"category": "urgent"}, "category"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2026-02-30T00:00:00Z"}, "updated_since"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_them(api, leader, team, params, field):
    WorkPackageFactory(team=team)
    assert_problem(api(leader).get(WORK, params), 400, field)


@pytest.mark.parametrize("base", [OBJECTIVES, INITIATIVES])
def test_bad_page_parameters_on_strategy_lists(api, leader, base):
    client = api(leader)
    assert_problem(client.get(base, {"page_size": "1000"}), 400, "page_size")
    assert_problem(client.get(base, {"cursor": "%%%"}), 400, "cursor")
    assert_problem(client.get(base, {"updated_since": "later"}), 400, "updated_since")


@pytest.mark.parametrize("base", [OBJECTIVES, INITIATIVES, WORK])
def test_a_malformed_id_in_the_path_is_a_404_problem(api, leader, base):
    assert_problem(api(leader).get(f"{base}not-a-uuid/"), 404)


def test_a_form_encoded_body_is_refused_as_a_problem(api, leader, team):
    response = api(leader).post(WORK, "title=x", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)
    assert not WorkPackage.objects.exists()


# --- lists ---------------------------------------------------------------------------------


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_work_package_filters(api, leader, team, other_team, member):
    objective = StrategicObjectiveFactory(organization=leader.organization)
    initiative = InitiativeFactory(strategic_objective=objective)
    a = WorkPackageFactory(team=team, initiative=initiative, owner=member.user, ready=True)
    b = WorkPackageFactory(team=team)
    c = WorkPackageFactory(team=other_team, initiative=initiative)
    old = timezone.now() - datetime.timedelta(days=30)
    WorkPackage.objects.filter(pk__in=[b.pk, c.pk]).update(updated_at=old)
    client = api(leader)
    assert ids(client.get(WORK)) == {str(a.pk), str(b.pk), str(c.pk)}
    assert ids(client.get(WORK, {"team": str(team.pk)})) == {str(a.pk), str(b.pk)}
    assert ids(client.get(WORK, {"status": "ready"})) == {str(a.pk)}
    assert ids(client.get(WORK, {"status": "intention"})) == {str(b.pk), str(c.pk)}
    assert ids(client.get(WORK, {"initiative": str(initiative.pk)})) == {str(a.pk), str(c.pk)}
    assert ids(client.get(WORK, {"owner": str(member.user.pk)})) == {str(a.pk)}
    assert ids(client.get(WORK, {"linked": "true"})) == {str(a.pk), str(c.pk)}
    assert ids(client.get(WORK, {"linked": "false"})) == {str(b.pk)}
    since = (old + datetime.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(client.get(WORK, {"updated_since": since})) == {str(a.pk)}
    assert ids(client.get(WORK, {"team": str(team.pk), "linked": "true"})) == {str(a.pk)}
    assert ids(client.get(WORK, {"team": str(uuid.uuid4())})) == set()


def test_strategy_list_filters(api, leader, team, member):
    client = api(leader)
    active = StrategicObjectiveFactory(organization=leader.organization, owner=member.user)
    draft = StrategicObjectiveFactory(organization=leader.organization, status="draft")
    assert ids(client.get(OBJECTIVES, {"status": "draft"})) == {str(draft.pk)}
    assert ids(client.get(OBJECTIVES, {"owner": str(member.user.pk)})) == {str(active.pk)}
    one = InitiativeFactory(strategic_objective=active)
    one.teams.set([team])
    two = InitiativeFactory(strategic_objective=draft, status="planned")
    assert ids(client.get(INITIATIVES, {"team": str(team.pk)})) == {str(one.pk)}
    assert ids(client.get(INITIATIVES, {"status": "planned"})) == {str(two.pk)}
    assert ids(client.get(INITIATIVES, {"strategic_objective": str(draft.pk)})) == {str(two.pk)}
    Initiative.objects.filter(pk=one.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=9)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(client.get(INITIATIVES, {"updated_since": since})) == {str(two.pk)}


def _make_rows(resource: str, leader, team, n: int) -> None:
    if resource == "strategic-objectives":
        StrategicObjectiveFactory.create_batch(n, organization=leader.organization)
    elif resource == "initiatives":
        objective = StrategicObjectiveFactory(organization=leader.organization)
        for initiative in InitiativeFactory.create_batch(n, strategic_objective=objective):
            initiative.teams.set([team])
    else:
        objective = StrategicObjectiveFactory(organization=leader.organization)
        initiative = InitiativeFactory(strategic_objective=objective)
        WorkPackageFactory.create_batch(n, team=team, initiative=initiative, owner=leader.user)


@pytest.mark.parametrize("resource", RESOURCES)
def test_cursor_pages_walk_every_row_exactly_once(api, leader, team, resource):
    base, _, model = RESOURCES[resource]
    _make_rows(resource, leader, team, 23)
    if resource == "work-packages":
        # Rows written in one statement share their created_at: the cursor must still hold.
        api(leader).post(BULK, {"items": [item(f"B{i}", team) for i in range(12)]})
    client = api(leader)
    seen: list[str] = []
    response = client.get(base, {"page_size": 5})
    pages = 0
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        assert set(page) == {"results", "next"}
        assert len(page["results"]) <= 5
        seen += [row["id"] for row in page["results"]]
        pages += 1
        if page["next"] is None:
            break
        response = client.get(page["next"])
    expected = {
        str(pk)
        for pk in model.objects.filter(organization=leader.organization).values_list(
            "pk", flat=True
        )
    }
    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    assert pages == -(-len(expected) // 5)


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("door", ["token", "session"])
def test_list_query_count_does_not_grow_with_the_page(
    api, session_api, leader, team, resource, door, django_assert_num_queries
):
    base, _, _ = RESOURCES[resource]
    _make_rows(resource, leader, team, 101)
    client = api(leader) if door == "token" else session_api(leader)
    client.get(base)  # the token's first use is noted once
    small, response = count_queries(lambda: client.get(base, {"page_size": 1}))
    assert len(response.json()["results"]) == 1
    with django_assert_num_queries(small):
        response = client.get(base, {"page_size": 100})
    assert len(response.json()["results"]) == 100
    with django_assert_num_queries(small):
        response = client.get(response.json()["next"])
    assert len(response.json()["results"]) >= 1


# --- the changes feed ----------------------------------------------------------------------


def _one_change(client, cursor, *, op, obj_id, resource_type):
    [change] = changes_after(client, cursor)
    assert (change["op"], change["id"], change["type"]) == (op, obj_id, resource_type)
    return change


@pytest.mark.parametrize(
    ("resource", "resource_type"),
    [
        ("strategic-objectives", "strategic_objective"),
        ("initiatives", "initiative"),
        ("work-packages", "work_package"),
    ],
)
def test_every_api_write_appears_once_on_the_feed_as_get_shows_it(
    api, leader, team, resource, resource_type
):
    base, _, _ = RESOURCES[resource]
    client = api(leader)
    cursor = head(client)
    created = client.post(base, _write_body(resource, leader, team))
    assert created.status_code == 201, created.content
    obj_id = created.json()["id"]
    path = f"{base}{obj_id}/"
    change = _one_change(client, cursor, op="created", obj_id=obj_id, resource_type=resource_type)
    assert change["version"] == 1
    assert change["data"] == client.get(path).json() == created.json()

    cursor = head(client)
    field = "statement" if resource == "strategic-objectives" else "title"
    updated = client.patch(path, {field: "A new wording"})
    change = _one_change(client, cursor, op="updated", obj_id=obj_id, resource_type=resource_type)
    assert change["version"] == 2
    assert change["data"] == client.get(path).json() == updated.json()

    cursor = head(client)
    put = client.put(path, {**_write_body(resource, leader, team), field: "Put wording"})
    assert put.status_code == 200, put.content
    change = _one_change(client, cursor, op="updated", obj_id=obj_id, resource_type=resource_type)
    assert change["version"] == 3
    assert change["data"] == client.get(path).json()

    cursor = head(client)
    assert client.patch(path, {field: "Put wording"}).status_code == 200  # no change
    assert changes_after(client, cursor) == []

    assert client.delete(path).status_code == 204
    change = _one_change(client, cursor, op="deleted", obj_id=obj_id, resource_type=resource_type)
    assert change["data"] is None
    assert change["version"] == 3
    assert client.get(path).status_code == 404


def test_a_write_with_a_decision_appears_once_on_the_feed(api, team_lead, team, member):
    client = api(team_lead)
    created = client.post(WORK, wp_body(team, **complete(member.user))).json()
    path = f"{WORK}{created['id']}/"
    cursor = head(client)
    response = client.patch(
        path, {"title": "Checked", "decision": "continue", "decision_reason": "On track"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    change = _one_change(
        client, cursor, op="updated", obj_id=created["id"], resource_type="work_package"
    )
    assert change["version"] == 2
    assert change["data"] == client.get(path).json()


def test_a_create_with_a_decision_appears_once_on_the_feed(api, team_lead, team, member):
    client = api(team_lead)
    cursor = head(client)
    response = client.post(
        WORK,
        wp_body(team, decision="stop", decision_reason="Superseded", **complete(member.user)),
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["version"], created["decision"], created["status"]) == (1, "stop", "stopped")
    change = _one_change(
        client, cursor, op="created", obj_id=created["id"], resource_type="work_package"
    )
    assert change["version"] == 1
    assert change["data"] == client.get(f"{WORK}{created['id']}/").json() == created


def test_upserts_and_bulk_appear_on_the_feed_as_get_shows_them(api, leader, team):
    client = api(leader)
    cursor = head(client)
    created = client.put(upsert_url("jira", "F-1"), wp_body(team)).json()
    bulk = client.post(
        BULK,
        {
            "items": [
                item("F-2", team),
                {"source": "jira", "external_id": "F-1", "title": "Renamed"},
            ]
        },
    )
    assert [r["status"] for r in bulk.json()["results"]] == ["created", "updated"]
    client.post(BULK, {"items": [item("F-2", team)]})  # unchanged: not on the feed
    changes = changes_after(client, cursor)
    assert [(c["op"], c["version"]) for c in changes] == [
        ("created", 1),
        ("created", 1),
        ("updated", 2),
    ] or [(c["op"], c["version"]) for c in changes] == [
        ("created", 1),
        ("updated", 2),
        ("created", 1),
    ]
    latest = {c["id"]: c for c in changes}
    for obj_id, change in latest.items():
        assert change["data"] == client.get(f"{WORK}{obj_id}/").json()
    assert latest[created["id"]]["data"]["title"] == "Renamed"


def test_failed_writes_leave_no_change_entry(api, leader, team, viewer, foreign):
    client = api(leader)
    wp = WorkPackageFactory(team=team)
    cursor = head(client)
    failures = [
        client.post(WORK, wp_body(team, status="ready")),
        client.patch(url(WORK, wp), {"status": "done"}),
        client.patch(url(WORK, wp), {"title": "x"}, HTTP_IF_MATCH='"9"'),
        client.patch(url(WORK, wp), {"team": str(foreign["team"].pk)}),
        client.patch(url(WORK, foreign["work"]), {"title": "x"}),
        client.post(WORK, wp_body(team, decision="stop", decision_reason="")),
        api(viewer).patch(url(WORK, wp), {"title": "x"}),
        client.put(upsert_url("jira", "Z"), {"title": "no team"}),
        client.post(OBJECTIVES, objective_body(horizon_end="2020-01-01")),
    ]
    assert [r.status_code for r in failures] == [400, 400, 412, 400, 404, 400, 403, 400, 400]
    assert changes_after(client, cursor) == []
    assert ChangeLogEntry.objects.filter(organization=foreign["leader"].organization).count() == 0
