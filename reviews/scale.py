"""Reviews for `manage.py seed_scale`: cadences, held and upcoming sessions, decisions and
learnings (``--review-items`` in all: a fifth sessions, three fifths decisions, a fifth
learnings). Bulk inserts, deterministic for a seed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from core.scale import ScaleContext, insert
from reviews.models import Cadence, Decision, Learning, ReviewSession

TABLES = ["reviews_decision", "reviews_learning", "reviews_reviewsession", "reviews_cadence"]


def clear(organization_id) -> None:
    org = str(organization_id)
    with connection.cursor() as cursor:
        for through in (Learning.work_packages.through, Learning.key_results.through):
            table = through._meta.db_table
            cursor.execute(
                f"DELETE FROM {table} WHERE learning_id IN "  # noqa: S608 - names from the model
                "(SELECT id FROM reviews_learning WHERE organization_id = %s)",
                [org],
            )
        table = Cadence.participants.through._meta.db_table
        cursor.execute(
            f"DELETE FROM {table} WHERE cadence_id IN "  # noqa: S608 - names from the model
            "(SELECT id FROM reviews_cadence WHERE organization_id = %s)",
            [org],
        )
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [org])  # noqa: S608 - fixed names


def seed(context: ScaleContext) -> None:
    rng, sizes, org = context.rng, context.sizes, context.organization
    today = timezone.localdate()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    teams, users = context.teams, context.users
    total = sizes["review_items"]
    if not total:
        context.objects.update(review_sessions=[], decisions=[], learnings=[])
        return
    year_start = today.replace(month=1, day=1)

    cadences = [
        Cadence(
            id=context.uuid(),
            organization=org,
            team=team,
            name=f"{team.name} weekly delivery review",
            kind="weekly_delivery",
            frequency="weekly",
            weekday=i % 5,
            time_of_day=time(10),
            duration_minutes=45,
            starts_on=year_start,
        )
        for i, team in enumerate(teams)
    ]
    cadences.append(
        Cadence(
            id=context.uuid(),
            organization=org,
            team=None,
            name="Monthly performance review",
            kind="monthly_performance",
            frequency="monthly",
            day_of_month=5,
            time_of_day=time(14),
            duration_minutes=90,
            starts_on=year_start,
        )
    )
    insert(cadences)

    # Sessions: each team's weekly review going back from this week (the newest one upcoming).
    sessions: list[ReviewSession] = []
    for n in range(max(1, total // 5)):
        cadence = cadences[n % len(teams)]
        weeks_back = n // len(teams) - 1  # -1: next week's, still scheduled
        day = today - timedelta(days=today.weekday() - (cadence.weekday or 0) + 7 * weeks_back)
        at = datetime.combine(day, cadence.time_of_day, tz)
        held = at < now
        sessions.append(
            ReviewSession(
                id=context.uuid(),
                organization=org,
                cadence=cadence,
                scheduled_at=at,
                status="held" if held else "scheduled",
                notes="Walked the board; two decisions." if held else "",
                held_at=at + timedelta(minutes=45) if held else None,
                closed_by=rng.choice(users) if held else None,
                created_at=at - timedelta(days=7),
                updated_at=at + timedelta(minutes=45) if held else at - timedelta(days=7),
            )
        )
    insert(sessions)
    held_sessions = [s for s in sessions if s.status == "held"] or sessions

    packages = context.objects.get("work_packages") or []
    initiatives = context.objects.get("initiatives") or []
    strategic = context.objects.get("strategic_objectives") or []
    decisions = []
    for i in range(total * 3 // 5):
        session = held_sessions[i % len(held_sessions)]
        subject = "work_package" if i % 5 or not initiatives else "initiative"
        wp = packages[(i * 7) % len(packages)] if packages and subject == "work_package" else None
        if subject == "work_package" and wp is None:
            subject = "capacity"
        initiative = initiatives[i % len(initiatives)] if subject == "initiative" else None
        done = i % 3 == 0
        decisions.append(
            Decision(
                id=context.uuid(),
                organization=org,
                session=session,
                subject=subject,
                verdict=rng.choice(["continue", "continue", "revise", "stop"]) if wp else "",
                work_package=wp,
                initiative=initiative,
                team=session.cadence.team,
                subject_title=(wp.title if wp else initiative.title if initiative else "Capacity"),
                summary="Narrow the scope to the first segment.",
                reason="The numbers from the last two weeks say so.",
                owner=rng.choice(users),
                status="done" if done else "open",
                done_at=session.held_at if done else None,
                recorded_by=session.closed_by,
                created_at=session.held_at or session.scheduled_at,
                updated_at=session.held_at or session.scheduled_at,
            )
        )
    insert(decisions)

    learnings = [
        Learning(
            id=context.uuid(),
            organization=org,
            session=held_sessions[i % len(held_sessions)],
            strategic_objective=strategic[i % len(strategic)] if strategic else None,
            statement=f"Learning {i:05d}: the segment responds to onboarding, not price.",
            evidence="Activation went from 31 % to 38 % after the change.",
            recorded_by=rng.choice(users),
            created_at=held_sessions[i % len(held_sessions)].held_at or now,
            updated_at=held_sessions[i % len(held_sessions)].held_at or now,
        )
        for i in range(total - len(sessions) - len(decisions))
    ]
    insert(learnings)
    Through = Learning.work_packages.through
    insert(
        [
            Through(learning_id=learning.pk, workpackage_id=packages[(i * 13) % len(packages)].pk)
            for i, learning in enumerate(learnings)
            if packages
        ]
    )
    context.objects.update(review_sessions=sessions, decisions=decisions, learnings=learnings)
