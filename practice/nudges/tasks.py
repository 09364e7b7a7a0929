"""Thin Celery tasks of the nudge pipeline; the rules live in planning and dispatch.

Task names are explicit, so that messages queued before a module moves still find their task.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task

from practice.nudges import dispatch, planning
from practice.nudges.channels import TransientSendError

# After the batch's attempt: one more, then retries backing off 1, 2, 4, 8, 16 s (with
# jitter); then the failure and its reason are recorded (SEND_MAX_RETRIES + 2 attempts).
SEND_MAX_RETRIES = 5


@shared_task(name="practice.nudges.tasks.nudges_plan_task", ignore_result=True)
def nudges_plan_task() -> None:
    planning.nudges_plan()


@shared_task(name="practice.nudges.tasks.nudges_dispatch_task", ignore_result=True)
def nudges_dispatch_task() -> None:
    dispatch.nudges_dispatch()


@shared_task(name="practice.nudges.tasks.nudges_send_batch_task", ignore_result=True)
def nudges_send_batch_task(nudge_ids: list[int], token: str, lease_seconds: int) -> None:
    """Send one claimed batch; a nudge that failed transiently goes on to its own retries."""
    outcome = dispatch.nudges_send(
        nudge_ids=nudge_ids, token=token, lease=timedelta(seconds=lease_seconds)
    )
    for nudge_id in outcome.retry:
        nudge_send_task.apply_async(
            args=(nudge_id, token, lease_seconds),
            countdown=1,
            queue=_queue_of(nudges_send_batch_task),
        )


def _queue_of(task: Any) -> Any:
    delivery = getattr(task.request, "delivery_info", None) or {}
    return delivery.get("routing_key")


@shared_task(
    name="practice.nudges.tasks.nudge_send_task",
    bind=True,
    ignore_result=True,
    autoretry_for=(TransientSendError,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=SEND_MAX_RETRIES,
)
def nudge_send_task(self: Any, nudge_id: int, token: str, lease_seconds: int) -> None:
    """Retry one nudge after a transient failure; record the final failure with its reason."""
    outcome = dispatch.nudges_send(
        nudge_ids=[nudge_id], token=token, lease=timedelta(seconds=lease_seconds)
    )
    if not outcome.retry:
        return
    from practice.nudges.models import Nudge

    attempts, reason = Nudge.objects.filter(pk=nudge_id).values_list(
        "attempts", "last_error"
    ).first() or (0, "")
    if self.request.retries >= self.max_retries:
        dispatch.nudge_fail(
            nudge_id=nudge_id, token=token, reason=f"Gave up after {attempts} attempts. {reason}"
        )
        return
    raise TransientSendError(reason)
