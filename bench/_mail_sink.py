"""An email backend for the nudge benchmark's workers: builds each message's bytes, keeps none.

Like Django's in-memory backend it turns every message into its MIME bytes (what an SMTP
connection would transmit), but it keeps no copy: a worker sending hundreds of thousands
of nudges would otherwise hold them all in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            message.message().as_bytes()
        return len(email_messages)
