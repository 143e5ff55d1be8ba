"""The strategy map's read model (okrs.models.InitiativeWork) stays equal to the work packages,
whatever the door they are written through: services, the bulk API, QuerySet.update, raw SQL,
deletes, moves between teams and initiatives, and the seeds. And the map's counts read from it
equal counting the work packages, on every day of the week (overdue moves with today)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Organization
from okrs import dashboards
from okrs.models import InitiativeWork
from planning import services
from planning.models import WorkPackage
from planning.tests.factories import InitiativeFactory, WorkPackageFactory

pytestmark = pytest.mark.django_db
COUNTS = ["total", "intention", "ready", "in_progress", "done", "stopped", "points"]
DAYS = ["due_mon", "due_tue", "due_wed", "due_thu", "due_fri", "due_sat", "due_sun"]


def _expected(org) -> dict:
    """InitiativeWork as it should be, computed in Python from the organization's work."""
    rows: dict = {}
    for wp in WorkPackage.objects.filter(organization=org):
        due = wp.due_date if wp.status in dashboards.COMMITTED else None
        week = due - timedelta(days=due.weekday()) if due is not None else None
        row = rows.setdefault((wp.team_id, wp.initiative_id, week), dict.fromkeys(COUNTS + DAYS, 0))
        row["total"] += 1
        row[wp.status] += 1
        row["points"] += wp.estimate or 0
        if due is not None:
            row[DAYS[due.weekday()]] += 1
    return rows


def _stored(org) -> dict:
    stored = {}
    for row in InitiativeWork.objects.filter(organization=org).values(
        "team_id", "initiative_id", "due_week", *COUNTS, *DAYS
    ):
        key = (row.pop("team_id"), row.pop("initiative_id"), row.pop("due_week"))
        assert key not in stored
        stored[key] = row
    return stored


def _check(org) -> None:
    stored = _stored(org)
    assert stored == _expected(org)
    assert all(row["total"] > 0 for row in stored.values())  # emptied rows are deleted


def test_the_read_model_follows_every_door(api, leader, org, team, other_team, member):
    today = timezone.localdate()
    initiative = InitiativeFactory(strategic_objective__organization=org, organization=org)
    other_initiative = InitiativeFactory(strategic_objective__organization=org, organization=org)
    ready = {
        "owner": member.user,
        "due_date": today + timedelta(days=3),
        "success_criterion": "Bookings grow",
        "success_review_date": today + timedelta(days=40),
    }
    # Services: created, started, moved in time, re-estimated, relinked, moved team, deleted.
    wp = services.work_package_create(
        actor=leader, title="Checkout", team=team, status="ready", estimate=3, **ready
    )
    other = services.work_package_create(
        actor=leader, title="Search", team=team, status="ready", initiative=initiative, **ready
    )
    services.work_package_create(actor=leader, title="An intention", team=team, estimate=2)
    _check(org)
    services.work_package_update(actor=leader, work_package=wp, status="in_progress")
    services.work_package_update(
        actor=leader, work_package=other, due_date=today - timedelta(days=9)
    )
    _check(org)
    services.work_package_update(
        actor=leader, work_package=wp, estimate=8, initiative=initiative, team=other_team
    )
    _check(org)
    services.work_package_update(actor=leader, work_package=wp, status="done")
    services.work_package_update(actor=leader, work_package=other, initiative=other_initiative)
    _check(org)
    services.work_package_update(
        actor=leader, work_package=wp, status="in_progress", reopen_reason="Not done after all"
    )
    _check(org)
    # Direct writes: QuerySet.update, factories, raw SQL.
    WorkPackage.objects.filter(pk=other.pk).update(due_date=today + timedelta(days=20))
    WorkPackage.objects.filter(organization=org).update(initiative=initiative)
    WorkPackageFactory(team=team, estimate=None)
    WorkPackageFactory(team=other_team, initiative=other_initiative, estimate=5, status="stopped")
    _check(org)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE planning_workpackage SET team_id = %s, estimate = 13 WHERE id = %s",
            [team.pk, wp.pk],
        )
        cursor.execute(
            "UPDATE planning_workpackage SET title = 'Renamed only' WHERE id = %s", [other.pk]
        )
    _check(org)
    # The bulk door: one insert, one update, many rows at once.
    client = api(leader)
    items = [
        {
            "source": "jira",
            "external_id": f"B{i}",
            "title": f"Synced {i}",
            "team": str(team.pk if i % 2 else other_team.pk),
            "initiative": str(initiative.pk) if i % 3 else None,
            "estimate": i,
            "status": "in_progress",
            "owner": str(member.user.pk),
            "due_date": (today + timedelta(days=i - 3)).isoformat(),
            "success_criterion": "It ships",
            "success_review_date": (today + timedelta(days=40)).isoformat(),
        }
        for i in range(7)
    ]
    response = client.post("/api/v1/work-packages/bulk/", {"items": items}, format="json")
    assert response.status_code == 200, response.content
    assert {r["status"] for r in response.json()["results"]} == {"created"}
    _check(org)
    for entry in items:
        entry.update(status="done", estimate=entry["estimate"] + 1)
    response = client.post("/api/v1/work-packages/bulk/", {"items": items}, format="json")
    assert {r["status"] for r in response.json()["results"]} == {"updated"}
    _check(org)
    # Deletes: through the service, a queryset, and everything (no row left behind).
    services.work_package_delete(actor=leader, work_package=other)
    WorkPackage.objects.filter(source="jira", external_id="B1").delete()
    _check(org)
    WorkPackage.objects.filter(organization=org).delete()
    assert not InitiativeWork.objects.filter(organization=org).exists()


def test_the_rebuild_recounts_an_organization(org, team, other_org, member):
    WorkPackageFactory(team=team, estimate=3)
    WorkPackageFactory(team=team, ready=True, status="in_progress", owner=member.user, estimate=2)
    theirs = InitiativeWork.objects.filter(organization=other_org).count()
    InitiativeWork.objects.filter(organization=org).update(total=99, done=42)
    with connection.cursor() as cursor:
        cursor.execute("SELECT okrs_initiative_work_rebuild(%s)", [org.pk])
    _check(org)
    assert InitiativeWork.objects.filter(organization=other_org).count() == theirs


def test_seed_scale_fills_it(db):
    call_command(
        "seed_scale",
        *("--teams", "4", "--people", "12", "--strategic-objectives", "3"),
        *("--initiatives", "6", "--work-packages", "400", "--objectives", "12"),
        *("--key-results", "24", "--check-ins", "30"),
        *("--slug", "iw"),
        stdout=io.StringIO(),
    )
    org = Organization.objects.get(slug="iw")
    assert WorkPackage.objects.filter(organization=org).count() == 400
    _check(org)


def _counted(org, team, today: date, initiatives=None) -> dict:
    """The map's counts by initiative, by counting the work packages (what the map did before
    its read model)."""
    work = WorkPackage.objects.filter(organization=org)
    if team is not None:
        work = work.filter(team=team)
    if initiatives is not None:
        work = work.filter(initiative__in=initiatives)
    counts = {}
    for row in (
        work.order_by()
        .values("initiative_id")
        .annotate(
            total=Count("pk"),
            **{s: Count("pk", filter=Q(status=s)) for s in WorkPackage.Status.values},
            points=Coalesce(Sum("estimate"), Value(0), output_field=IntegerField()),
            overdue=Count("pk", filter=Q(status__in=dashboards.COMMITTED, due_date__lt=today)),
        )
    ):
        fields: dict = dict(row)
        initiative_id = fields.pop("initiative_id")
        counts[initiative_id] = dashboards.WorkCounts(**fields)
    return counts


def test_the_maps_counts_equal_counting_the_work_on_every_day(org, team, other_team, member):
    monday = date(2026, 3, 2)
    initiative = InitiativeFactory(strategic_objective__organization=org, organization=org)
    statuses = ["ready", "in_progress", "done", "stopped", "intention"]
    for i in range(40):
        status = statuses[i % 5]
        WorkPackageFactory(
            team=team if i % 3 else other_team,
            initiative=initiative if i % 2 else None,
            ready=status != "intention",
            owner=member.user if status != "intention" else None,
            status=status,
            estimate=None if i % 7 == 0 else i % 8,
            due_date=monday + timedelta(days=i - 15) if status != "intention" else None,
        )
    for day in range(-8, 16):
        today = monday + timedelta(days=day)
        for t in (None, team):
            for initiatives in (None, [initiative.pk]):
                counted = _counted(org, t, today, initiatives)
                assert dashboards._work_counts(org.pk, t, today, initiatives) == counted
    assert any(c.overdue for c in _counted(org, None, monday + timedelta(days=3)).values())
