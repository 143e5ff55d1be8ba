"""Celery tasks of the cadence. Thin: each takes ids (or nothing), calls a service imported in
its body, and is safe to run twice. The sweeps run from beat (config/settings/base.py)."""

from __future__ import annotations

from celery import shared_task

from reviews import rules

# A sweep that finds a worker busy for longer than its own period is better skipped than run late.
SWEEP_OPTIONS = {"ignore_result": True, "soft_time_limit": 240, "time_limit": 300}


def _sweep(kind: str) -> dict:
    from reviews.models import NotificationKind
    from reviews.services import SWEEPS

    result = SWEEPS[NotificationKind(kind)]()
    return {
        "kind": kind,
        "due": result.due,
        "claimed": result.claimed,
        "emails": result.emails_queued,
    }


@shared_task(**SWEEP_OPTIONS)
def sweep_review_upcoming() -> dict:
    return _sweep("review_upcoming")


@shared_task(**SWEEP_OPTIONS)
def sweep_check_in_due() -> dict:
    return _sweep("check_in_due")


@shared_task(**SWEEP_OPTIONS)
def sweep_work_package_overdue() -> dict:
    return _sweep("work_package_overdue")


@shared_task(**SWEEP_OPTIONS)
def sweep_success_check_due() -> dict:
    return _sweep("success_check_due")


@shared_task(**SWEEP_OPTIONS)
def sweep_intention_not_ready() -> dict:
    return _sweep("intention_not_ready")


@shared_task(**SWEEP_OPTIONS)
def sweep_weekly_digest() -> dict:
    return _sweep("weekly_digest")


@shared_task(
    bind=True,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=rules.EMAIL_MAX_RETRIES,
    soft_time_limit=120,
    time_limit=150,
)
def send_reminder_emails(self, reminder_ids: list[str]) -> int:
    """Send the e-mails of some claimed reminders; retry the failed ones with backoff and jitter.

    Rows are taken one at a time, each moved to "sending" (committed) just before its e-mail goes
    out, so a retried, duplicated or redelivered task never sends one twice; a worker killed
    mid-batch loses at most the message in flight (left "sending"), and the re-run (acks late,
    rejected on worker loss) sends the rest of the batch.
    """
    from celery.exceptions import Reject

    from reviews.services import reminder_emails_mark_not_queued, reminder_emails_send

    final = self.request.retries >= self.max_retries
    outcome = reminder_emails_send(reminder_ids=reminder_ids, final_attempt=final)
    if outcome.retry_ids:
        try:
            self.retry(args=[outcome.retry_ids], countdown=rules.retry_delay(self.request.retries))
        except Reject as exc:  # the retry could not be queued: the broker is away
            reason = exc.reason if isinstance(exc.reason, BaseException) else exc
            reminder_emails_mark_not_queued(reminder_ids=outcome.retry_ids, error=reason)
            raise
    return outcome.sent


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def requeue_reminder_emails() -> int:
    """Queue again the reminder e-mails whose message was lost or never queued (beat, every 10
    minutes)."""
    from django.db import transaction

    from reviews.services import reminder_emails_requeue

    with transaction.atomic():
        return reminder_emails_requeue()
