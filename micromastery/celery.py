"""The Celery app. The beat schedule lives here, in code, one commented entry per job."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "micromastery.settings")

app = Celery("micromastery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["micromastery.common"])

app.conf.beat_schedule = {
    # Proves beat -> broker -> worker -> database works end to end; /healthz reports its age.
    "heartbeat": {
        "task": "micromastery.common.tasks.heartbeat_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
