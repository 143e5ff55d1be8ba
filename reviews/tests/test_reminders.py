"""Reminders go out at most once: repeated and concurrent sweeps, retried and duplicated tasks,
a worker that dies mid-send, a transaction that rolls back. And each kind finds what is due in
a constant number of queries."""

from __future__ import annotations

import datetime
import smtplib
import threading
import zoneinfo

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from core.models import Role
from core.tests.factories import TeamFactory
from planning.models import WorkPackage
from planning.tests.factories import WorkPackageFactory
from reviews import services, tasks
from reviews.models import Notification, ReviewSession, SentReminder

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def berlin(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN).astimezone(
        datetime.UTC
    )


TODAY = timezone.localdate()
MORNING = berlin(TODAY, 10)  # after the reminder hour in the test organization (Berlin)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks, send_emails_now):
    """Run a sweep and, once its transaction commits, the e-mail tasks it queued."""

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


@pytest.fixture
def overdue(team, member):
    return WorkPackageFactory(
        team=team,
        owner=member.user,
        ready=True,
        status="in_progress",
        title="Ship the reschedule link",
        due_date=TODAY - datetime.timedelta(days=3),
        success_review_date=TODAY + datetime.timedelta(days=10),
    )


# --- each kind -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_work_reminds_its_owner_once_in_the_app_and_by_email(overdue, member, sweep):
    result = sweep(services.sweep_work_package_overdue, now=MORNING)

    assert (result.due, result.claimed, result.notifications, result.emails_queued) == (1, 1, 1, 1)
    reminder = SentReminder.objects.get()
    assert (reminder.kind, reminder.target_id, reminder.recipient_id, reminder.period) == (
        "work_package_overdue",
        overdue.pk,
        member.user_id,
        overdue.due_date.isoformat(),
    )
    assert reminder.email_state == "sent"
    assert reminder.email_attempts == 1
    [email] = mail.outbox
    assert email.to == [member.user.email]
    assert email.subject == "Overdue: Ship the reschedule link"
    assert "3 days ago" in email.body
    assert f"/work/{overdue.pk}/" in email.body
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    notification = Notification.objects.get()
    assert (notification.recipient_id, notification.kind, notification.read_at) == (
        member.user_id,
        "work_package_overdue",
        None,
    )


@pytest.mark.django_db
def test_the_same_sweep_twice_sends_one_email(overdue, sweep):
    first = sweep(services.sweep_work_package_overdue, now=MORNING)
    second = sweep(services.sweep_work_package_overdue, now=MORNING + datetime.timedelta(hours=1))
    # The second finds nothing new (claimed reminders are filtered out before claiming).
    assert (first.claimed, second.due, second.claimed) == (1, 0, 0)
    assert len(mail.outbox) == 1
    assert SentReminder.objects.count() == Notification.objects.count() == 1


@pytest.mark.django_db
def test_a_new_due_date_is_a_new_period_and_a_new_reminder(overdue, sweep):
    sweep(services.sweep_work_package_overdue, now=MORNING)
    WorkPackage.objects.filter(pk=overdue.pk).update(due_date=TODAY - datetime.timedelta(days=1))
    sweep(services.sweep_work_package_overdue, now=MORNING)
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_nobody_is_reminded_before_the_morning_of_their_organization(overdue, sweep):
    result = sweep(services.sweep_work_package_overdue, now=berlin(TODAY, 6, 30))
    assert (result.due, len(mail.outbox)) == (0, 0)


@pytest.mark.django_db
def test_opting_out_of_email_keeps_the_in_app_notification(overdue, member, sweep):
    services.notification_preferences_set(
        membership=member, disabled={("work_package_overdue", "email")}
    )
    result = sweep(services.sweep_work_package_overdue, now=MORNING)
    assert (result.claimed, result.notifications, result.emails_queued) == (1, 1, 0)
    assert SentReminder.objects.get().email_state == "skipped"
    assert mail.outbox == []


@pytest.mark.django_db
def test_opting_out_of_both_channels_claims_nothing(overdue, member, sweep):
    services.notification_preferences_set(
        membership=member,
        disabled={("work_package_overdue", "email"), ("work_package_overdue", "in_app")},
    )
    result = sweep(services.sweep_work_package_overdue, now=MORNING)
    assert (result.due, result.claimed) == (1, 0)
    assert not SentReminder.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_deactivated_owners_are_not_reminded(overdue, member, sweep):
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert sweep(services.sweep_work_package_overdue, now=MORNING).due == 0


@pytest.mark.django_db
def test_success_checks_due_remind_the_owner_once_per_check_date(overdue, member, sweep):
    WorkPackage.objects.filter(pk=overdue.pk).update(success_review_date=TODAY)
    result = sweep(services.sweep_success_check_due, now=MORNING)
    assert result.claimed == 1
    [email] = mail.outbox
    assert email.subject == "Success check due: Ship the reschedule link"
    assert "continue, revise or stop" in email.body
    # Once decided, nothing is due any more.
    WorkPackage.objects.filter(pk=overdue.pk).update(decision="continue", decision_reason="ok")
    assert sweep(services.sweep_success_check_due, now=MORNING).due == 0


@pytest.mark.django_db
def test_old_intentions_remind_their_owner_or_else_the_teams_leads(
    team, member, team_lead, make_member, sweep
):
    owned = WorkPackageFactory(team=team, owner=member.user, title="Owned idea")
    orphan = WorkPackageFactory(team=team, title="Nobody's idea")
    WorkPackageFactory(team=team, title="Fresh idea")
    make_member(
        Role.TEAM_LEAD, teams=[TeamFactory(organization=team.organization)]
    )  # another team's
    # MORNING, not "now": reminders go out after the organization's reminder hour, so a sweep
    # at the real time of the test run finds nothing due at night in Berlin.
    WorkPackage.objects.filter(pk__in=[owned.pk, orphan.pk]).update(
        created_at=MORNING - datetime.timedelta(days=8)
    )
    result = sweep(services.sweep_intention_not_ready, now=MORNING)
    got = sorted(SentReminder.objects.values_list("target_id", "recipient_id"))
    assert result.claimed == 2
    assert got == sorted([(owned.pk, member.user_id), (orphan.pk, team_lead.user_id)])
    assert sweep(services.sweep_intention_not_ready, now=MORNING).claimed == 0


@pytest.mark.django_db
def test_review_upcoming_reminds_participants_once_the_lead_time_has_begun(
    cadence, leader, team_lead, member, viewer, sweep
):
    session = cadence.sessions.get()
    too_early = sweep(
        services.sweep_review_upcoming, now=session.scheduled_at - datetime.timedelta(hours=30)
    )
    assert too_early.due == 0
    result = sweep(
        services.sweep_review_upcoming, now=session.scheduled_at - datetime.timedelta(hours=20)
    )
    assert result.claimed == 3
    assert sorted(e.to[0] for e in mail.outbox) == sorted(
        m.user.email for m in (leader, team_lead, member)
    )
    assert all(e.subject.startswith("Weekly delivery review: ") for e in mail.outbox)
    assert (
        sweep(
            services.sweep_review_upcoming, now=session.scheduled_at - datetime.timedelta(hours=2)
        ).claimed
        == 0
    )
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_the_upcoming_sweep_prepares_each_cadences_next_session(cadence):
    session = cadence.sessions.get()
    ReviewSession.objects.all().delete()
    services.sweep_review_upcoming(now=timezone.now())
    assert cadence.sessions.get().scheduled_at == session.scheduled_at


@pytest.mark.django_db
def test_the_weekly_digest_goes_out_on_monday_morning_once_a_week(overdue, member, leader, sweep):
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    tuesday = monday + datetime.timedelta(days=1)
    WorkPackage.objects.filter(pk=overdue.pk).update(due_date=monday - datetime.timedelta(days=2))
    assert sweep(services.sweep_weekly_digest, now=berlin(tuesday, 9)).due == 0
    result = sweep(services.sweep_weekly_digest, now=berlin(monday, 9))
    assert result.claimed == 2  # the member and the leader (every active member)
    again = sweep(services.sweep_weekly_digest, now=berlin(monday, 15))
    assert again.claimed == 0
    email = next(e for e in mail.outbox if e.to == [member.user.email])
    assert email.subject.startswith("Your week: 1 overdue")
    assert "- 1 work package overdue" in email.body
    year, week, _ = monday.isocalendar()
    assert SentReminder.objects.filter(period=f"{year}-W{week:02d}").count() == 2


# --- at most once, whatever happens ----------------------------------------------------------


@pytest.mark.django_db
def test_a_committed_sweep_queues_one_batch_and_a_repeated_task_sends_once(
    overdue, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.sweep_work_package_overdue(now=MORNING)
    assert len(callbacks) == 1
    [batch] = queued
    assert batch == [str(SentReminder.objects.get().pk)]
    tasks.send_reminder_emails.apply(args=[batch])
    tasks.send_reminder_emails.apply(args=[batch])  # redelivered, or queued twice
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_sweep_that_rolls_back_queues_nothing_and_claims_nothing(
    overdue, queued, django_capture_on_commit_callbacks
):
    def sweep_then_fail():
        with transaction.atomic():
            services.sweep_work_package_overdue(now=MORNING)
            raise RuntimeError("the database went away")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            sweep_then_fail()
    assert callbacks == []
    assert queued == []
    assert not SentReminder.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_worker_killed_after_sending_never_sends_again(
    overdue, queued, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_work_package_overdue(now=MORNING)
    [batch] = queued

    class Killed(BaseException):
        """What a SIGKILL looks like from inside: nothing after this line runs."""

    real_send = mail.EmailMessage.send

    def send_then_die(self, *args, **kwargs):
        real_send(self, *args, **kwargs)
        raise Killed

    monkeypatch.setattr(mail.EmailMessage, "send", send_then_die)
    with pytest.raises(Killed):
        services.reminder_emails_send(reminder_ids=batch)
    monkeypatch.setattr(mail.EmailMessage, "send", real_send)
    assert SentReminder.objects.get().email_state == "sending"
    # The message comes back (acks_late, reject_on_worker_lost) and runs again.
    tasks.send_reminder_emails.apply(args=[batch])
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_worker_killed_mid_batch_loses_at_most_the_message_in_flight(
    team, member, queued, monkeypatch, django_capture_on_commit_callbacks
):
    for n in range(3):
        WorkPackageFactory(
            team=team,
            owner=member.user,
            ready=True,
            status="in_progress",
            title=f"Late {n}",
            due_date=TODAY - datetime.timedelta(days=3),
            success_review_date=TODAY + datetime.timedelta(days=10),
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_work_package_overdue(now=MORNING)
    [batch] = queued
    assert len(batch) == 3

    class Killed(BaseException):
        """What a SIGKILL looks like from inside: nothing after this line runs."""

    real_send = mail.EmailMessage.send

    def send_then_die(self, *args, **kwargs):
        real_send(self, *args, **kwargs)
        raise Killed

    monkeypatch.setattr(mail.EmailMessage, "send", send_then_die)
    with pytest.raises(Killed):
        services.reminder_emails_send(reminder_ids=batch)
    monkeypatch.setattr(mail.EmailMessage, "send", real_send)
    # Rows are claimed one at a time: only the one in flight is "sending", the rest wait.
    states = sorted(SentReminder.objects.values_list("email_state", flat=True))
    assert states == ["pending", "pending", "sending"]
    tasks.send_reminder_emails.apply(args=[batch])  # the message comes back and runs again
    assert sorted(e.subject for e in mail.outbox) == [f"Overdue: Late {n}" for n in range(3)]
    states = sorted(SentReminder.objects.values_list("email_state", flat=True))
    assert states == ["sending", "sent", "sent"]


@pytest.mark.django_db
def test_emails_not_queued_are_requeued_at_the_next_run_and_sent_once(
    overdue, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_work_package_overdue(now=MORNING)
    [batch] = queued
    soon = MORNING + datetime.timedelta(minutes=5)
    # Fresh and queued: the requeue leaves it to its task.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminder_emails_requeue(now=soon) == 0
    # Its task could not be queued (the broker was away): the next requeue takes it at once.
    marked = services.reminder_emails_mark_not_queued(
        reminder_ids=batch, error=ConnectionRefusedError("broker away")
    )
    assert marked == 1
    assert SentReminder.objects.get().last_error.startswith(services.NOT_QUEUED)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminder_emails_requeue(now=soon) == 1
    assert queued == [batch, batch]
    assert SentReminder.objects.get().last_error == ""  # queued again: not taken twice
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminder_emails_requeue(now=soon) == 0
    tasks.send_reminder_emails.apply(args=[batch])
    tasks.send_reminder_emails.apply(args=[batch])  # the lost message turned up after all
    assert len(mail.outbox) == 1
    assert SentReminder.objects.get().email_state == "sent"


@pytest.mark.django_db
def test_a_mail_server_failure_is_retried_and_the_email_goes_out_once(
    overdue, queued, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_work_package_overdue(now=MORNING)
    [batch] = queued
    real_send = mail.EmailMessage.send
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", flaky)
    tasks.send_reminder_emails.apply(args=[batch])  # eager: the retry runs at once
    reminder = SentReminder.objects.get()
    assert (reminder.email_state, reminder.email_attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_mail_server_that_keeps_failing_ends_in_failed_after_the_retries(
    overdue, queued, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_work_package_overdue(now=MORNING)
    [batch] = queued

    def down(self, *args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(mail.EmailMessage, "send", down)
    tasks.send_reminder_emails.apply(args=[batch])
    reminder = SentReminder.objects.get()
    assert reminder.email_state == "failed"
    assert reminder.email_attempts == tasks.send_reminder_emails.max_retries + 1
    assert "ConnectionRefusedError" in reminder.last_error
    assert mail.outbox == []


def test_retry_delays_grow_with_full_jitter_and_a_cap():
    from reviews import rules

    delays = [rules.retry_delay(n) for n in range(10) for _ in range(20)]
    assert min(delays) >= rules.RETRY_BASE_SECONDS / 2
    assert max(delays) <= rules.RETRY_CAP_SECONDS
    assert len({round(d) for d in delays}) > 20  # jittered, not a fixed ladder


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_one_email(overdue, send_emails_now, monkeypatch):
    barrier = threading.Barrier(2, timeout=20)
    real_insert = services._insert_claims

    def insert_together(rows, **kwargs):
        barrier.wait()  # both sweeps have read what is due; now both try to claim it
        return real_insert(rows, **kwargs)

    monkeypatch.setattr(services, "_insert_claims", insert_together)
    results, errors = [], []

    def sweep():
        try:
            results.append(services.sweep_work_package_overdue(now=MORNING))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(r.claimed for r in results) == [0, 1]
    assert len(mail.outbox) == 1
    assert SentReminder.objects.count() == Notification.objects.count() == 1


# --- a constant number of queries -----------------------------------------------------------


def _many_overdue(n, *, org, make_member):
    for _ in range(n):
        team = TeamFactory(organization=org)
        owner = make_member(Role.MEMBER, teams=[team])
        WorkPackageFactory(
            team=team,
            owner=owner.user,
            ready=True,
            status="in_progress",
            due_date=TODAY - datetime.timedelta(days=2),
            success_review_date=TODAY - datetime.timedelta(days=1),
        )
        old = WorkPackageFactory(team=team, owner=owner.user)
        WorkPackage.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=9)
        )


SWEEP_QUERIES = {
    # sweep: queries whatever the number of rows: the organizations' clocks, what is due (and
    # for the digest its parts), opt-outs, then the claim (asynchronous commit, a temporary
    # table filled by COPY, which is not counted here, and one INSERT that also writes the
    # notifications); plus the savepoints of the nested transactions
    "sweep_work_package_overdue": 12,
    "sweep_success_check_due": 12,
    "sweep_intention_not_ready": 12,
    "sweep_weekly_digest": 16,
}


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize("sweep", SWEEP_QUERIES)
def test_sweeps_run_a_constant_number_of_queries(
    django_assert_num_queries, org, make_member, queued, rows, sweep
):
    _many_overdue(rows, org=org, make_member=make_member)
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    now = berlin(monday, 9) if sweep == "sweep_weekly_digest" else MORNING
    with django_assert_num_queries(SWEEP_QUERIES[sweep]):
        result = getattr(services, sweep)(now=now)
    assert result.claimed == rows if sweep != "sweep_weekly_digest" else result.claimed >= rows


@pytest.mark.django_db
def test_a_due_reminder_that_another_sweep_claimed_meanwhile_is_not_claimed_again(
    overdue, member, queued, monkeypatch
):
    """The filter that skips claimed reminders is only a shortcut: between a sweep's reading
    and its claiming, another may claim; the unique key still keeps it to one."""
    from reviews import selectors

    rows = selectors.due_overdue_work(clocks=selectors.organization_clocks(now=MORNING))
    services.sweep_work_package_overdue(now=MORNING)
    monkeypatch.setattr(selectors, "due_overdue_work", lambda clocks: rows)
    again = services.sweep_work_package_overdue(now=MORNING)
    assert (again.due, again.claimed) == (1, 0)
    assert SentReminder.objects.count() == Notification.objects.count() == 1
