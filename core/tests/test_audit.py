"""Audit history (core/audit.py): every door records who, when, what and how; the History tab.

Real PostgreSQL triggers record the events; nothing here mocks the database.
"""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo
from decimal import Decimal
from html import unescape

import pghistory
import pytest
from celery import shared_task
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from core import audit, services
from core.models import ApiToken, Role
from core.tests.factories import MembershipFactory
from okrs import services as okr_services
from okrs.models import CheckIn, Cycle, KeyResult, Objective
from okrs.tests.factories import CycleFactory, KeyResultFactory, ObjectiveFactory
from planning import services as planning_services
from planning.models import Initiative, StrategicObjective, WorkPackage
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)

pytestmark = pytest.mark.django_db

TRACKED = (StrategicObjective, Initiative, WorkPackage, Objective, KeyResult, CheckIn)


def events(model, **filters):
    """The recorded events of a model, oldest first."""
    return list(
        audit.event_model_for(model)
        .objects.filter(**filters)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )


def door_of(event) -> dict:
    return event.pgh_context.metadata if event.pgh_context_id else {}


def api(token: str | None = None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def write_token(leader):
    return services.api_token_issue(
        user=leader.user, organization=leader.organization, name="Jira sync", scope="write"
    )


# --- what is tracked ---------------------------------------------------------------------------


def test_each_tracked_model_records_create_update_and_delete(leader, team):
    for model in TRACKED:
        assert audit.event_model_for(model) is not None
    wp = WorkPackageFactory(organization=leader.organization, team=team, title="First")
    wp.title = "Second"
    wp.save()
    wp.save()  # nothing changed but updated_at: no event
    pk = wp.pk
    wp.delete()
    recorded = events(WorkPackage, pgh_obj_id=pk)
    assert [e.pgh_label for e in recorded] == ["insert", "update", "delete"]
    assert [e.title for e in recorded] == ["First", "Second", "Second"]
    assert {e.organization_id for e in recorded} == {leader.organization_id}


def test_queryset_update_and_bulk_writes_are_recorded(leader, team):
    """Plain model signals miss these; the triggers do not."""
    WorkPackage.objects.bulk_create(
        [WorkPackage(organization=leader.organization, team=team, title=f"W{i}") for i in range(3)]
    )
    WorkPackage.objects.filter(organization=leader.organization).update(estimate=5)
    labels = [e.pgh_label for e in events(WorkPackage)]
    assert labels.count("insert") == 3
    assert labels.count("update") == 3


def test_a_rolled_back_write_leaves_no_history(leader, team):
    @transaction.atomic
    def write_then_fail():
        WorkPackageFactory(organization=leader.organization, team=team, title="Never")
        raise RuntimeError("after the write")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert events(WorkPackage) == []


def test_a_failed_service_write_leaves_no_history(leader, team):
    wp = WorkPackageFactory(organization=leader.organization, team=team)
    before = len(events(WorkPackage))
    with pytest.raises(ValidationError):  # no route from intention to done
        planning_services.work_package_update(
            actor=leader, work_package=wp, status="done", title="Not saved"
        )
    assert len(events(WorkPackage)) == before


def test_a_delete_keeps_the_last_state(leader):
    objective = planning_services.strategic_objective_create(
        actor=leader,
        statement="Win the mid-market",
        horizon_start=datetime.date(2026, 1, 1),
        horizon_end=datetime.date(2027, 1, 1),
        trade_offs=["No enterprise deals"],
    )
    planning_services.strategic_objective_update(
        actor=leader, objective=objective, statement="Win the mid-market in Europe"
    )
    pk = objective.pk
    planning_services.strategic_objective_delete(actor=leader, objective=objective)
    last = events(StrategicObjective, pgh_obj_id=pk)[-1]
    assert last.pgh_label == "delete"
    assert last.statement == "Win the mid-market in Europe"
    assert last.trade_offs == ["No enterprise deals"]

    history = audit.object_history(
        organization_id=leader.organization_id,
        model=StrategicObjective,
        pk=pk,
        title_field="statement",
    )
    assert not history.exists
    assert history.title == "Win the mid-market in Europe"
    deleted, changed, created = history.page.entries
    assert (deleted.action, changed.action, created.action) == ("deleted", "changed", "created")
    statement = {c.name: c for c in deleted.changes}["statement"]
    assert (statement.before, statement.after) == ("Win the mid-market in Europe", "")
    assert [(c.label, c.before, c.after) for c in changed.changes] == [
        ("Statement", "Win the mid-market", "Win the mid-market in Europe")
    ]


# --- doors ---------------------------------------------------------------------------------


def test_page_door_records_the_signed_in_person(client_for, member, team):
    wp = WorkPackageFactory(
        organization=member.organization,
        team=team,
        owner=member.user,
        due_date=datetime.date(2026, 12, 1),
        success_criterion="Signups up",
        success_review_date=datetime.date(2026, 12, 15),
    )
    response = client_for(member).post(
        reverse("planning:work_status", args=[wp.pk]), {"status": "ready"}
    )
    assert response.status_code == 302
    update = events(WorkPackage, pgh_obj_id=wp.pk, pgh_label="update")[-1]
    assert update.status == "ready"
    metadata = door_of(update)
    assert metadata["door"] == "page"
    assert metadata["user"] == str(member.user.pk)
    assert metadata["organization"] == str(member.organization_id)
    assert metadata["url"] == reverse("planning:work_status", args=[wp.pk])


def test_api_door_records_the_token(leader, write_token, team):
    response = api(write_token.raw).post(
        "/api/v1/work-packages/", {"title": "From Jira", "team": str(team.pk)}, format="json"
    )
    assert response.status_code == 201, response.content
    (created,) = events(WorkPackage, pgh_obj_id=response.json()["id"])
    metadata = door_of(created)
    assert metadata["door"] == "api"
    assert metadata["user"] == str(leader.user.pk)
    assert metadata["token"] == str(write_token.token.pk)
    assert metadata["token_name"] == "Jira sync"


def test_api_door_from_a_browser_session_says_session(client_for, leader):
    client_for(leader)
    objective = StrategicObjectiveFactory(organization=leader.organization)
    client = client_for(leader)
    client.defaults["HTTP_ACCEPT"] = "application/json"
    response = client.patch(
        f"/api/v1/strategic-objectives/{objective.pk}/",
        data='{"statement": "Renamed through the API"}',
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    update = events(StrategicObjective, pgh_obj_id=objective.pk, pgh_label="update")[-1]
    assert door_of(update)["door"] == "api"
    assert door_of(update)["token"] == "session"
    assert door_of(update)["user"] == str(leader.user.pk)


def test_bulk_door_records_one_event_per_item_with_before_and_after(leader, write_token, team):
    client = api(write_token.raw)
    items = [
        {"source": "jira", "external_id": f"APP-{i}", "title": f"Task {i}", "team": str(team.pk)}
        for i in range(3)
    ]
    response = client.post("/api/v1/work-packages/bulk/", {"items": items}, format="json")
    assert [r["status"] for r in response.json()["results"]] == ["created"] * 3
    created = events(WorkPackage, pgh_label="insert")
    assert len(created) == 3
    assert {door_of(e)["door"] for e in created} == {"bulk"}
    assert {door_of(e)["token_name"] for e in created} == {"Jira sync"}

    items[0]["title"] = "Task 0, renamed"
    items[1]["estimate"] = 3
    response = client.post("/api/v1/work-packages/bulk/", {"items": items}, format="json")
    assert [r["status"] for r in response.json()["results"]] == ["updated", "updated", "unchanged"]
    updates = events(WorkPackage, pgh_label="update")
    assert len(updates) == 2  # the unchanged item records nothing
    assert {door_of(e)["door"] for e in updates} == {"bulk"}

    renamed = WorkPackage.objects.get(external_id="APP-0")
    history = audit.object_history(
        organization_id=leader.organization_id,
        model=WorkPackage,
        pk=renamed.pk,
        title_field="title",
    )
    latest = history.page.entries[0]
    assert latest.door == "bulk"
    assert latest.via == "Jira sync"
    assert latest.actor == leader.user.display_name
    assert [(c.name, c.before, c.after) for c in latest.changes] == [
        ("title", "Task 0", "Task 0, renamed")
    ]


@shared_task
def _rename_work_package(work_package_id: str, title: str) -> None:
    WorkPackage.objects.filter(pk=work_package_id).update(title=title)


def test_task_door(leader, team):
    wp = WorkPackageFactory(organization=leader.organization, team=team, title="Before")
    _rename_work_package.apply(args=[str(wp.pk), "After"])
    update = events(WorkPackage, pgh_obj_id=wp.pk, pgh_label="update")[-1]
    assert update.title == "After"
    assert door_of(update)["door"] == "task"
    assert door_of(update)["task"].endswith("_rename_work_package")
    # The context ends with the task (a worker's next task starts a context of its own).
    assert not hasattr(pghistory.runtime._tracker, "value")


def test_command_door(transactional_db):
    call_command("seed_demo", "--force", stdout=io.StringIO())
    created = events(WorkPackage, pgh_label="insert")
    assert created
    assert {door_of(e)["door"] for e in created} == {"command"}
    assert {door_of(e)["command"] for e in created} == {"seed_demo"}


def test_write_with_no_door_reads_as_system(leader, team):
    wp = WorkPackageFactory(organization=leader.organization, team=team)
    (entry,) = audit.object_history(
        organization_id=leader.organization_id, model=WorkPackage, pk=wp.pk, title_field="title"
    ).page.entries
    assert (entry.door, entry.actor, entry.action) == ("system", "System", "created")


# --- the read model ----------------------------------------------------------------------------


def test_history_is_read_per_organization(leader, other_org):
    objective = StrategicObjectiveFactory(organization=leader.organization)
    with pytest.raises(StrategicObjective.DoesNotExist):
        audit.object_history(
            organization_id=other_org.pk,
            model=StrategicObjective,
            pk=objective.pk,
            title_field="statement",
        )


def test_changes_name_related_objects_and_choices(leader, team, other_team, make_member):
    someone = make_member(Role.MEMBER, teams=[team], full_name="Dana Doe")
    wp = WorkPackageFactory(organization=leader.organization, team=team, title="Move")
    planning_services.work_package_update(
        actor=leader, work_package=wp, team=other_team, owner=someone.user, category="tactical"
    )
    latest = audit.object_history(
        organization_id=leader.organization_id, model=WorkPackage, pk=wp.pk, title_field="title"
    ).page.entries[0]
    changes = {c.name: (c.label, c.before, c.after) for c in latest.changes}
    assert changes["team"] == ("Team", "Growth", "Platform")
    assert changes["owner"] == ("Owner", "", "Dana Doe")
    assert changes["category"] == ("Category", "Strategic", "Tactical")
    assert "updated_at" not in changes
    assert "version" not in changes


def test_show_more_pages_through_everything_once(leader, team):
    wp = WorkPackageFactory(organization=leader.organization, team=team, title="v0")
    for i in range(1, 8):
        WorkPackage.objects.filter(pk=wp.pk).update(title=f"v{i}")
    seen, cursor = [], None
    while True:
        page = audit.history_page(
            organization_id=leader.organization_id,
            sources=[audit.Source(WorkPackage, {"pgh_obj_id": wp.pk})],
            cursor=cursor,
            limit=3,
        )
        seen += [e.changes[0].after for e in page.entries]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"v{i}" for i in range(7, -1, -1)]


def test_a_bad_cursor_reads_from_the_newest(leader, team):
    wp = WorkPackageFactory(organization=leader.organization, team=team)
    page = audit.history_page(
        organization_id=leader.organization_id,
        sources=[audit.Source(WorkPackage, {"pgh_obj_id": wp.pk})],
        cursor="not-a-cursor",
    )
    assert len(page.entries) == 1


# --- the History tab ---------------------------------------------------------------------------


def _text(response) -> str:
    """The page's words: tags dropped first, then entities decoded."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def okr_setup(leader, team):
    cycle = CycleFactory(organization=leader.organization, status=Cycle.Status.ACTIVE)
    objective = ObjectiveFactory(
        organization=leader.organization,
        cycle=cycle,
        strategic_objective=StrategicObjectiveFactory(organization=leader.organization),
    )
    key_result = KeyResultFactory(
        organization=leader.organization, objective=objective, owner=leader.user
    )
    return objective, key_result


def _objects(leader, team, okr_setup):
    objective, key_result = okr_setup
    strategic = objective.strategic_objective
    initiative = InitiativeFactory(organization=leader.organization, strategic_objective=strategic)
    wp = WorkPackageFactory(organization=leader.organization, team=team)
    return {
        "planning:strategy_history": strategic,
        "planning:initiative_history": initiative,
        "planning:work_history": wp,
        "okrs:objective_history": objective,
        "okrs:key_result_history": key_result,
    }


@pytest.mark.parametrize(
    "name",
    [
        "planning:strategy_history",
        "planning:initiative_history",
        "planning:work_history",
        "okrs:objective_history",
        "okrs:key_result_history",
    ],
)
def test_each_object_has_a_history_tab_and_another_orgs_is_404(
    name, client_for, leader, viewer, team, okr_setup, other_org
):
    obj = _objects(leader, team, okr_setup)[name]
    response = client_for(viewer).get(reverse(name, args=[obj.pk]))
    assert response.status_code == 200
    assert "created it" in _text(response)
    outsider = MembershipFactory(organization=other_org, role=Role.ADMIN)
    assert client_for(outsider).get(reverse(name, args=[obj.pk])).status_code == 404


def test_object_pages_link_to_their_history(client_for, leader, team, okr_setup):
    objects = _objects(leader, team, okr_setup)
    client = client_for(leader)
    for detail, history in [
        ("planning:strategy_detail", "planning:strategy_history"),
        ("planning:initiative_detail", "planning:initiative_history"),
        ("planning:work_detail", "planning:work_history"),
        ("okrs:objective_detail", "okrs:objective_history"),
    ]:
        obj = objects[history]
        assert (
            reverse(history, args=[obj.pk])
            in client.get(reverse(detail, args=[obj.pk])).content.decode()
        )
    key_result = objects["okrs:key_result_history"]
    page = client.get(reverse("okrs:objective_detail", args=[key_result.objective_id]))
    assert reverse("okrs:key_result_history", args=[key_result.pk]) in page.content.decode()


def test_history_page_shows_who_when_door_and_each_change(client_for, leader, team, settings):
    leader.organization.timezone = "Europe/Berlin"
    leader.organization.save()
    wp = WorkPackageFactory(
        organization=leader.organization,
        team=team,
        title="Draft <b>plan</b>",
        owner=leader.user,
        due_date=datetime.date(2026, 12, 1),
        success_criterion="Signups up",
        success_review_date=datetime.date(2026, 12, 15),
    )
    client = client_for(leader)
    posted = client.post(reverse("planning:work_status", args=[wp.pk]), {"status": "ready"})
    assert posted.status_code == 302
    response = client.get(reverse("planning:work_history", args=[wp.pk]))
    html = response.content.decode()
    assert "<b>plan</b>" not in html  # escaped
    text = _text(response)
    assert f"{leader.user.display_name} changed it" in text
    assert "Page" in text
    assert re.search(r"Status Intention Ready", text)
    update = events(WorkPackage, pgh_obj_id=wp.pk, pgh_label="update")[-1]
    local = update.pgh_created_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    assert f"{local:%H:%M} {local.tzname()}" in text  # the organization's time, not UTC


def test_key_result_history_holds_its_check_ins(client_for, leader, okr_setup):
    _, key_result = okr_setup
    client = client_for(leader)
    okr_services.check_in_create(
        actor=leader, key_result=key_result, value="12.5", confidence=7, note="Going well"
    )
    response = client.get(reverse("okrs:key_result_history", args=[key_result.pk]))
    text = _text(response)
    assert "created a check-in" in text
    assert "Going well" in text
    assert "12.5" in text


def _history_queries(django_assert_num_queries, client, url, expected_entries):
    client.get(url)  # warm the session and template caches
    with django_assert_num_queries(QUERIES) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="card history__entry"') == expected_entries
    return captured


# Session, user, membership (middleware); the key result's objective (for the back link) and
# the key result itself; per source (the key result, its check-ins) the page and the events just
# before it; the objectives and people named in the changes; the organization (top bar).
QUERIES = 12


def test_history_page_query_count_is_pinned_at_one_and_many(
    client_for, leader, team, okr_setup, django_assert_num_queries
):
    _, key_result = okr_setup
    client = client_for(leader)
    url = reverse("okrs:key_result_history", args=[key_result.pk])
    _history_queries(django_assert_num_queries, client, url, 1)
    for i in range(30):
        KeyResult.objects.filter(pk=key_result.pk).update(title=f"KR {i}")
        CheckIn.objects.create(
            organization=leader.organization,
            key_result=key_result,
            value=Decimal(i),
            confidence=5,
            author=leader.user,
            checked_in_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )
    _history_queries(django_assert_num_queries, client, url, audit.HISTORY_PAGE_SIZE)


def test_show_more_link_on_the_page(client_for, leader, team):
    wp = WorkPackageFactory(organization=leader.organization, team=team)
    for i in range(audit.HISTORY_PAGE_SIZE + 2):
        WorkPackage.objects.filter(pk=wp.pk).update(title=f"Take {i}")
    client = client_for(leader)
    first = client.get(reverse("planning:work_history", args=[wp.pk])).content.decode()
    more = re.search(r'href="\?before=([^"]+)" rel="next"', first)
    assert more
    second = client.get(
        reverse("planning:work_history", args=[wp.pk]) + "?before=" + unescape(more.group(1))
    )
    assert second.status_code == 200
    assert second.content.decode().count('class="card history__entry"') == 3
    assert 'rel="next"' not in second.content.decode()


def test_deleted_objects_history_stays_readable(client_for, leader, team):
    wp = WorkPackageFactory(organization=leader.organization, team=team, title="Gone soon")
    pk = wp.pk
    planning_services.work_package_delete(actor=leader, work_package=wp)
    response = client_for(leader).get(reverse("planning:work_history", args=[pk]))
    assert response.status_code == 200
    text = _text(response)
    assert "deleted it" in text
    assert "Gone soon" in text


def test_read_tokens_and_models_are_untouched():
    """Tokens are not tracked: their table has no history triggers (only the six models do)."""
    assert ApiToken not in audit.tracked_models()
    assert set(audit.tracked_models()) == set(TRACKED)
