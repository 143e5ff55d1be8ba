"""The Celery application. The broker is the same Redis the rest of the app uses."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("throughline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
