"""What schemathesis found, pinned down: each of these was a 500, an HTML error or an answer the
schema did not document (tests/api/test_schemathesis.py finds such things; these keep them fixed).
"""

import pytest
from rest_framework.test import APIClient

from backlog.tests.factories import SprintCommitmentFactory, SprintFactory
from core import services
from core.models import IdempotencyKey
from planning.models import WorkPackage
from planning.tests.factories import WorkPackageFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def api(leader):
    issued = services.api_token_issue(
        user=leader.user, organization=leader.organization, name="test", scope="write"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    return client


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    return body


def test_a_due_date_before_the_start_is_a_field_error_on_every_write(api, team):
    dates = {"start_date": "2027-02-01", "due_date": "2027-01-01"}
    body = {"title": "Backwards", "team": str(team.pk), **dates}
    for response in (
        api.post("/api/v1/work-packages/", body, format="json"),
        api.put("/api/v1/work-packages/external/jira/T-1/", body, format="json"),
    ):
        assert set(assert_problem(response, 400)["errors"]) == {"due_date"}
    item = {**body, "source": "jira", "external_id": "T-2"}
    result = api.post("/api/v1/work-packages/bulk/", {"items": [item]}, format="json").json()
    assert result["results"][0]["status"] == "error"
    assert set(result["results"][0]["errors"]) == {"due_date"}
    wp = WorkPackageFactory(organization=team.organization, team=team, start_date="2027-02-01")
    response = api.patch(
        f"/api/v1/work-packages/{wp.pk}/", {"due_date": "2027-01-01"}, format="json"
    )
    assert set(assert_problem(response, 400)["errors"]) == {"due_date"}
    assert not WorkPackage.objects.filter(title="Backwards").exists()


def test_updated_since_takes_any_offset_and_refuses_a_time_out_of_range(api):
    # PostgreSQL refuses offsets beyond ±15:59; the filter turns the time into UTC first.
    assert (
        api.get("/api/v1/initiatives/?updated_since=0864-03-13T21:32:31%2B19:32").status_code == 200
    )
    response = api.get("/api/v1/work-packages/?updated_since=0001-01-01T00:00:00%2B14:00")
    assert set(assert_problem(response, 400)["errors"]) == {"updated_since"}


@pytest.mark.parametrize("value", ["maybe", "-58800", "yes"])
def test_a_boolean_filter_refuses_what_is_not_true_or_false(api, value):
    response = api.get(f"/api/v1/work-packages/?linked={value}")
    assert set(assert_problem(response, 400)["errors"]) == {"linked"}
    assert api.get("/api/v1/work-packages/?linked=").status_code == 200  # empty: no filter
    assert api.get("/api/v1/teams/?archived=FALSE").status_code == 200


def test_options_on_the_upsert_route_is_not_a_500(api):
    assert api.options("/api/v1/work-packages/external/jira/T-1/").status_code == 200


def test_deleting_work_held_by_a_sprint_is_a_409_and_changes_nothing(api, team):
    wp = WorkPackageFactory(organization=team.organization, team=team)
    SprintCommitmentFactory(sprint=SprintFactory(team=team), work_package=wp)
    body = assert_problem(api.delete(f"/api/v1/work-packages/{wp.pk}/"), 409)
    assert "sprint commitment" in body["detail"]
    assert WorkPackage.objects.filter(pk=wp.pk).exists()


def test_a_replayed_bulk_answer_can_hold_a_refused_nul_field_name(api):
    body = {"items": [{"a\x00b": 1}]}
    first = api.post("/api/v1/work-packages/bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 200
    assert first.json()["results"][0]["errors"] == {"a\x00b": ["Unknown field."]}
    replay = api.post("/api/v1/work-packages/bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["results"][0]["errors"] == {"a\ufffdb": ["Unknown field."]}
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/work-packages/0.5/",  # not a UUID
        "/api/v1/teams/not-an-id/",
        "/api/v1/no-such-thing/",
        "/api/v1/work-packages/external/a/b/c/",  # an external id with a slash in it
    ],
)
def test_an_address_the_api_does_not_know_is_a_problem_json_404(api, path):
    assert_problem(api.get(path), 404)


def test_read_only_resources_offer_no_writes_in_the_schema(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/v1/teams/{id}/", "/api/v1/members/{id}/", "/api/v1/organizations/{id}/"):
        assert set(paths[path]) == {"get"}


def test_every_operation_documents_its_problem_responses(client):
    schema = client.get("/api/schema/?format=json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"401", "403", "429"} <= set(responses), (method, path)
            for code, response in responses.items():
                if code.startswith("4") and code != "412":
                    assert PROBLEM in response["content"], (method, path, code)
