"""Thin Celery tasks for teach-back: the proposal after practice, and its safety-net sweep.

Task names are explicit, so that messages queued before a module moves still find their task.
"""

from __future__ import annotations

from celery import shared_task

from practice.models import Enrollment
from practice.teachback import services


@shared_task(
    name="practice.teachback.tasks.teachback_propose_task",
    ignore_result=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def teachback_propose_task(enrollment_id: int) -> int | None:
    """Propose a teach-back for a completed enrolment; a second run changes nothing.

    Returns the session's id (useful in logs and tests), or None when the enrolment is
    gone, was dropped or is not complete.
    """
    enrollment = Enrollment.objects.filter(pk=enrollment_id).first()
    if enrollment is None:
        return None
    session = services.teachback_propose_after_practice(enrollment=enrollment)
    return session.pk if session is not None else None


@shared_task(name="practice.teachback.tasks.teachback_propose_sweep_task", ignore_result=True)
def teachback_propose_sweep_task() -> int:
    """Propose for completions whose task was lost; one bounded batch per run."""
    return len(services.teachback_propose_missing())
