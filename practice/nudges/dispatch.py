"""Dispatch: claim due nudges in bounded batches, send each once, record what happened.

The database is the source of truth; the broker only carries work.

**Claiming.** ``nudges_dispatch`` moves due ``planned`` nudges to ``sending`` in batches,
each under a fresh claim token and a lease, one ``UPDATE ... RETURNING`` per batch
(``practice.nudges.claims``), and hands every batch to one send task (one broker message
per batch, not per nudge). On PostgreSQL the statement picks its rows ``FOR UPDATE SKIP
LOCKED``, so several dispatchers share the work; on SQLite the database's single writer
has the same effect. A ``sending`` nudge whose lease has run out (its worker died, its
message was lost with the broker) is put back to ``planned`` and claimed again under a
new token.

**Sending.** The send task first records the attempt of the whole batch *conditionally on
its token*, in one statement (``attempts + 1`` and a fresh lease, only on the nudges still
``sending`` under this token; the statement returns which). A stale or redelivered task,
or one whose nudges were reclaimed, owns none and sends nothing. Then it delivers each
nudge and marks it ``sent`` (again under the token) before the next; a batch that runs
for half its lease renews the lease of what it has not sent yet. In-app notifications are
created in the same transaction that marks them sent: exactly once, always. Each email
template is rendered once per language for the batch (``channels.email.NudgeEmails``),
in the language ``recipient_language`` gives each recipient, and each email is put together
and written to its MIME bytes in one pass (``channels.mime.OnePassEmail``). A delivered
nudge is marked ``sent`` in one round trip (``claims.row_record_delivered``).

**The residual window (email and webhook).** Delivery to an SMTP server or a webhook and
the database update that follows cannot be one transaction. If the worker is killed
(SIGKILL, power loss) after the receiver accepted the message and before ``sent`` is
committed, the lease runs out and the nudge is sent again: at least once, never lost.
The window is one ``UPDATE`` long, and at most one nudge per killed worker process can be
in it (a worker sends one nudge at a time and records it before the next). To let
receivers close even that window, every attempt of a nudge carries the same
``Message-ID``/``X-Micromastery-Nudge`` header (email) or ``Idempotency-Key`` (webhook).
A send that takes longer than the lease could also be duplicated; the lease (minutes) is
far longer than the SMTP and webhook timeouts (seconds), and a batch renews it for its
unsent nudges every half lease.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.languages import person_language
from accounts.models import User
from accounts.working_hours import is_working_time
from practice.nudges.channels import (
    MaybeDeliveredError,
    PermanentSendError,
    SendError,
    TransientSendError,
)
from practice.nudges.claims import (
    row_finish,
    row_record_delivered,
    rows_begin_attempts,
    rows_claim,
    rows_finish,
    rows_reclaim_expired,
    rows_renew_lease,
)
from practice.nudges.models import Nudge, NudgeChannel, NudgeStatus, TeamWebhook
from practice.nudges.planning import (
    QUIET_AFTER_PRACTICE,
    is_time_critical,
    last_practised_at,
    nudge_content,
    preference_of,
)
from practice.nudges.sources import due_items_collect

# A batch costs a fixed part (its task, its claim, one read of what its recipients have
# due: about 50 ms) besides its nudges; 200 nudges share that part four times better than
# 50 did, and a batch of emails still goes out in about a second.
CLAIM_BATCH_SIZE = 200
MAX_BATCHES_PER_CYCLE = 200
SEND_LEASE = timedelta(minutes=5)


@dataclass
class DispatchResult:
    reclaimed: int = 0
    claimed: int = 0
    batches: int = 0


@dataclass
class SendOutcome:
    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    failed: int = 0
    postponed: int = 0
    retry: list[int] = field(default_factory=list)
    # Of ``retry``: those whose receiver did not answer in time (it may have the message).
    maybe_delivered: list[int] = field(default_factory=list)


def webhook_queue_for(queue: str | None) -> str:
    """Team chat posts run on a queue of their own, so that a stalled receiver holds up
    no email; a dispatcher told to use ``queue`` (a test's) uses ``<queue>-webhooks``."""
    return f"{queue}-webhooks" if queue else settings.NUDGE_WEBHOOK_QUEUE


def nudges_reclaim_expired(*, now: datetime) -> int:
    """Put ``sending`` nudges whose lease ran out back to ``planned``."""
    return rows_reclaim_expired(Nudge.objects.all(), now=now)


def nudges_claim(
    *,
    now: datetime,
    batch_size: int = CLAIM_BATCH_SIZE,
    lease: timedelta = SEND_LEASE,
    webhooks: bool | None = None,
) -> tuple[list[int], str]:
    """Move up to ``batch_size`` due nudges to ``sending`` under a new token: (ids, token).

    ``webhooks``: True claims team chat nudges only, False every other channel.
    """
    rows = Nudge.objects.all()
    if webhooks is True:
        rows = rows.filter(channel=NudgeChannel.WEBHOOK)
    elif webhooks is False:
        rows = rows.exclude(channel=NudgeChannel.WEBHOOK)
    return rows_claim(rows, now=now, batch_size=batch_size, lease=lease)


def nudges_dispatch(
    *,
    now: datetime | None = None,
    batch_size: int = CLAIM_BATCH_SIZE,
    max_batches: int = MAX_BATCHES_PER_CYCLE,
    lease: timedelta = SEND_LEASE,
    queue: str | None = None,
) -> DispatchResult:
    """One dispatcher cycle: reclaim expired leases, then claim and hand out due nudges.

    A batch is committed as ``sending`` before its task is published: if publishing fails
    or this process dies in between, the lease runs out and the next cycle reclaims it.
    Email and in-app nudges go in batches; each team chat post is a task of its own on the
    webhook queue (``webhook_queue_for``), so a slow receiver delays no other nudge.
    """
    from practice.nudges.tasks import nudge_webhook_send_task, nudges_send_batch_task

    now = now or timezone.now()
    result = DispatchResult(reclaimed=nudges_reclaim_expired(now=now))
    options: dict[str, Any] = {"queue": queue} if queue else {}
    for _ in range(max_batches):
        ids, token = nudges_claim(now=now, batch_size=batch_size, lease=lease, webhooks=False)
        if not ids:
            break
        result.batches += 1
        result.claimed += len(ids)
        nudges_send_batch_task.apply_async(args=(ids, token, int(lease.total_seconds())), **options)
    for _ in range(max_batches):
        ids, token = nudges_claim(now=now, batch_size=batch_size, lease=lease, webhooks=True)
        if not ids:
            break
        result.batches += 1
        result.claimed += len(ids)
        for nudge_id in ids:
            nudge_webhook_send_task.apply_async(
                args=(nudge_id, token, int(lease.total_seconds())),
                queue=webhook_queue_for(queue),
            )
    return result


def _still_wanted(
    nudge: Nudge, now: datetime, last_attempt_at: datetime | None
) -> tuple[str, str] | None:
    """(new status, reason) when the nudge must not go out now, else None.

    A time-critical nudge (a teach-back reminder) goes out at its moment whatever the
    working hours and recent practice; preferences, unsubscribe and pause still hold.
    """
    recipient = nudge.recipient
    preference = preference_of(recipient)
    local = now.astimezone(recipient.zone)
    if not recipient.is_active or preference.unsubscribed_at is not None:
        return NudgeStatus.SUPPRESSED, "The recipient unsubscribed from nudges."
    if not preference.channel_enabled(nudge.channel):
        return NudgeStatus.CANCELLED, f"The recipient turned {nudge.get_channel_display()} off."
    if preference.is_paused_on(local.date()):
        return NudgeStatus.CANCELLED, "The recipient paused nudges."
    if nudge.is_time_critical:
        return None
    if not is_working_time(recipient, now):
        return (
            NudgeStatus.CANCELLED,
            "Outside the recipient's working hours by the time it was due.",
        )
    if last_attempt_at and last_attempt_at + QUIET_AFTER_PRACTICE > now:
        return NudgeStatus.PLANNED, "The recipient practised less than an hour ago."
    return None


def recipient_language(user: User) -> str:
    """The language a batch writes a person's messages in (accounts.languages decides)."""
    return person_language(user)


def nudges_send(
    *, nudge_ids: Sequence[int], token: str, lease: timedelta = SEND_LEASE
) -> SendOutcome:
    """Send the claimed nudges of one batch; see the module docstring for the guarantee.

    A transient failure leaves the nudge ``sending`` under its token and lists it in
    ``outcome.retry`` for a retrying task; a permanent one marks it ``failed`` with the
    reason. Content is refreshed from the sources: items no longer due are left out, and
    a nudge with nothing left is cancelled.
    """
    outcome = SendOutcome()
    now = timezone.now()
    nudges = list(
        Nudge.objects.filter(pk__in=nudge_ids, status=NudgeStatus.SENDING, claim_token=token)
        .select_related("recipient__nudge_preference", "recipient__organization", "webhook")
        .order_by("pk")
    )
    outcome.skipped = len(set(nudge_ids)) - len(nudges)
    if not nudges:
        return outcome
    recipients: dict[int, User] = {nudge.recipient_id: nudge.recipient for nudge in nudges}
    due = due_items_collect(learners=list(recipients.values()), now=now)
    last_attempt_at = last_practised_at(list(recipients))
    wanted: list[Nudge] = []
    held: dict[tuple[str, str], list[int]] = defaultdict(list)
    for nudge in nudges:
        hold = _still_wanted(nudge, now, last_attempt_at.get(nudge.recipient_id))
        if nudge.is_time_critical:
            # Exactly the item it was planned for: a cancelled, moved or started
            # session no longer has it.
            items = [
                item
                for item in due.get(nudge.recipient_id, [])
                if item.subject_ref == nudge.subject_ref
            ][:1]
            reason = "The teach-back was cancelled, moved or has started."
        else:
            items = [item for item in due.get(nudge.recipient_id, []) if not is_time_critical(item)]
            reason = "Nothing is due any more."
        if hold is None and not items:
            hold = (NudgeStatus.CANCELLED, reason)
        if hold is not None:
            status, reason = hold
            if status == NudgeStatus.PLANNED:
                later = (last_attempt_at[nudge.recipient_id] or now) + QUIET_AFTER_PRACTICE
                row_finish(Nudge, nudge.pk, token, status, due_at=later, last_error=reason)
                outcome.postponed += 1
            else:
                held[(status, reason)].append(nudge.pk)
                outcome.cancelled += 1
            continue
        _, _, subject = nudge_content(items)
        nudge.payload = {"subject": subject, "items": [item.as_payload() for item in items]}
        wanted.append(nudge)
    for (status, reason), ids in held.items():
        rows_finish(Nudge, ids, token, status, last_error=reason)
    # One statement checks that this task still owns the batch and records the attempts.
    owned = rows_begin_attempts(Nudge, [nudge.pk for nudge in wanted], token, lease)
    outcome.skipped += len(wanted) - len(owned)
    wanted = [nudge for nudge in wanted if nudge.pk in owned]
    outcome.sent += _in_app_send(
        [nudge for nudge in wanted if nudge.channel == NudgeChannel.IN_APP], token
    )
    _deliver_each(
        [nudge for nudge in wanted if nudge.channel != NudgeChannel.IN_APP], token, lease, outcome
    )
    return outcome


def _in_app_send(nudges: Sequence[Nudge], token: str) -> int:
    """Notifications for the batch's in-app nudges and their "sent", in one transaction:
    exactly once, always."""
    if not nudges:
        return 0
    from practice.nudges.channels import in_app

    with transaction.atomic():
        owned = set(
            Nudge.objects.select_for_update()
            .filter(pk__in=[nudge.pk for nudge in nudges], status=NudgeStatus.SENDING)
            .filter(claim_token=token)
            .values_list("pk", flat=True)
        )
        mine = [nudge for nudge in nudges if nudge.pk in owned]
        in_app.send_all(mine)
        sent_at = timezone.now()
        for nudge in mine:
            row_finish(
                Nudge,
                nudge.pk,
                token,
                NudgeStatus.SENT,
                sent_at=sent_at,
                payload=nudge.payload,
                last_error="",
            )
    return len(mine)


def _deliver_each(
    nudges: Sequence[Nudge], token: str, lease: timedelta, outcome: SendOutcome
) -> None:
    """Email and team chat: deliver one nudge, record it, then the next (the residual
    window stays one nudge long). One SMTP session and one rendering of each template per
    language serve the whole batch."""
    from practice.nudges.channels import email, webhook

    mail_connection = None
    emails = email.NudgeEmails()
    renew_at = timezone.now() + lease / 2
    try:
        for index, nudge in enumerate(nudges):
            if timezone.now() >= renew_at:
                # A slow batch keeps the lease of what it has not sent yet.
                rest = nudges[index:]
                owned = rows_renew_lease(Nudge, [n.pk for n in rest], token, lease)
                renew_at = timezone.now() + lease / 2
                if nudge.pk not in owned:
                    outcome.skipped += 1
                    continue
            try:
                if nudge.channel == NudgeChannel.EMAIL:
                    if mail_connection is None:
                        mail_connection = email.mail_connection_open()
                    email.send(
                        nudge,
                        connection=mail_connection,
                        emails=emails,
                        language=recipient_language(nudge.recipient),
                    )
                else:
                    target = (
                        nudge.webhook
                        or TeamWebhook.objects.filter(
                            team__members=nudge.recipient_id, is_active=True
                        ).first()
                    )
                    if target is None:
                        raise PermanentSendError("The recipient's team has no webhook any more.")
                    webhook.send(nudge, target)
            except TransientSendError as error:
                Nudge.objects.filter(pk=nudge.pk, claim_token=token).update(
                    last_error=str(error)[:1000]
                )
                outcome.retry.append(nudge.pk)
                if isinstance(error, MaybeDeliveredError):
                    outcome.maybe_delivered.append(nudge.pk)
                continue
            except SendError as error:
                row_finish(Nudge, nudge.pk, token, NudgeStatus.FAILED, last_error=str(error)[:1000])
                outcome.failed += 1
                continue
            # Delivered: record it at once (the residual window is this one statement).
            row_record_delivered(
                Nudge, nudge.pk, token, sent_at=timezone.now(), payload=nudge.payload, last_error=""
            )
            outcome.sent += 1
    finally:
        if mail_connection is not None:
            mail_connection.close()


def nudge_fail(*, nudge_id: int, token: str, reason: str) -> bool:
    """Record the final failure of a nudge that ran out of retries."""
    return row_finish(Nudge, nudge_id, token, NudgeStatus.FAILED, last_error=reason[:1000])


@dataclass(frozen=True)
class RetryPlan:
    """What a webhook task does after a failed post: retry after ``countdown`` s, or fail."""

    countdown: float | None
    timed_out: bool
    reason: str = ""


def webhook_retry_plan(
    *,
    retries: int,
    max_retries: int,
    attempts: int,
    reason: str,
    timed_out_before: bool,
    timed_out_now: bool,
) -> RetryPlan:
    """The webhook retry rule, one place for nudges and outbox posts.

    A timeout means "maybe delivered": chat services ignore ``Idempotency-Key``, so each
    repeat could be one more copy in the channel. It is retried once, after a pause, and
    then failed. Connection errors and 5xx (nothing was delivered) are retried with a
    backoff up to a cap; 4xx never gets here (failed at once by the channel).
    """
    timed_out = timed_out_before or timed_out_now
    if timed_out_now and timed_out_before:
        return RetryPlan(
            None,
            timed_out,
            f"{reason}, twice. It may have been delivered, so it is not posted again.",
        )
    if timed_out_now:
        return RetryPlan(float(settings.NUDGE_WEBHOOK_TIMEOUT_PAUSE_SECONDS), timed_out)
    if retries >= max_retries:
        return RetryPlan(None, timed_out, f"Gave up after {attempts} attempts. {reason}")
    base = float(settings.NUDGE_WEBHOOK_RETRY_BASE_SECONDS)
    countdown = min(
        base * 2 ** max(retries - 1, 0), float(settings.NUDGE_WEBHOOK_RETRY_MAX_SECONDS)
    )
    return RetryPlan(countdown, timed_out)
