"""Workers that die, beats that double and a broker that goes away, with real Celery processes
(each test on a queue of its own, so no other worker takes its tasks).

- A worker killed with SIGKILL in the middle of a batch of reminder e-mails: the task goes back to
  the queue (acks late, rejected on worker loss) and runs again; the rows are claimed one at a
  time, so every other reminder of the batch still goes out, and nobody gets an e-mail twice.
- Two beat processes at once (two workers, each with its own beat): each reminder goes out once.
- Redis (the broker) down while a sweep runs: the reminders are claimed, nothing is sent, nothing
  is lost; once Redis is back the same worker sends each e-mail exactly once. This one runs on a
  Redis of its own (tests/faults/servers.py), the others on the real one.
"""

from __future__ import annotations

import datetime
import os
import re
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
from reviews.models import Notification, SentReminder
from tests.faults.servers import Redis

pytestmark = pytest.mark.django_db(transaction=True)
BASE_DIR = Path(settings.BASE_DIR)
DEADLINE_SECONDS = 120  # generous: CI machines are shared
SEND_SUCCEEDED = re.compile(r"Task reviews\.tasks\.send_reminder_emails\[[^\]]+\] succeeded")


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
    """Start Celery workers with embedded beat on this test's database and queue (and the real
    Redis, unless given another one's URL). Also gives the environment of those processes."""
    queue = f"faults-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    processes: list[subprocess.Popen] = []

    def environment(redis_url: str | None = None) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "THROUGHLINE_WORKER_DB": connection.settings_dict["NAME"],
            "THROUGHLINE_WORKER_QUEUE": queue,
            "THROUGHLINE_WORKER_MAIL_DIR": str(mail_dir),
            "THROUGHLINE_FAULTS_HOLD": str(tmp_path / "hold"),
            **({"REDIS_URL": redis_url} if redis_url else {}),
        }

    def start(name: str, redis_url: str | None = None) -> Path:
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
                env=environment(redis_url),
                stdout=log_path.open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        return log_path

    start.environment = environment  # type: ignore[attr-defined]
    start.processes = processes  # type: ignore[attr-defined]
    yield start, mail_dir, tmp_path
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGQUIT)  # cold shutdown: the test is over
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


def test_a_worker_killed_mid_batch_sends_every_other_reminder_once_and_none_twice(start_worker):
    start, mail_dir, folder = start_worker
    hold, held = folder / "hold", folder / "held"
    hold.write_text("")
    expected = due_review(3)  # one batch of three e-mails
    log = start("killed")

    # The first e-mail of the batch is out; the worker is stuck before the second.
    wait_for(held.exists, "The send", [log])
    [first] = recipients(mail_dir)
    hold.unlink()
    os.kill(int(held.read_text()), signal.SIGKILL)  # the pool process running the task

    def rerun_done() -> bool:
        after_kill = log.read_text().partition("WorkerLostError")[2]
        return bool(SEND_SUCCEEDED.search(after_kill))

    wait_for(rerun_done, "The re-run of the killed task", [log])
    time.sleep(3)  # beat keeps ticking (sweeps, requeues): nothing more may go out
    sent = recipients(mail_dir)
    assert "WorkerLostError" in log.read_text()
    # Everyone got theirs, once: the re-run sent the two the dead worker had not reached.
    assert sent == expected, f"Sent {sent}, expected each of {expected} once"
    # The row in flight when the worker died stays "sending" (its message did go out, but the
    # worker died before noting it): never sent again. The others were sent by the re-run.
    reminders = SentReminder.objects.select_related("recipient")
    assert reminders.count() == len(expected)
    assert {r.recipient.email: r.email_state for r in reminders} == {
        email: "sending" if email == first else "sent" for email in expected
    }


def test_two_beats_at_once_send_each_reminder_once(start_worker):
    start, mail_dir, _ = start_worker
    expected = due_review(3)
    logs = [start("left"), start("right")]  # two workers, each with a beat ticking every second

    def both_ticked() -> bool:
        tick = "Sending due task faults-review-upcoming"
        return all(log.read_text().count(tick) >= 2 for log in logs)

    wait_for(lambda: len(recipients(mail_dir)) >= len(expected), "The e-mails", logs)
    wait_for(both_ticked, "Both beats ticking", logs)
    time.sleep(2)
    assert recipients(mail_dir) == expected
    assert SentReminder.objects.count() == Notification.objects.count() == len(expected)
    assert set(SentReminder.objects.values_list("email_state", flat=True)) == {"sent"}


# The sweep as a worker runs it (the task's body), in a process of its own on the given Redis;
# it starts up first and sweeps when told (a line on stdin), so the outage is no longer than needed.
SWEEP = (
    "import django; django.setup(); "
    "from reviews.tasks import sweep_review_upcoming; "
    "input(); print(sweep_review_upcoming.apply().get())"
)


@pytest.fixture
def own_redis():
    """A Redis of the test's own, which it stops and starts. Stopped after the workers."""
    server = Redis()
    server.start()
    yield server
    server.stop()


def test_redis_down_reminders_wait_and_go_out_once_when_it_is_back(own_redis, start_worker):
    start, mail_dir, _ = start_worker
    log = start("outage", redis_url=own_redis.url)
    wait_for(lambda: " ready." in log.read_text(), "The worker start", [log])
    worker = start.processes[-1]

    sweep = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
        [sys.executable, "-c", SWEEP],
        cwd=BASE_DIR,
        env=start.environment(own_redis.url),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    try:
        own_redis.stop()
        expected = due_review(3)
        stdout, stderr = sweep.communicate("go\n", timeout=DEADLINE_SECONDS)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait(timeout=10)
    # The sweep did its work and failed nothing although its e-mail tasks could not be queued.
    assert sweep.returncode == 0, stderr[-3000:]
    assert "'claimed': 3, 'emails': 3" in stdout, stdout + stderr[-3000:]
    assert "could not queue 3" in stderr
    # Nothing lost: claimed, in the app, waiting by e-mail, marked for the requeue.
    reminders = SentReminder.objects.all()
    assert reminders.count() == Notification.objects.count() == len(expected)
    assert {r.email_state for r in reminders} == {"pending"}
    assert all(r.last_error.startswith(services.NOT_QUEUED) for r in reminders)
    time.sleep(1)
    assert recipients(mail_dir) == []
    assert worker.poll() is None, log.read_text()[-3000:]

    own_redis.start()  # same port, empty: the messages of the outage are gone
    # The worker reconnects by itself; beat's requeue queues the reminders, the worker sends them.
    wait_for(
        lambda: len(recipients(mail_dir)) >= len(expected), "The e-mails after the outage", [log]
    )
    time.sleep(3)  # beat keeps ticking (sweeps, requeues): nothing more may go out
    assert recipients(mail_dir) == expected
    assert {r.email_state for r in SentReminder.objects.all()} == {"sent"}
    assert worker.poll() is None, "The worker had to restart"
