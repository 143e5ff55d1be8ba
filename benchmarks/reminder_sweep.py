"""Benchmark: the reminder sweeps over one large organization, in seconds and queries.

    .venv/bin/python benchmarks/reminder_sweep.py [--people 10000] [--work-packages 100000]

Builds (once; later runs reuse it) an organization with that many people and work packages in a
database of its own (``THROUGHLINE_BENCH_DB``, default ``bench_reviews``, on the same server as
the tests: DATABASE_URL or the embedded PostgreSQL), plus a weekly review everyone takes part
in and a cycle of key results. Then runs every sweep twice: cold (everything due is claimed,
notified and queued) and again (everything is claimed already, nothing goes out). E-mail tasks
are published to an in-memory broker, so nothing reaches a real worker.

A sweep must not run queries per row: the query counts below stay the same at any size.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault(
    "THROUGHLINE_TEST_DB", os.environ.get("THROUGHLINE_BENCH_DB", "bench_reviews")
)

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from config.celery_app import app as celery_app  # noqa: E402

SLUG = "bench-reviews"
TZ = "Europe/Berlin"
TEAMS = 100
KEY_RESULTS = 2000


def _database() -> None:
    """The benchmark's own database, created and migrated when missing."""
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)


def _build(people: int, work_packages: int) -> None:
    from core.models import Membership, Organization, Role, Team, User
    from okrs.models import Cycle, KeyResult, Objective
    from planning.models import Initiative, StrategicObjective, WorkPackage
    from reviews.models import Cadence

    existing = Organization.objects.filter(slug=SLUG).first()
    if existing is not None:
        if (
            Membership.objects.filter(organization=existing).count() == people
            and WorkPackage.objects.filter(organization=existing).count() == work_packages
        ):
            print(
                f"Reusing the organization with {people} people and {work_packages} work packages."
            )
            return
        print("Rebuilding the benchmark organization…")
        with connection.cursor() as cursor:  # faster than the ORM's cascade for 100 000 rows
            for table in (
                "reviews_notification",
                "reviews_sentreminder",
                "reviews_notificationoptout",
            ):
                cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [existing.pk])  # noqa: S608
        existing.delete()
        User.objects.filter(email__endswith="@bench.example").delete()

    started = time.perf_counter()
    today = timezone.localdate()
    with transaction.atomic():
        org = Organization.objects.create(name="Bench", slug=SLUG, timezone=TZ)
        teams = Team.objects.bulk_create(
            [Team(organization=org, name=f"Team {i:03d}") for i in range(TEAMS)]
        )
        users = User.objects.bulk_create(
            [
                User(
                    email=f"person{i:05d}@bench.example",
                    full_name=f"Person {i:05d}",
                    password="!",  # noqa: S106 - an unusable password, nobody signs in
                )
                for i in range(people)
            ],
            batch_size=5000,
        )
        roles = [
            Role.LEADER if i < 10 else Role.TEAM_LEAD if i < 10 + TEAMS else Role.MEMBER
            for i in range(people)
        ]
        memberships = Membership.objects.bulk_create(
            [
                Membership(user=u, organization=org, role=r)
                for u, r in zip(users, roles, strict=True)
            ],
            batch_size=5000,
        )
        Membership.teams.through.objects.bulk_create(
            [
                Membership.teams.through(membership_id=m.pk, team_id=teams[i % TEAMS].pk)
                for i, m in enumerate(memberships)
            ],
            batch_size=5000,
        )
        objective = StrategicObjective.objects.create(
            organization=org,
            statement="Win the market",
            horizon_start=today - datetime.timedelta(days=90),
            horizon_end=today + datetime.timedelta(days=700),
            status="active",
        )
        initiative = Initiative.objects.create(
            organization=org, strategic_objective=objective, title="The big push", status="active"
        )
        rows = []
        for i in range(work_packages):
            kind = i % 10
            owner = users[i % people]
            team = teams[i % TEAMS]
            base = {
                "organization": org,
                "team": team,
                "title": f"Work package {i:06d}",
                "initiative": initiative if i % 3 else None,
                "estimate": 1 + i % 8,
            }
            if kind < 3:  # intentions, some without an owner
                rows.append(WorkPackage(**base, owner=owner if kind else None, status="intention"))
            else:
                # Due dates spread over three weeks around today: some overdue, some checks due.
                offset = (i % 21) - 10
                rows.append(
                    WorkPackage(
                        **base,
                        owner=owner,
                        status="in_progress" if kind < 7 else "ready" if kind < 9 else "done",
                        due_date=today + datetime.timedelta(days=offset),
                        success_criterion="It moves the number",
                        success_review_date=today + datetime.timedelta(days=offset + 3),
                    )
                )
        WorkPackage.objects.bulk_create(rows, batch_size=5000)
        WorkPackage.objects.filter(organization=org, status="intention").update(
            created_at=timezone.now() - datetime.timedelta(days=10)
        )
        cadence = Cadence.objects.create(
            organization=org,
            name="All-hands delivery review",
            kind="weekly_delivery",
            frequency="weekly",
            weekday=0,
            time_of_day=datetime.time(10, 0),
            starts_on=today - datetime.timedelta(days=60),
            reminder_lead_hours=24 * 6,
        )
        cadence.participants.set(memberships)
        cycle = Cycle.objects.create(
            organization=org,
            name="This quarter",
            start_date=today - datetime.timedelta(days=40),
            end_date=today + datetime.timedelta(days=50),
            status="active",
        )
        okr = Objective.objects.create(
            organization=org,
            cycle=cycle,
            statement="Customers renew",
            strategic_objective=objective,
        )
        KeyResult.objects.bulk_create(
            [
                KeyResult(
                    organization=org,
                    objective=okr,
                    title=f"Key result {i}",
                    start_value=0,
                    target_value=100,
                    owner=users[(i * 7) % people],
                )
                for i in range(KEY_RESULTS)
            ],
            batch_size=5000,
        )
        KeyResult.objects.filter(organization=org).update(
            created_at=timezone.now() - datetime.timedelta(days=20)
        )
    print(f"Built the organization in {time.perf_counter() - started:.1f} s.")


def _reset_reminders() -> None:
    from core.models import Organization

    org = Organization.objects.get(slug=SLUG)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reviews_notification WHERE organization_id = %s", [org.pk])
        cursor.execute("DELETE FROM reviews_sentreminder WHERE organization_id = %s", [org.pk])
    # The upcoming sweep prepares sessions; keep the one it makes so both runs see the same.


def _measure(fn, now) -> dict:
    published: list[int] = []
    from reviews import services

    real_queue = services._queue_emails

    def queue(batches):
        published.append(len(batches))
        real_queue(batches)

    services._queue_emails = queue
    try:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = fn(now=now)  # commits; the e-mail batches are published on commit
            seconds = time.perf_counter() - started
    finally:
        services._queue_emails = real_queue
    statements = [q["sql"] for q in queries.captured_queries]
    return {
        "seconds": round(seconds, 3),
        "queries": sum(1 for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))),
        "due": result.due,
        "claimed": result.claimed,
        "notifications": result.notifications,
        "emails": result.emails_queued,
        "batches": sum(published),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--work-packages", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object per sweep")
    args = parser.parse_args()

    # E-mail tasks go to an in-memory broker: measured, but never sent to a real worker.
    celery_app.conf.broker_url = "memory://localhost/"
    celery_app.conf.broker_transport_options = {}
    _database()
    _build(args.people, args.work_packages)

    from reviews import services

    # A Monday, 09:00 in the organization's time zone: every kind is due, the digest too.
    zone = zoneinfo.ZoneInfo(TZ)
    today = datetime.datetime.now(zone).date()
    monday = today - datetime.timedelta(days=today.weekday())
    now = datetime.datetime.combine(monday, datetime.time(9), tzinfo=zone)
    # The reviews: the next one must be within its lead time, so count from just before it.
    review_now = now - datetime.timedelta(days=1)

    sweeps = [
        ("review_upcoming", services.sweep_review_upcoming, review_now),
        ("work_package_overdue", services.sweep_work_package_overdue, now),
        ("success_check_due", services.sweep_success_check_due, now),
        ("intention_not_ready", services.sweep_intention_not_ready, now),
        ("check_in_due", services.sweep_check_in_due, now),
        ("weekly_digest", services.sweep_weekly_digest, now),
    ]
    _reset_reminders()
    pg_major = connection.pg_version // 10000  # type: ignore[attr-defined]
    print(
        f"\nReminder sweeps over {args.people:,} people and {args.work_packages:,} work packages "
        f"(PostgreSQL {pg_major}, database {connection.settings_dict['NAME']})\n"
    )
    header = f"{'sweep':<22}{'due':>8}{'claimed':>9}{'e-mails':>9}{'batches':>9}{'seconds':>9}{'queries':>9}   {'again: s':>9}{'queries':>8}{'claimed':>8}"
    print(header)
    print("-" * len(header))
    total = 0.0
    for name, fn, at in sweeps:
        first = _measure(fn, at)
        again = _measure(fn, at)
        total += first["seconds"]
        if args.json:
            print(json.dumps({"sweep": name, "first": first, "again": again}))
            continue
        print(
            f"{name:<22}{first['due']:>8,}{first['claimed']:>9,}{first['emails']:>9,}"
            f"{first['batches']:>9,}{first['seconds']:>9.2f}{first['queries']:>9}   "
            f"{again['seconds']:>9.2f}{again['queries']:>8}{again['claimed']:>8}"
        )
    print(f"\nAll six sweeps, cold: {total:.2f} s. Queries do not depend on the number of rows.")
    _reset_reminders()
    return 0


if __name__ == "__main__":
    sys.exit(main())
