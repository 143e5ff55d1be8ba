"""The API's plumbing: tokens, tenancy of the organization endpoints, errors, throttling, feed."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core import changelog, services
from core.api.throttling import TokenRateThrottle
from core.models import ApiToken, Role
from core.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def client_with(token_raw: str | None = None) -> APIClient:
    client = APIClient()
    if token_raw:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_raw}")
    return client


def token_for(membership, scope="read", **kwargs):
    return services.api_token_issue(
        user=membership.user,
        organization=membership.organization,
        name="test",
        scope=scope,
        **kwargs,
    )


# --- authentication ------------------------------------------------------------------------


def test_no_credentials_is_a_401_problem(member):
    response = client_with().get("/api/v1/teams/")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer tl_unknown"])
def test_malformed_or_unknown_tokens_are_401(member, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/teams/")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_a_token_works_and_notes_its_use(member):
    issued = token_for(member)
    assert client_with(issued.raw).get("/api/v1/teams/").status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_a_revoked_token_is_a_401_on_its_next_request(member):
    issued = token_for(member)
    client = client_with(issued.raw)
    assert client.get("/api/v1/teams/").status_code == 200
    services.api_token_revoke(user=member.user, token=issued.token)
    assert client.get("/api/v1/teams/").status_code == 401


def test_an_expired_token_is_a_401(member):
    issued = token_for(member, expires_at=timezone.now() + datetime.timedelta(minutes=5))
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client_with(issued.raw).get("/api/v1/teams/").status_code == 401


def test_a_deactivated_member_token_is_refused(member):
    issued = token_for(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client_with(issued.raw).get("/api/v1/teams/").status_code == 403


def test_a_read_token_cannot_write(leader):
    issued = token_for(leader, scope="read")
    response = client_with(issued.raw).post(
        "/api/v1/strategic-objectives/",
        {"statement": "Own it", "horizon_start": "2027-01-01", "horizon_end": "2028-01-01"},
        format="json",
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_tokens_are_stored_only_as_hashes(member):
    issued = token_for(member, scope="write")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_apitoken")
        dump = repr(cursor.fetchall())
    assert issued.raw not in dump
    assert issued.raw[10:] not in dump


def test_a_browser_session_works_and_needs_csrf_to_write(leader):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(leader.user)
    assert client.get("/api/v1/organizations/").status_code == 200
    response = client.post(
        "/api/v1/strategic-objectives/",
        {"statement": "Own it", "horizon_start": "2027-01-01", "horizon_end": "2028-01-01"},
        format="json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_issue_token_command_prints_a_working_token(member, capsys):
    call_command("issue_token", member.user.email, "--scope", "write", "--name", "CI sync")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=member.user)
    assert (token.name, token.scope) == ("CI sync", "write")
    assert client_with(raw).get("/api/v1/organizations/").status_code == 200


def test_issue_token_command_names_the_bad_argument(member):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="username"):
        call_command("issue_token", "nobody@example.com")


# --- tenancy of the organization endpoints --------------------------------------------------


def test_organization_teams_and_members_are_the_callers_only(member, team, other_org, make_member):
    stranger = make_member(Role.MEMBER, organization=other_org)
    foreign_team = TeamFactory(organization=other_org, name="Theirs")
    client = client_with(token_for(member).raw)
    orgs = client.get("/api/v1/organizations/").json()["results"]
    assert [o["id"] for o in orgs] == [str(member.organization_id)]
    teams = client.get("/api/v1/teams/").json()["results"]
    assert str(foreign_team.pk) not in {t["id"] for t in teams}
    members = client.get("/api/v1/members/").json()["results"]
    assert str(stranger.pk) not in {m["id"] for m in members}
    assert client.get(f"/api/v1/teams/{foreign_team.pk}/").status_code == 404
    assert client.get(f"/api/v1/members/{stranger.pk}/").status_code == 404
    assert client.get(f"/api/v1/organizations/{other_org.pk}/").status_code == 404


def test_organization_endpoints_are_read_only(admin, team):
    client = client_with(token_for(admin, scope="write").raw)
    response = client.patch(f"/api/v1/teams/{team.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize("size", [1, 30])
def test_member_list_runs_constant_queries(
    member, team, make_member, django_assert_num_queries, size
):
    for _ in range(size):
        make_member(Role.MEMBER, teams=[team])
    client = client_with(token_for(member).raw)
    client.get("/api/v1/members/")  # warm the token's last-used write
    # token with its membership (one query), page of members, their teams
    with django_assert_num_queries(3):
        response = client.get("/api/v1/members/?page_size=100")
    assert len(response.json()["results"]) == size + 1


# --- throttling ----------------------------------------------------------------------------


def test_too_many_requests_get_429_with_retry_after(member, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "3/minute"})
    client = client_with(token_for(member).raw)
    codes = [client.get("/api/v1/teams/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/teams/")
    assert response["Content-Type"] == PROBLEM
    assert int(response["Retry-After"]) > 0
    other = client_with(token_for(member).raw)
    assert other.get("/api/v1/teams/").status_code == 200  # counted per token


def test_throttle_is_a_sliding_window_that_does_not_count_refusals(member, monkeypatch):
    """One counter per minute in Redis, the previous minute's weighted by how much of it is
    still within the last 60 s (core/api/throttling.py)."""
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "4/minute"})
    now = [6000.0]  # the start of a minute
    monkeypatch.setattr(TokenRateThrottle, "timer", lambda self: now[0])
    client = client_with(token_for(member).raw)  # a fresh token: counters of its own

    def codes(n: int) -> list[int]:
        return [client.get("/api/v1/teams/").status_code for _ in range(n)]

    assert codes(6) == [200] * 4 + [429] * 2  # refusals are not counted…
    # …so 4 of the last 60 s still count at 75 s: a quarter of them (3) lies before, 1 fits.
    response = client.get("/api/v1/teams/")
    assert int(response["Retry-After"]) == 75
    now[0] += 75
    assert codes(2) == [200, 429]
    now[0] += 45  # the first minute no longer counts; the second (1 request) fully
    assert codes(4) == [200] * 3 + [429]


# --- the changes feed over HTTP ------------------------------------------------------------


def test_changes_feed_pages_in_order_with_a_cursor(team_lead, team):
    from planning import services as planning_services

    for title in ["a", "b", "c"]:
        planning_services.work_package_create(actor=team_lead, title=title, team=team)
    client = client_with(token_for(team_lead).raw)
    first = client.get("/api/v1/changes/?limit=2").json()
    assert [c["data"]["title"] for c in first["results"]] == ["a", "b"]
    assert first["has_more"] is True
    assert set(first["results"][0]) == {"cursor", "type", "id", "op", "version", "at", "data"}
    assert first["results"][0]["type"] == "work_package"
    assert first["results"][0]["op"] == "created"
    assert first["results"][0]["at"].endswith("Z")
    again = client.get("/api/v1/changes/?limit=2").json()
    assert again == first
    rest = client.get(f"/api/v1/changes/?since={first['next_cursor']}&limit=2").json()
    assert [c["data"]["title"] for c in rest["results"]] == ["c"]
    assert rest["has_more"] is False
    empty = client.get(f"/api/v1/changes/?since={rest['next_cursor']}").json()
    assert empty == {"results": [], "next_cursor": rest["next_cursor"], "has_more": False}


def test_changes_feed_tombstones_and_410(team_lead, team):
    from planning import services as planning_services

    wp = planning_services.work_package_create(actor=team_lead, title="gone soon", team=team)
    planning_services.work_package_delete(actor=team_lead, work_package=wp)
    client = client_with(token_for(team_lead).raw)
    results = client.get("/api/v1/changes/").json()["results"]
    assert [(c["op"], c["data"] is None) for c in results] == [
        ("created", False),
        ("deleted", True),
    ]
    changelog.prune(organization_id=team.organization_id, before=timezone.now())
    response = client.get(f"/api/v1/changes/?since={results[0]['cursor']}")
    assert response.status_code == 410
    assert response["Content-Type"] == PROBLEM
    head = client.get("/api/v1/changes/head/").json()["cursor"]
    assert client.get(f"/api/v1/changes/?since={head}").status_code == 200


@pytest.mark.parametrize("query", ["since=abc", "since=-4", "limit=0", "limit=5000", "limit=x"])
def test_changes_feed_bad_parameters_are_400s_naming_them(member, query):
    response = client_with(token_for(member).raw).get(f"/api/v1/changes/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert set(response.json()["errors"]) == {query.split("=")[0]}


def test_changes_feed_never_shows_another_organization(team_lead, team, other_org, make_member):
    from planning import services as planning_services

    other_team = TeamFactory(organization=other_org)
    other_lead = make_member(Role.TEAM_LEAD, organization=other_org, teams=[other_team])
    planning_services.work_package_create(actor=other_lead, title="theirs", team=other_team)
    planning_services.work_package_create(actor=team_lead, title="ours", team=team)
    results = client_with(token_for(team_lead).raw).get("/api/v1/changes/").json()["results"]
    assert [c["data"]["title"] for c in results] == ["ours"]


# --- schema and docs -----------------------------------------------------------------------


def test_schema_and_docs_are_served(member, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/work-packages/bulk/" in schema.content
    client.force_login(member.user)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


# --- the API tokens page -------------------------------------------------------------------


def test_tokens_page_shows_a_new_token_once_and_revokes(client_for, member):
    client = client_for(member)
    response = client.post("/settings/tokens/", {"name": "Jira sync", "scope": "write"})
    assert response.status_code == 201
    raw = response.context["issued"].raw
    assert raw in response.content.decode()
    assert raw not in client.get("/settings/tokens/").content.decode()
    token = ApiToken.objects.get(user=member.user)
    assert client_with(raw).get("/api/v1/teams/").status_code == 200
    client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert client_with(raw).get("/api/v1/teams/").status_code == 401


def test_tokens_page_bad_input_is_shown_beside_the_field(client_for, member):
    response = client_for(member).post(
        "/settings/tokens/", {"name": "", "scope": "admin", "expires_on": "2001-01-01"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_name_error"' in html
    assert 'id="id_scope_error"' in html
    assert not ApiToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked(client_for, member, make_member):
    other = make_member(Role.MEMBER)
    issued = token_for(other)
    assert client_for(member).post(f"/settings/tokens/{issued.token.pk}/revoke/").status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None
