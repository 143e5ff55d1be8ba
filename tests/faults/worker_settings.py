"""Settings of the Celery workers the fault tests start (test_workers.py): the test settings on
the test's database, a queue of the test's own, e-mail through tests.faults.mail, and a beat
that ticks the review-upcoming sweep and the e-mail requeue every second."""

from config.settings.base import env
from config.settings.test import *  # noqa: F403

vars()["DATABASES"]["default"]["NAME"] = env("THROUGHLINE_WORKER_DB")
CELERY_TASK_DEFAULT_QUEUE = env("THROUGHLINE_WORKER_QUEUE")
CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
CELERY_BEAT_SCHEDULE = {
    "faults-review-upcoming": {"task": "reviews.tasks.sweep_review_upcoming", "schedule": 1.0},
    "faults-requeue-emails": {"task": "reviews.tasks.requeue_reminder_emails", "schedule": 1.0},
}
EMAIL_BACKEND = "tests.faults.mail.HoldingBackend"
EMAIL_FILE_PATH = env("THROUGHLINE_WORKER_MAIL_DIR")
