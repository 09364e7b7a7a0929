"""Thin Celery tasks of the nudge pipeline; the rules live in planning and dispatch.

Task names are explicit, so that messages queued before a module moves still find their task.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task

from practice.nudges import dispatch, outbox, planning
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


def _webhook_retry_or_fail(
    task: Any,
    *,
    row_id: int,
    token: str,
    lease_seconds: int,
    timed_out_before: bool,
    outcome: dispatch.SendOutcome,
    model: Any,
    fail: Any,
) -> None:
    """Apply ``dispatch.webhook_retry_plan`` to a post that failed transiently."""
    if not outcome.retry:
        return
    attempts, reason = model.objects.filter(pk=row_id).values_list(
        "attempts", "last_error"
    ).first() or (0, "")
    plan = dispatch.webhook_retry_plan(
        retries=task.request.retries,
        max_retries=task.max_retries,
        attempts=attempts,
        reason=reason,
        timed_out_before=timed_out_before,
        timed_out_now=row_id in outcome.maybe_delivered,
    )
    if plan.countdown is None:
        fail(row_id, token, plan.reason)
        return
    raise task.retry(args=(row_id, token, lease_seconds, plan.timed_out), countdown=plan.countdown)


@shared_task(
    name="practice.nudges.tasks.nudge_webhook_send_task",
    bind=True,
    ignore_result=True,
    max_retries=SEND_MAX_RETRIES + 1,
)
def nudge_webhook_send_task(
    self: Any, nudge_id: int, token: str, lease_seconds: int, timed_out: bool = False
) -> None:
    """Post one team chat nudge (webhook queue); retries follow ``webhook_retry_plan``."""
    from practice.nudges.models import Nudge

    outcome = dispatch.nudges_send(
        nudge_ids=[nudge_id], token=token, lease=timedelta(seconds=lease_seconds)
    )
    _webhook_retry_or_fail(
        self,
        row_id=nudge_id,
        token=token,
        lease_seconds=lease_seconds,
        timed_out_before=timed_out,
        outcome=outcome,
        model=Nudge,
        fail=lambda pk, token, reason: dispatch.nudge_fail(nudge_id=pk, token=token, reason=reason),
    )


@shared_task(name="practice.nudges.tasks.outbox_dispatch_task", ignore_result=True)
def outbox_dispatch_task() -> None:
    outbox.outbox_dispatch()


@shared_task(name="practice.nudges.tasks.outbox_send_batch_task", ignore_result=True)
def outbox_send_batch_task(message_ids: list[int], token: str, lease_seconds: int) -> None:
    """Send one claimed batch of emails; a transient failure goes on to its own retries."""
    outcome = outbox.outbox_send(
        message_ids=message_ids, token=token, lease=timedelta(seconds=lease_seconds)
    )
    for message_id in outcome.retry:
        outbox_send_task.apply_async(
            args=(message_id, token, lease_seconds),
            countdown=1,
            queue=_queue_of(outbox_send_batch_task),
        )


@shared_task(
    name="practice.nudges.tasks.outbox_send_task", bind=True, ignore_result=True, max_retries=None
)
def outbox_send_task(self: Any, message_id: int, token: str, lease_seconds: int) -> None:
    """Retry one email after a transient failure, backing off up to a cap for long enough
    to ride out a mail server that is down for minutes (settings ``OUTBOX_RETRY_*``); then
    record the failure with its reason (an org admin can send it again)."""
    outcome = outbox.outbox_send(
        message_ids=[message_id], token=token, lease=timedelta(seconds=lease_seconds)
    )
    if not outcome.retry:
        return
    from django.conf import settings

    from practice.nudges.models import OutboxMessage

    attempts, reason = OutboxMessage.objects.filter(pk=message_id).values_list(
        "attempts", "last_error"
    ).first() or (0, "")
    retries = self.request.retries
    if retries >= settings.OUTBOX_RETRY_LIMIT:
        reason = f"Gave up after {attempts} attempts. {reason}"
        outbox.outbox_message_fail(message_id=message_id, token=token, reason=reason)
        return
    countdown = min(
        settings.OUTBOX_RETRY_BASE_SECONDS * 2**retries, settings.OUTBOX_RETRY_MAX_SECONDS
    )
    raise self.retry(countdown=countdown)


@shared_task(
    name="practice.nudges.tasks.outbox_webhook_send_task",
    bind=True,
    ignore_result=True,
    max_retries=SEND_MAX_RETRIES + 1,
)
def outbox_webhook_send_task(
    self: Any, message_id: int, token: str, lease_seconds: int, timed_out: bool = False
) -> None:
    """Post one outbox message to a team chat (webhook queue)."""
    from practice.nudges.models import OutboxMessage

    outcome = outbox.outbox_send(
        message_ids=[message_id], token=token, lease=timedelta(seconds=lease_seconds)
    )
    _webhook_retry_or_fail(
        self,
        row_id=message_id,
        token=token,
        lease_seconds=lease_seconds,
        timed_out_before=timed_out,
        outcome=outcome,
        model=OutboxMessage,
        fail=lambda pk, token, reason: outbox.outbox_message_fail(
            message_id=pk, token=token, reason=reason
        ),
    )
