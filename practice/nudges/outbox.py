"""The outbox for every message that is not a nudge: enqueue in the caller's transaction,
deliver from tasks only.

Features render a message when the event happens (``OutgoingEmail``) and hand it to
``outbox_enqueue``; the row commits with the event or not at all, and the commit kicks a
dispatch. Delivery follows the nudges' rules (``practice.nudges.dispatch``): claimed in
batches under a token and a lease, the attempt recorded before the send, every attempt
with the same ``Message-ID``; a transient failure is retried with a backoff, a permanent
one recorded with its reason for an org admin to read (and send again). Team chat posts
run on the webhook queue, one task each.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.languages import person_language
from accounts.models import User
from micromastery.common.errors import ApplicationError
from micromastery.common.outbox import MessageKind, OutgoingEmail, OutgoingPost, outbox_sender_for
from practice.nudges import dispatch
from practice.nudges.channels import (
    MaybeDeliveredError,
    PermanentSendError,
    SendError,
    TransientSendError,
    message_id,
)
from practice.nudges.channels import email as email_channel
from practice.nudges.channels import webhook as webhook_channel
from practice.nudges.channels.mime import OnePassEmail
from practice.nudges.claims import (
    row_finish,
    row_record_delivered,
    rows_begin_attempts,
    rows_claim,
    rows_reclaim_expired,
)
from practice.nudges.models import NudgeChannel, NudgeStatus, OutboxMessage, TeamWebhook

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "X-Micromastery-Message"


def outbox_enqueue(emails: Sequence[OutgoingEmail]) -> int:
    """Store these emails to be sent once the caller's transaction commits.

    An email whose ``key`` is already in the outbox is left out: an event handled twice
    sends once. Returns how many were new.
    """
    if not emails:
        return 0
    keys = [email.key for email in emails]
    known = set(
        OutboxMessage.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    now = timezone.now()
    rows = [
        OutboxMessage(
            recipient_id=email.recipient_id,
            to=email.to,
            kind=email.kind,
            channel=NudgeChannel.EMAIL,
            idempotency_key=email.key[:200],
            due_at=now,
            subject=" ".join(email.subject.split())[:300],
            text=email.text,
            html=email.html,
            attachments=[asdict(attachment) for attachment in email.attachments],
            headers=dict(email.headers),
        )
        for email in {email.key: email for email in emails if email.key not in known}.values()
    ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        transaction.on_commit(outbox_kick)
    return len(rows)


def outbox_posts_enqueue(posts: Sequence[OutgoingPost]) -> int:
    """Store these posts for their registered sender, like ``outbox_enqueue`` for emails:
    in the caller's transaction, a known ``key`` left out; returns how many were new."""
    if not posts:
        return 0
    known = set(
        OutboxMessage.objects.filter(idempotency_key__in=[post.key for post in posts]).values_list(
            "idempotency_key", flat=True
        )
    )
    now = timezone.now()
    rows = [
        OutboxMessage(
            recipient_id=post.recipient_id,
            to=post.to[:254],
            kind=post.kind,
            channel=NudgeChannel.XAPI,
            idempotency_key=post.key[:200],
            due_at=now,
            subject=post.subject[:300],
            payload=post.payload,
        )
        for post in {post.key: post for post in posts if post.key not in known}.values()
    ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        transaction.on_commit(outbox_kick)
    return len(rows)


def outbox_kick() -> None:
    """Ask a worker to dispatch now rather than at the next beat (every minute)."""
    from practice.nudges.tasks import outbox_dispatch_task

    try:
        outbox_dispatch_task.delay()
    except Exception:  # the broker is down: the beat's next dispatch sends it
        logger.warning("Could not queue an outbox dispatch; the next beat will.", exc_info=True)


@transaction.atomic
def webhook_test_enqueue(*, webhook: TeamWebhook, by: User) -> OutboxMessage:
    """Post a sample nudge to the team's chat, exactly as a real one is built."""
    from practice.nudges.services import team_webhook_require_manager

    team_webhook_require_manager(webhook.team, by)
    if not webhook.is_active:
        raise ApplicationError(gettext("This webhook is switched off. Switch it on to test it."))
    # The person who tests reads the sample, in their language.
    with translation.override(person_language(by)):
        links = [
            webhook_channel.ChatLink(
                title=gettext("Run a 15-minute stand-up"),
                url=f"{settings.SITE_URL}/",
                text=gettext("Step 1: open with the one thing that is blocked."),
            )
        ]
        payload = webhook_channel.chat_payload(
            webhook,
            gettext("%(name)s, this is a test message from Micromastery")
            % {"name": by.get_short_name()},
            links,
        )
        subject = gettext("Test message")
    now = timezone.now()
    message = OutboxMessage.objects.create(
        recipient=by,
        kind=MessageKind.WEBHOOK_TEST,
        channel=NudgeChannel.WEBHOOK,
        idempotency_key=f"webhook-test:{webhook.pk}:{now.isoformat()}:{by.pk}",
        due_at=now,
        subject=subject,
        payload=payload,
        webhook=webhook,
    )
    transaction.on_commit(outbox_kick)
    return message


@transaction.atomic
def outbox_message_resend(*, message: OutboxMessage) -> OutboxMessage:
    """Send a failed message again, as it was rendered (same Message-ID, same content)."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != NudgeStatus.FAILED:
        raise ApplicationError(
            gettext("Only failed messages can be sent again; this one is %(status)s.")
            % {"status": message.get_status_display()}
        )
    message.status = NudgeStatus.PLANNED
    message.due_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["status", "due_at", "last_error", "updated_at"])
    transaction.on_commit(outbox_kick)
    return message


def outbox_last_id() -> int:
    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@transaction.atomic
def outbox_hold_back(*, after_id: int, reason: str) -> int:
    """Cancel the messages enqueued after ``after_id`` that are not out yet (demo data:
    made-up people, a story "in the past"); returns how many."""
    return OutboxMessage.objects.filter(
        pk__gt=after_id, status__in=[NudgeStatus.PLANNED, NudgeStatus.SENDING]
    ).update(status=NudgeStatus.CANCELLED, claim_token=None, last_error=reason)


def outbox_dispatch(
    *,
    now: datetime | None = None,
    batch_size: int = dispatch.CLAIM_BATCH_SIZE,
    max_batches: int = dispatch.MAX_BATCHES_PER_CYCLE,
    lease: timedelta = dispatch.SEND_LEASE,
    queue: str | None = None,
) -> dispatch.DispatchResult:
    """Reclaim expired leases, then hand out due messages: emails in batches, each team
    chat post as a task of its own on the webhook queue."""
    from practice.nudges.tasks import outbox_send_batch_task, outbox_webhook_send_task

    now = now or timezone.now()
    rows = OutboxMessage.objects.all()
    result = dispatch.DispatchResult(reclaimed=rows_reclaim_expired(rows, now=now))
    options: dict[str, Any] = {"queue": queue} if queue else {}
    seconds = int(lease.total_seconds())
    for _ in range(max_batches):
        ids, token = rows_claim(
            rows.exclude(channel=NudgeChannel.WEBHOOK),
            now=now,
            batch_size=batch_size,
            lease=lease,
        )
        if not ids:
            break
        result.batches += 1
        result.claimed += len(ids)
        outbox_send_batch_task.apply_async(args=(ids, token, seconds), **options)
    for _ in range(max_batches):
        ids, token = rows_claim(
            rows.filter(channel=NudgeChannel.WEBHOOK), now=now, batch_size=batch_size, lease=lease
        )
        if not ids:
            break
        result.batches += 1
        result.claimed += len(ids)
        for message_id_ in ids:
            outbox_webhook_send_task.apply_async(
                args=(message_id_, token, seconds), queue=dispatch.webhook_queue_for(queue)
            )
    return result


def outbox_email(message: OutboxMessage, *, connection: Any = None) -> EmailMultiAlternatives:
    """The stored message as an email; every attempt has the same Message-ID. Written in
    one pass like a nudge's (``OnePassEmail``); with attachments, by Django."""
    email = OnePassEmail(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        connection=connection,
        headers={
            **message.headers,
            "Message-ID": message_id(message.message_key),
            IDEMPOTENCY_HEADER: message.message_key,
        },
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for attachment in message.attachments:
        email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return email


def _deliver(message: OutboxMessage, mail_connection: Any) -> None:
    import smtplib

    if message.channel == NudgeChannel.XAPI:
        sender = outbox_sender_for(message.kind)
        if sender is None:
            raise PermanentSendError(f"Nothing delivers {message.get_kind_display()} any more.")
        sender.send(recipient_id=message.recipient_id, payload=message.payload)
        return
    if message.channel == NudgeChannel.WEBHOOK:
        if message.webhook is None:
            raise PermanentSendError("The webhook was deleted.")
        webhook_channel.post(
            webhook=message.webhook,
            body=webhook_channel.json_body(message.payload),
            idempotency_key=message.message_key,
        )
        return
    try:
        outbox_email(message, connection=mail_connection).send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentSendError(f"The mail server refused {message.to}.") from error
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise TransientSendError(f"Email: {error.__class__.__name__}: {error}") from error


def outbox_send(
    *, message_ids: Sequence[int], token: str, lease: timedelta = dispatch.SEND_LEASE
) -> dispatch.SendOutcome:
    """Send the claimed messages of one batch, under the same guarantee as nudges.

    A transient failure leaves the message ``sending`` under its token and lists it in
    ``outcome.retry``; a permanent one marks it ``failed`` with the reason.
    """
    outcome = dispatch.SendOutcome()
    if not message_ids:
        return outcome
    messages = list(
        OutboxMessage.objects.filter(
            pk__in=message_ids, status=NudgeStatus.SENDING, claim_token=token
        )
        .select_related("webhook")
        .order_by("pk")
    )
    outcome.skipped = len(set(message_ids)) - len(messages)
    # One statement checks that this task still owns the batch and records the attempts.
    owned = rows_begin_attempts(OutboxMessage, [message.pk for message in messages], token, lease)
    outcome.skipped += len(messages) - len(owned)
    mail_connection = None
    try:
        for message in (message for message in messages if message.pk in owned):
            try:
                if message.channel == NudgeChannel.EMAIL and mail_connection is None:
                    mail_connection = email_channel.mail_connection_open()
                _deliver(message, mail_connection)
            except TransientSendError as error:
                OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
                    last_error=str(error)[:1000]
                )
                outcome.retry.append(message.pk)
                if isinstance(error, MaybeDeliveredError):
                    outcome.maybe_delivered.append(message.pk)
                continue
            except SendError as error:
                row_finish(
                    OutboxMessage,
                    message.pk,
                    token,
                    NudgeStatus.FAILED,
                    last_error=str(error)[:1000],
                )
                outcome.failed += 1
                continue
            # Delivered: record it at once (the residual window is this one statement).
            row_record_delivered(
                OutboxMessage, message.pk, token, sent_at=timezone.now(), last_error=""
            )
            outcome.sent += 1
    finally:
        if mail_connection is not None:
            mail_connection.close()
    return outcome


def outbox_message_fail(*, message_id: int, token: str, reason: str) -> bool:
    """Record the final failure of a message that ran out of retries."""
    return row_finish(
        OutboxMessage, message_id, token, NudgeStatus.FAILED, last_error=reason[:1000]
    )
