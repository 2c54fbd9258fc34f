"""The Celery application. Without a broker the settings make every task run in-process."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taolun.settings")

app = Celery("taolun")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
