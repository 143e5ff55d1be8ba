"""The Celery application. The broker is the same Redis the rest of the app uses."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("throughline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Audit history: what a task writes is recorded under the door `task` (core/audit.py).
@task_prerun.connect
def _audit_task_started(task_id=None, task=None, **kwargs):
    from core.audit import task_started

    task_started(task_id=task_id, task_name=getattr(task, "name", "?"))


@task_postrun.connect
def _audit_task_finished(task_id=None, **kwargs):
    from core.audit import task_finished

    task_finished(task_id=task_id)
