"""Every list filter and cursor page of the hot endpoints is served by an index.

Seeds a mid-size organization with `seed_scale` (a few seconds), fills its change log, runs
ANALYZE, then requests each list (work packages with every filter, the changes feed, the OKR
lists) through the API, captures the SQL it ran and EXPLAINs each statement: a sequential scan
over work packages or change-log rows fails the test. `benchmarks/query_plans.py` runs the same
check over the full-size data.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import Membership, Organization
from planning.models import WorkPackage

WATCHED = {"planning_workpackage", "core_changelogentry"}

SIZES = {
    "--teams": 40,
    "--people": 200,
    "--strategic-objectives": 10,
    "--initiatives": 40,
    "--work-packages": 30_000,
    "--objectives": 400,
    "--key-results": 1600,
    "--check-ins": 4000,
    "--sprints": 80,
    "--review-items": 200,
}


def seq_scans(plan: dict) -> list[str]:
    """The watched tables a plan reads whole."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in WATCHED:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += seq_scans(child)
    return found


def explain(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (document,) = cursor.fetchone()
    return document[0]["Plan"]


def list_urls(team_id, owner_id, initiative_id) -> list[str]:
    base = "/api/v1/work-packages/?page_size=100"
    return [
        base,
        f"{base}&team={team_id}",
        f"{base}&status=in_progress",
        f"{base}&team={team_id}&status=ready",
        f"{base}&owner={owner_id}",
        f"{base}&initiative={initiative_id}",
        f"{base}&category=tactical",
        f"{base}&linked=false",
        f"{base}&source=scale",
        f"{base}&updated_since=2100-01-01T00:00:00Z",
        "/api/v1/changes/?since=0&limit=1000",
        "/api/v1/changes/?since=15000&limit=1000",
        "/api/v1/changes/head/",
        "/api/v1/objectives/?page_size=100",
        "/api/v1/key-results/?page_size=100",
        "/api/v1/check-ins/?page_size=100",
    ]


@pytest.fixture
def scale_org(db):
    """Seeded inside the test's transaction; ANALYZE there sees the rows as well."""
    args = [str(x) for pair in SIZES.items() for x in pair]
    call_command("seed_scale", *args, "--slug", "plans", stdout=io.StringIO())
    org = Organization.objects.get(slug="plans")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO core_changelogentry
                (organization_id, object_type, object_id, op, version, data, at, event_id)
            SELECT %s, 'work_package', gen_random_uuid(), 'updated', 1, '{}'::jsonb, now(),
                   gen_random_uuid()
            FROM generate_series(1, 30000)
            """,
            [org.pk],
        )
        cursor.execute("ANALYZE")
    return org


def test_hot_lists_and_feed_use_indexes_not_sequential_scans(scale_org):
    admin = Membership.objects.select_related("user").get(
        organization=scale_org, user__email="person00000@plans.example"
    )
    client = Client()
    client.force_login(admin.user)
    wp = WorkPackage.objects.filter(organization=scale_org).exclude(initiative=None).first()
    urls = list_urls(wp.team_id, wp.owner_id or admin.user_id, wp.initiative_id)
    offenders: dict[str, list[str]] = {}
    explained = 0
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            if not any(table in sql for table in WATCHED):
                continue
            explained += 1
            scans = seq_scans(explain(sql))
            if scans:
                offenders.setdefault(url, []).append(f"{scans}: {sql[:200]}")
    assert explained >= len(urls) - 3  # the OKR lists read other tables
    assert not offenders, offenders


def test_the_checker_sees_a_sequential_scan(db):
    """The check itself can fail: a query no index serves is caught."""
    plan = explain("SELECT * FROM planning_workpackage WHERE description LIKE '%x%'")
    assert seq_scans(plan) == ["planning_workpackage"]
