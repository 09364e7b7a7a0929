"""The Celery app. The beat schedule lives here, in code, one commented entry per job."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "micromastery.settings")

app = Celery("micromastery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules of packages that the per-app discovery above does not look into.
app.autodiscover_tasks(["micromastery.common"])

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
    # Plans each learner's next nudge (time zone, working hours, daily cap). Idempotent:
    # a run that overlaps the previous one, or a second beat, plans nothing twice.
    "nudges-plan": {
        "task": "practice.nudges.tasks.nudges_plan_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Sends the outbox's due messages (invitations, cancellations, password links); each
    # enqueue also kicks one at once, this is the net under a lost kick or a dead worker.
    "outbox-dispatch": {
        "task": "practice.nudges.tasks.outbox_dispatch_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Claims due nudges in batches and hands them to send tasks; also reclaims nudges
    # whose worker died mid-send (expired lease), so a lost message never loses a nudge.
    "nudges-dispatch": {
        "task": "practice.nudges.tasks.nudges_dispatch_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Folds new attempts and payoff measurements into the dashboard rollups; a missed run
    # is caught up by the next one, so an expired message is simply dropped.
    "payoff-rollups-refresh": {
        "task": "payoff.tasks.rollups_refresh_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Nightly, after the working day everywhere in Europe: rebuilds every rollup from the raw
    # rows, repairs drift (late transactions, deleted rows, team changes) and logs it.
    "payoff-rollups-rebuild": {
        "task": "payoff.tasks.rollups_rebuild_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Safety net for teach-back proposals: completions whose task was lost (broker or
    # worker down) get their proposal within the quarter hour; one bounded batch per run.
    "teachback-propose-sweep": {
        "task": "practice.teachback.tasks.teachback_propose_sweep_task",
        "schedule": 15 * 60.0,
        "options": {"expires": 14 * 60},
    },
    # Deletes API tokens unused for MICROMASTERY_API_TOKEN_IDLE_DAYS. They are refused on
    # use already; this keeps the table small. A missed night is caught up by the next.
    "api-tokens-delete-idle": {
        "task": "accounts.tasks.api_tokens_delete_idle_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
