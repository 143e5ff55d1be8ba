"""Mass assignment: organization, ids, version, timestamps, and an owner the role may not set,
sent in a write, change nothing.

- API: read-only fields in a body are ignored (DESIGN.md); the write itself goes through.
- Pages: no form has such a field, so a posted one is dropped; posted beside a valid edit, the
  edit goes through and they change nothing.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import json
import uuid

import pytest
from django import forms
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from planning.models import Initiative, StrategicObjective, WorkPackage
from tests.security.world import (  # noqa: F401 - world is a fixture
    MARKER,
    ROLES,
    FormFields,
    OrgWorld,
    World,
    world_fixture,
)

ADMIN, LEADER, LEAD, MEMBER, VIEWER = ROLES
LONG_AGO = "2001-01-01T00:00:00Z"
PROTECTED = ("organization", "id", "version", "created_at", "updated_at")


def injected(other: OrgWorld) -> dict:
    """The fields no write may set, aimed at the other organization."""
    return {
        "organization": str(other.organization.pk),
        "id": str(uuid.uuid4()),
        "version": 99,
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
    }


def api(method: str, path: str, token: str, body) -> object:
    return Client().generic(
        method,
        path,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def assert_untouched(obj, before, *, version: int) -> None:
    obj.refresh_from_db()
    assert obj.organization_id == before.organization_id
    assert obj.version == version
    assert obj.created_at == before.created_at
    assert obj.updated_at > timezone.now() - datetime.timedelta(minutes=5)


UPDATES = [
    ("strategic_objective", "strategic-objectives", LEADER, {"statement": "Clinics book first"}),
    ("initiative", "initiatives", LEADER, {"title": "Booking, renamed"}),
    ("work_package", "work-packages", LEAD, {"title": "Reschedule link, renamed"}),
    ("work_package", "work-packages", MEMBER, {"title": "Renamed by its owner"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize(("kind", "segment", "role", "change"), UPDATES)
def test_api_update_ignores_read_only_fields(world, method, kind, segment, role, change):
    obj = world.own.objects[kind]
    before = type(obj).objects.get(pk=obj.pk)  # type: ignore[attr-defined]
    path = f"/api/v1/{segment}/{obj.pk}/"  # type: ignore[attr-defined]
    token = world.own.tokens[role]
    body = {**change, **injected(world.other)}
    if method == "PUT":  # the whole object, as a client that read it would send it back
        current = api("GET", path, token, None).json()  # type: ignore[attr-defined]
        writable = {k: v for k, v in current.items() if k not in PROTECTED}
        body = {**writable, **body}
        body = {k: v for k, v in body.items() if k not in ("quality_warnings",)}
    response = api(method, path, token, body)
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    data = response.json()  # type: ignore[attr-defined]
    assert data["id"] == str(obj.pk)  # type: ignore[attr-defined]
    assert data["version"] == before.version + 1
    assert_untouched(obj, before, version=before.version + 1)
    assert (
        not type(obj)
        .objects.filter(organization=world.other.organization)
        .filter(pk=body["id"])
        .exists()
    )


@pytest.mark.django_db
def test_api_create_ignores_read_only_fields(world):
    own, other = world.own, world.other
    team = own.objects["team"]
    objective = own.objects["strategic_objective"]
    creates = [
        (
            "strategic-objectives",
            LEADER,
            StrategicObjective,
            {
                "statement": "Small clinics renew without a call",
                "rationale": "Renewals are the business.",
                "horizon_start": "2026-01-01",
                "horizon_end": "2027-12-31",
                "trade_offs": ["No enterprise deals"],
            },
        ),
        (
            "initiatives",
            LEADER,
            Initiative,
            {"strategic_objective": str(objective.pk), "title": "Self-service renewals"},  # type: ignore[attr-defined]
        ),
        ("work-packages", LEAD, WorkPackage, {"title": "Renewal e-mail", "team": str(team.pk)}),  # type: ignore[attr-defined]
    ]
    for segment, role, model, fields in creates:
        sent = injected(other)
        response = api("POST", f"/api/v1/{segment}/", own.tokens[role], {**fields, **sent})
        assert response.status_code == 201, (segment, response.content)  # type: ignore[attr-defined]
        data = response.json()  # type: ignore[attr-defined]
        assert data["id"] != sent["id"]
        assert data["version"] == 1
        row = model.objects.get(pk=data["id"])
        assert row.organization_id == own.organization.pk
        assert row.created_at > timezone.now() - datetime.timedelta(minutes=5)
        assert not model.objects.filter(pk=sent["id"]).exists()


@pytest.mark.django_db
def test_api_upserts_ignore_read_only_fields(world):
    own, other = world.own, world.other
    team = own.objects["team"]
    token = own.tokens[LEAD]
    sent = injected(other)
    body = {"title": "Synced task", "team": str(team.pk), **sent}  # type: ignore[attr-defined]
    response = api("PUT", "/api/v1/work-packages/external/jira/MA-1/", token, body)
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    row = WorkPackage.objects.get(source="jira", external_id="MA-1")
    assert (row.organization_id, row.version) == (own.organization.pk, 1)
    assert str(row.pk) != sent["id"]

    item = {"source": "jira", "external_id": "MA-2", "title": "Bulk task", "team": str(team.pk)}  # type: ignore[attr-defined]
    response = api("POST", "/api/v1/work-packages/bulk/", token, {"items": [{**item, **sent}]})
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    [result] = response.json()["results"]  # type: ignore[attr-defined]
    assert result["status"] == "created", result
    row = WorkPackage.objects.get(source="jira", external_id="MA-2")
    assert (row.organization_id, row.version) == (own.organization.pk, 1)
    assert row.created_at > timezone.now() - datetime.timedelta(minutes=5)
    assert not WorkPackage.objects.filter(organization=other.organization, title="Bulk task")


@pytest.mark.django_db
def test_a_member_cannot_give_their_work_to_someone_else(world):
    """Owners edit their work; reassigning it is for the team's lead or a leader."""
    work = world.own.objects["work_package"]
    before = WorkPackage.objects.get(pk=work.pk)  # type: ignore[attr-defined]
    someone_else = world.own.people[LEAD].user
    for path, body in [
        (f"/api/v1/work-packages/{work.pk}/", {"owner": str(someone_else.pk)}),  # type: ignore[attr-defined]
        (
            "/api/v1/work-packages/external/jira/Acme-1/",
            {"owner": str(someone_else.pk), "title": "Mine now?"},
        ),
    ]:
        response = api(
            "PATCH" if "external" not in path else "PUT", path, world.own.tokens[MEMBER], body
        )
        assert response.status_code == 403, response.content  # type: ignore[attr-defined]
    after = WorkPackage.objects.get(pk=work.pk)  # type: ignore[attr-defined]
    assert (after.owner_id, after.version, after.title) == (
        before.owner_id,
        before.version,
        before.title,
    )


# --- pages ---------------------------------------------------------------------------------


def all_form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for config in apps.get_app_configs():
        if not config.path.startswith(str(apps.get_app_config("core").path).rsplit("/", 1)[0]):
            continue  # our apps only
        for module_name in ("forms", "webhook_forms"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    found.append(cls)
    return found


def test_no_form_takes_organization_ids_versions_or_timestamps():
    classes = all_form_classes()
    assert len(classes) > 10, "The forms were not found"
    offending = {
        cls.__qualname__: sorted(set(getattr(cls, "base_fields", {})) & set(PROTECTED))
        for cls in classes
        if set(getattr(cls, "base_fields", {})) & set(PROTECTED)
    }
    assert not offending, f"Forms must not take these fields: {offending}"


EDIT_PAGES = [
    ("planning:strategy_edit", "objective_id", "strategic_objective", LEADER, "statement"),
    ("planning:initiative_edit", "initiative_id", "initiative", LEADER, "title"),
    ("planning:work_edit", "work_package_id", "work_package", LEAD, "title"),
    ("planning:work_edit", "work_package_id", "work_package", MEMBER, "title"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "kwarg", "kind", "role", "field"), EDIT_PAGES)
def test_edit_pages_drop_posted_read_only_fields(world, route, kwarg, kind, role, field):
    obj = world.own.objects[kind]
    before = type(obj).objects.get(pk=obj.pk)  # type: ignore[attr-defined]
    client = Client()
    client.force_login(world.own.people[role].user)
    url = reverse(route, kwargs={kwarg: obj.pk})  # type: ignore[attr-defined]
    parser = FormFields()
    parser.feed(client.get(url).content.decode())
    data = {k: v for k, v in parser.data.items() if v}
    data[field] = ["Changed through the page"]
    data.update({k: [str(v)] for k, v in injected(world.other).items()})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    after = type(obj).objects.get(pk=obj.pk)  # type: ignore[attr-defined]
    assert getattr(after, field) == "Changed through the page"
    assert after.organization_id == before.organization_id
    assert after.version == before.version + 1
    assert after.created_at == before.created_at
    assert MARKER not in getattr(after, field)
