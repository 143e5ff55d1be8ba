"""Fixtures of the cadence tests: a strategy with work, a weekly review, and e-mail sending that
runs the real task in the test process instead of a worker."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)
from reviews import schedule, services


@pytest.fixture
def objective(org, leader):
    return StrategicObjectiveFactory(
        organization=org, owner=leader.user, statement="Clinics book without calling us"
    )


@pytest.fixture
def initiative(objective, team):
    initiative = InitiativeFactory(strategic_objective=objective, title="Self-service booking")
    initiative.teams.set([team])
    return initiative


@pytest.fixture
def work_package(initiative, team, member):
    """Work in progress, owned by the member, due last week, its success check due yesterday."""
    today = timezone.localdate()
    return WorkPackageFactory(
        team=team,
        initiative=initiative,
        owner=member.user,
        ready=True,
        status="in_progress",
        title="Reschedule link in e-mails",
        due_date=today - datetime.timedelta(days=7),
        success_review_date=today - datetime.timedelta(days=1),
    )


@pytest.fixture
def cadence(leader, team_lead, member):
    """A weekly organization review on Mondays at 10:00, started a month ago."""
    return services.cadence_create(
        actor=leader,
        name="Weekly delivery review",
        kind="weekly_delivery",
        team=None,
        frequency=schedule.WEEKLY,
        weekday=0,
        time_of_day=datetime.time(10, 0),
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        reminder_lead_hours=24,
        participants=[leader, team_lead, member],
    )


@pytest.fixture
def session(cadence):
    """The review's next session (prepared when the cadence was made)."""
    return cadence.sessions.get()


@pytest.fixture
def send_emails_now(monkeypatch):
    """Queued reminder e-mails run at once, in this process (the task itself, eagerly)."""
    from reviews import tasks

    sent_batches: list[list[str]] = []

    def apply_async(args, **options):
        sent_batches.append(list(args[0]))
        return tasks.send_reminder_emails.apply(args=args)

    monkeypatch.setattr(tasks.send_reminder_emails, "apply_async", apply_async)
    return sent_batches


@pytest.fixture
def queued(monkeypatch):
    """Queued reminder e-mails are only recorded (nothing is sent)."""
    from reviews import tasks

    batches: list[list[str]] = []
    monkeypatch.setattr(
        tasks.send_reminder_emails,
        "apply_async",
        lambda args, **options: batches.append(list(args[0])),
    )
    return batches
