"""What /healthz reports: can we reach the database and the broker, and is a worker alive."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import connection
from django.utils import timezone

from micromastery.common.models import Heartbeat

# Beat sends a heartbeat every minute; three missed beats mean no worker is consuming.
WORKER_STALE_AFTER_SECONDS = 180


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "unreachable" to an operator
        return f"error: {error.__class__.__name__}"
    return "ok"


def broker_status() -> str:
    # The project's Celery app is the current one once Django has loaded ``micromastery``;
    # asking celery for it keeps this module below the project package it is part of.
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        return f"error: {error.__class__.__name__}"
    return "ok"


def worker_status() -> dict[str, Any]:
    try:
        heartbeat = Heartbeat.objects.filter(name="worker").first()
    except Exception:
        return {"status": "unknown", "last_heartbeat": None}
    if heartbeat is None:
        return {"status": "waiting", "last_heartbeat": None}
    age = (timezone.now() - heartbeat.beat_at).total_seconds()
    return {
        "status": "ok" if age < WORKER_STALE_AFTER_SECONDS else "stale",
        "last_heartbeat": heartbeat.beat_at.isoformat(),
        "seconds_ago": round(age),
    }


def health_report() -> tuple[bool, dict[str, Any]]:
    """The report and whether the service can take traffic (database and broker answer).

    A stale worker is reported but does not fail the check: the web process can serve
    pages without one, and restarting web would not fix it.
    """
    report = {"database": database_status(), "broker": broker_status(), "worker": worker_status()}
    healthy = report["database"] == "ok" and report["broker"] == "ok"
    return healthy, report
