"""Concurrency over real transactions: two API clients in two threads, each on its own database
connection, made to collide on purpose.

A third connection holds the lock the two requests need (the work package's row; the
organization's change-log lock), waits until PostgreSQL shows both requests blocked on it, and
lets go: the collision happens every run, not by luck of timing.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from core import changelog
from core import services as core_services
from core.models import Role
from core.tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory
from planning.models import WorkPackage
from planning.tests.factories import WorkPackageFactory

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_SECONDS = 120  # generous: CI machines are shared


@pytest.fixture
def lead_token():
    org = OrganizationFactory(name="Race Co", slug="race-co")
    team = TeamFactory(organization=org, name="Racers")
    lead = MembershipFactory(
        organization=org, role=Role.TEAM_LEAD, user=UserFactory(), teams=[team]
    )
    raw = core_services.api_token_issue(
        user=lead.user, organization=org, name="race", scope="write"
    ).raw
    return org, team, raw


def _blocked_requests() -> int:
    """Backends waiting, directly or behind another waiter, for a lock this connection holds
    (the second request on a row queues behind the first one's tuple lock, not behind ours)."""
    with connection.cursor() as cursor:
        # Activity statistics are a snapshot held for the whole transaction: take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """
            WITH RECURSIVE waiting(pid) AS (
                SELECT pid FROM pg_stat_activity
                WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))
                UNION
                SELECT a.pid FROM pg_stat_activity a JOIN waiting w
                    ON w.pid = ANY(pg_blocking_pids(a.pid))
            )
            SELECT count(*) FROM waiting
            """
        )
        return cursor.fetchone()[0]


def _race(requests: list, hold_lock) -> list:
    """Send the requests from threads at once while ``hold_lock()`` (run inside a transaction
    of this thread) blocks them; release once all are waiting. Returns the responses."""
    for send in requests:  # warm up (imports, URL conf) outside the race, and roll back
        with transaction.atomic():
            send(Client())
            transaction.set_rollback(True)
    responses: list = [None] * len(requests)
    errors: list[BaseException] = []

    def run(i: int, send) -> None:
        try:
            responses[i] = send(Client())
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        hold_lock()
        threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(requests)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while _blocked_requests() < len(requests):
            assert time.monotonic() < deadline, "The requests never queued on the lock"
            assert all(t.is_alive() for t in threads), "A request finished without waiting"
            time.sleep(0.05)
    # The transaction ended: the lock is released and the requests race for it.
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert not errors, errors
    return responses


def test_two_updates_with_the_same_if_match_one_wins_one_gets_412(lead_token):
    _, team, token = lead_token
    work = WorkPackageFactory(team=team, title="Contested")
    assert work.version == 1

    def patch(title):
        return lambda client: client.patch(
            f"/api/v1/work-packages/{work.pk}/",
            json.dumps({"title": title}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IF_MATCH='"1"',
        )

    def lock_row():
        list(WorkPackage.objects.select_for_update().filter(pk=work.pk))

    responses = _race([patch("First"), patch("Second")], lock_row)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412], [r.content for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 412).json()
    work.refresh_from_db()
    assert work.version == 2
    assert work.title == winner["title"]
    # The 412 carries the current object: the winner's write, not the loser's.
    assert loser["version"] == 2
    assert loser["title"] == winner["title"]


def test_two_upserts_of_the_same_external_id_at_once_make_one_row(lead_token):
    org, team, token = lead_token

    def upsert(title):
        return lambda client: client.put(
            "/api/v1/work-packages/external/jira/RACE-1/",
            json.dumps({"title": title, "team": str(team.pk)}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    def lock_change_log():
        # Each writer takes this lock after its insert and holds it to commit: the first
        # request's row stays uncommitted, and the second's insert of the same key waits on it.
        changelog._lock_organization(org.pk)

    responses = _race([upsert("From Jira"), upsert("From Jira, again")], lock_change_log)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 201], [r.content for r in responses]
    rows = WorkPackage.objects.filter(organization=org, source="jira", external_id="RACE-1")
    assert rows.count() == 1
    row = rows.get()
    assert row.version == 2  # created, then updated by the second request's title
    assert row.title in {"From Jira", "From Jira, again"}
