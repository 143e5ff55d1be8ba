"""End to end, with a real worker process on the real Redis: beat ticks, the sweep claims the
reminders, the worker sends them, and each participant gets exactly one e-mail however many
times beat fires."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import Organization, Role
from core.tests.factories import MembershipFactory, UserFactory
from reviews import schedule, services
from reviews.models import SentReminder

pytestmark = pytest.mark.django_db(transaction=True)
BASE_DIR = Path(settings.BASE_DIR)
DEADLINE_SECONDS = 60


def _messages(folder: Path) -> list[str]:
    """The e-mails the file backend wrote (one file per connection, messages split by dashes)."""
    found = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if "Subject: " in chunk:
                found.append(chunk)
    return found


@pytest.fixture
def worker(tmp_path):
    """A Celery worker with embedded beat, on the test database and a queue of its own."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reviews.tests.worker_settings",
        "THROUGHLINE_WORKER_DB": connection.settings_dict["NAME"],
        "THROUGHLINE_WORKER_QUEUE": f"e2e-{uuid.uuid4().hex[:12]}",
        "THROUGHLINE_WORKER_MAIL_DIR": str(mail_dir),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-B",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its pool and beat children stop with it
    )
    try:
        yield mail_dir, tmp_path / "worker.log"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


def test_beat_ticks_the_sweep_and_the_worker_sends_each_reminder_once(worker):
    mail_dir, log_path = worker
    organization = Organization.objects.create(name="E2E", slug="e2e", timezone="UTC")
    people = [
        MembershipFactory(organization=organization, role=role, user=UserFactory())
        for role in (Role.LEADER, Role.MEMBER)
    ]
    # A weekly review two hours from now, with a day's lead time: its reminder is due.
    start = timezone.now() + datetime.timedelta(hours=2)
    cadence = services.cadence_create(
        actor=people[0],
        name="Weekly delivery review",
        kind="weekly_delivery",
        team=None,
        frequency=schedule.WEEKLY,
        weekday=start.weekday(),
        time_of_day=datetime.time(start.hour, start.minute),
        starts_on=start.date() - datetime.timedelta(days=7),
        reminder_lead_hours=24,
        participants=people,
    )
    expected = sorted(p.user.email for p in people)

    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if (
            len(_messages(mail_dir)) >= len(expected)
            and not SentReminder.objects.exclude(email_state="sent").exists()
        ):
            break
        time.sleep(0.5)
    else:
        pytest.fail("No e-mail within the deadline. Worker log:\n" + log_path.read_text()[-4000:])
    # Beat keeps ticking every second: give it a few more ticks, nothing more goes out.
    time.sleep(4)
    messages = _messages(mail_dir)
    recipients = sorted(
        line.split(": ", 1)[1].strip()
        for m in messages
        for line in m.splitlines()
        if line.startswith("To: ")
    )
    assert recipients == expected
    assert all("Subject: Weekly delivery review: " in m for m in messages)
    reminders = list(SentReminder.objects.all())
    assert len(reminders) == 2
    assert {r.email_state for r in reminders} == {"sent"}
    assert {r.target_id for r in reminders} == {cadence.sessions.get().pk}
    assert "e2e-review-upcoming" in log_path.read_text()
