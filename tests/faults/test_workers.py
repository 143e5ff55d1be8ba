"""Workers that die and beats that double, with real Celery processes on the real Redis (each
test on a queue of its own, so no other worker takes its tasks).

- A worker killed with SIGKILL in the middle of sending reminder e-mails: the task goes back to
  the queue (acks late, rejected on worker loss) and runs again, and nobody gets an e-mail twice.
- Two beat processes at once (two workers, each with its own beat): each reminder goes out once.
"""

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
DEADLINE_SECONDS = 120  # generous: CI machines are shared


def recipients(folder: Path) -> list[str]:
    """The To: of every e-mail the backend wrote."""
    found = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            for line in chunk.splitlines():
                if line.startswith("To: "):
                    found.append(line.split(": ", 1)[1].strip())
    return sorted(found)


@pytest.fixture
def start_worker(tmp_path):
    """Start Celery workers with embedded beat on this test's database and queue."""
    queue = f"faults-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    processes: list[subprocess.Popen] = []

    def start(name: str) -> Path:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "THROUGHLINE_WORKER_DB": connection.settings_dict["NAME"],
            "THROUGHLINE_WORKER_QUEUE": queue,
            "THROUGHLINE_WORKER_MAIL_DIR": str(mail_dir),
            "THROUGHLINE_FAULTS_HOLD": str(tmp_path / "hold"),
        }
        log_path = tmp_path / f"{name}.log"
        processes.append(
            subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker", "-B"),
                    *("--concurrency", "1", "--loglevel", "INFO", "-n", f"{name}@%h"),
                    *("--without-gossip", "--without-mingle"),
                    *("--schedule", str(tmp_path / f"{name}-beat-schedule")),
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log_path.open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        return log_path

    yield start, mail_dir, tmp_path
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def due_review(people_count):
    """A weekly review two hours from now with a day's lead time: its reminders are due."""
    organization = Organization.objects.create(name="Faults", slug="faults", timezone="UTC")
    people = [
        MembershipFactory(organization=organization, role=role, user=UserFactory())
        for role in [Role.LEADER] + [Role.MEMBER] * (people_count - 1)
    ]
    start = timezone.now() + datetime.timedelta(hours=2)
    services.cadence_create(
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
    return sorted(p.user.email for p in people)


def wait_for(condition, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(
                f"{what} never happened. Logs:\n" + "\n".join(p.read_text()[-3000:] for p in logs)
            )
        time.sleep(0.3)


def test_a_worker_killed_mid_send_reruns_the_task_and_sends_nothing_twice(start_worker):
    start, mail_dir, folder = start_worker
    hold, held = folder / "hold", folder / "held"
    hold.write_text("")
    expected = due_review(3)
    log = start("killed")

    # The first e-mail of the batch is out; the worker is stuck before the second.
    wait_for(held.exists, "The send", [log])
    assert len(recipients(mail_dir)) == 1
    hold.unlink()
    os.kill(int(held.read_text()), signal.SIGKILL)  # the pool process running the task

    def rerun_done() -> bool:
        after_kill = log.read_text().partition("WorkerLostError")[2]
        return "reviews.tasks.send_reminder_emails" in after_kill and "succeeded" in after_kill

    wait_for(rerun_done, "The re-run of the killed task", [log])
    time.sleep(3)  # beat keeps ticking: nothing more may go out
    sent = recipients(mail_dir)
    assert len(sent) == len(set(sent)), f"Someone got a reminder twice: {sent}"
    assert "WorkerLostError" in log.read_text()
    # Each reminder was claimed once. The rows the dead worker had taken stay "sending", the
    # one whose message went out too (it died before noting it): at most once, never twice.
    reminders = SentReminder.objects.all()
    assert reminders.count() == len(expected)
    assert {r.email_state for r in reminders} <= {"sent", "sending"}
    assert len(sent) <= len(expected)
