"""The Celery app. The beat schedule lives here, in code, one commented entry per job."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "micromastery.settings")

app = Celery("micromastery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["micromastery.common"])
app.autodiscover_tasks(["practice.cohorts"])
# Task modules of sub-packages that the per-app discovery above does not look into.
app.autodiscover_tasks(["practice.teachback"])

app.conf.beat_schedule = {
    # Proves beat -> broker -> worker -> database works end to end; /healthz reports its age.
    "heartbeat": {
        "task": "micromastery.common.tasks.heartbeat_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Enrols people who joined a cohort's team since it was assigned (team changes made in
    # the admin or by an import do not call the cohort services themselves).
    "cohorts-sync": {
        "task": "practice.cohorts.tasks.cohorts_sync_task",
        "schedule": 15 * 60.0,
        "options": {"expires": 14 * 60},
    },
    # Safety net for teach-back proposals: completions whose task was lost (broker or
    # worker down) get their proposal within the quarter hour; one bounded batch per run.
    "teachback-propose-sweep": {
        "task": "practice.teachback.tasks.teachback_propose_sweep_task",
        "schedule": 15 * 60.0,
        "options": {"expires": 14 * 60},
    },
}
