"""Email nudges: HTML and plain text, deep links, one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse

from practice.nudges.channels import (
    PermanentSendError,
    TransientSendError,
    absolute,
    in_recipient_language,
    message_id,
    nudge_subject,
    tracked_link,
)
from practice.nudges.models import Nudge
from practice.nudges.tokens import tracking_token, unsubscribe_token

IDEMPOTENCY_HEADER = "X-Micromastery-Nudge"


def email_message(
    nudge: Nudge, *, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The nudge's email, in the recipient's language."""
    with in_recipient_language(nudge):
        return _email_message(nudge, connection=connection)


def _email_message(
    nudge: Nudge, *, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    recipient = nudge.recipient
    subject = nudge_subject(nudge)
    unsubscribe_url = absolute(
        reverse("nudges:unsubscribe", kwargs={"token": unsubscribe_token(recipient.pk)})
    )
    context = {
        "nudge": nudge,
        "recipient": recipient,
        "subject": subject,
        "items": [
            {**item, "link": tracked_link(nudge.pk, index)}
            for index, item in enumerate(nudge.items)
        ],
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(reverse("nudges:preferences")),
        "pixel_url": absolute(reverse("nudges:opened", kwargs={"token": tracking_token(nudge.pk)})),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("nudges/email/nudge.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # The same id on every attempt: a receiver that sees it twice can drop the repeat.
            "Message-ID": message_id(nudge.idempotency_key),
            IDEMPOTENCY_HEADER: nudge.idempotency_key,
        },
    )
    message.attach_alternative(render_to_string("nudges/email/nudge.html", context), "text/html")
    return message


def send(nudge: Nudge, *, connection: BaseEmailBackend | None = None) -> None:
    try:
        email_message(nudge, connection=connection).send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentSendError(f"The mail server refused {nudge.recipient.email}.") from error
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise TransientSendError(f"Email: {error.__class__.__name__}: {error}") from error


def mail_connection_open() -> BaseEmailBackend:
    """One SMTP session for a whole batch. A mail server that is down is a transient
    failure of the message that needed it (retried), not a crash of the task."""
    from django.core.mail import get_connection

    connection = get_connection()
    try:
        connection.open()
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise TransientSendError(f"Email: {error.__class__.__name__}: {error}") from error
    return connection
