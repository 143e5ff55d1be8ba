"""Settings of the Celery worker that the end-to-end test starts (test_worker.py).

The test settings, plus: the test's own database, a queue of its own (so no other worker on the
same Redis takes its tasks), e-mail written to files the test reads, and a beat that ticks the
review-upcoming sweep every second.
"""

from config.settings.base import env
from config.settings.test import *  # noqa: F403

vars()["DATABASES"]["default"]["NAME"] = env("THROUGHLINE_WORKER_DB")
CELERY_TASK_DEFAULT_QUEUE = env("THROUGHLINE_WORKER_QUEUE")
CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
CELERY_BEAT_SCHEDULE = {
    "e2e-review-upcoming": {"task": "reviews.tasks.sweep_review_upcoming", "schedule": 1.0},
}
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env("THROUGHLINE_WORKER_MAIL_DIR")
