"""Email nudges: HTML and plain text, deep links, one-click unsubscribe (RFC 8058).

A batch renders each template once per language (``NudgeEmails``): the templates are
rendered, inside ``translation.override(language)``, with a named slot standing for each
value that differs between recipients (their name, their links, the lines of their
nudge); each email then fills the slots in one pass over that text. Filled-in values are
never read again, so a slot's name written in an author's title stays text; in the HTML
part every value is HTML-escaped.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.languages import person_language
from practice.nudges.channels import (
    PermanentSendError,
    TransientSendError,
    absolute,
    message_id,
    nudge_subject,
)
from practice.nudges.channels.mime import OnePassEmail
from practice.nudges.models import Nudge
from practice.nudges.tokens import tracking_token, unsubscribe_token

IDEMPOTENCY_HEADER = "X-Micromastery-Nudge"

_SLOT = re.compile(r"\[\[nudge:(\w+)\]\]")
# Stands for a signed token in a reversed path (characters that reverse() leaves as they are).
_TOKEN = "nudge-token-slot"


def _slot(name: str) -> str:
    return f"[[nudge:{name}]]"


def _fill(skeleton: str, values: Mapping[str, str]) -> str:
    return _SLOT.sub(lambda match: values[match.group(1)], skeleton)


@dataclass(frozen=True)
class _Skeleton:
    """One language's rendering of the nudge email, with slots for what differs."""

    text: str
    html: str
    item_text: str
    item_html: str


_EMAIL_SLOTS = ("recipient_name", "subject", "items", "unsubscribe_url", "pixel_url")
_ITEM_SLOTS = ("title", "text", "link")


class NudgeEmails:
    """Builds the nudge emails of one batch: each template rendered once per language and
    kind of nudge (a time-critical reminder has no "a few minutes" line), each link made
    from a path reversed once."""

    def __init__(self) -> None:
        self._skeletons: dict[tuple[str, bool], _Skeleton] = {}
        self._click_path = reverse("nudges:click", kwargs={"token": _TOKEN})
        self._opened_path = reverse("nudges:opened", kwargs={"token": _TOKEN})
        self._unsubscribe_path = reverse("nudges:unsubscribe", kwargs={"token": _TOKEN})
        self._preferences_url = absolute(reverse("nudges:preferences"))

    def _skeleton(self, language: str, time_critical: bool) -> _Skeleton:
        key = (language, time_critical)
        if key not in self._skeletons:
            slots = {name: _slot(name) for name in _EMAIL_SLOTS}
            item_slots = {name: _slot(name) for name in _ITEM_SLOTS}
            context = {
                **slots,
                "language": language,
                "time_critical": time_critical,
                "preferences_url": self._preferences_url,
            }
            with translation.override(language):
                self._skeletons[key] = _Skeleton(
                    text=render_to_string("nudges/email/nudge.txt", context),
                    html=render_to_string("nudges/email/nudge.html", context),
                    item_text=render_to_string("nudges/email/nudge_item.txt", item_slots),
                    item_html=render_to_string("nudges/email/nudge_item.html", item_slots),
                )
        return self._skeletons[key]

    def _url(self, path: str, token: str) -> str:
        return absolute(path.replace(_TOKEN, token))

    def message(
        self,
        nudge: Nudge,
        *,
        language: str | None = None,
        connection: BaseEmailBackend | None = None,
    ) -> EmailMultiAlternatives:
        """``nudge``'s email in ``language`` (by default its recipient's)."""
        recipient = nudge.recipient
        language = language or person_language(recipient)
        skeleton = self._skeleton(language, nudge.is_time_critical)
        with translation.override(language):
            subject = nudge_subject(nudge)
        unsubscribe_url = self._url(self._unsubscribe_path, unsubscribe_token(recipient.pk))
        values = {
            "recipient_name": recipient.get_short_name(),
            "subject": subject,
            "unsubscribe_url": unsubscribe_url,
            "pixel_url": self._url(self._opened_path, tracking_token(nudge.pk)),
        }
        items = [
            {
                "title": item.get("title", ""),
                "text": item.get("text", ""),
                "link": self._url(self._click_path, tracking_token(nudge.pk, index)),
            }
            for index, item in enumerate(nudge.items)
        ]
        text = _fill(
            skeleton.text,
            {**values, "items": "".join(_fill(skeleton.item_text, item) for item in items)},
        )
        html_items = [{name: escape(value) for name, value in item.items()} for item in items]
        html = _fill(
            skeleton.html,
            {
                **{name: escape(value) for name, value in values.items()},
                "items": "".join(_fill(skeleton.item_html, item) for item in html_items),
            },
        )
        message = OnePassEmail(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            connection=connection,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                # The same id on every attempt: a receiver that sees it twice can drop it.
                "Message-ID": message_id(nudge.idempotency_key),
                IDEMPOTENCY_HEADER: nudge.idempotency_key,
            },
        )
        message.attach_alternative(html, "text/html")
        return message


def email_message(
    nudge: Nudge, *, connection: BaseEmailBackend | None = None, language: str | None = None
) -> EmailMultiAlternatives:
    """One nudge's email on its own (a batch shares one ``NudgeEmails``)."""
    return NudgeEmails().message(nudge, language=language, connection=connection)


def send(
    nudge: Nudge,
    *,
    connection: BaseEmailBackend | None = None,
    emails: NudgeEmails | None = None,
    language: str | None = None,
) -> None:
    emails = emails or NudgeEmails()
    try:
        emails.message(nudge, language=language, connection=connection).send()
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
