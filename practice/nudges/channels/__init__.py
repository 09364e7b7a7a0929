"""Delivery channels. Each ``send`` either delivers or raises one of the errors below.

``TransientSendError``: worth retrying (timeouts, connection refused, 5xx, 429);
``MaybeDeliveredError``, one of them, when the receiver took the message and did not
answer in time (it may have it: retried once at most).
``PermanentSendError``: retrying cannot help (a refused address, a 4xx, a bad target).
"""

from __future__ import annotations

from django.conf import settings

from practice.nudges.tokens import tracking_token


class SendError(Exception):
    pass


class TransientSendError(SendError):
    pass


class MaybeDeliveredError(TransientSendError):
    pass


class PermanentSendError(SendError):
    pass


def message_id(key: str) -> str:
    """``<key@host>``: a Message-ID names a host, never a port or a scheme (RFC 5322)."""
    from urllib.parse import urlsplit

    host = urlsplit(settings.SITE_URL).hostname or "micromastery.invalid"
    return f"<{key}@{host}>"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def tracked_link(nudge_id: int, item: int = 0) -> str:
    """A link that records the click and then opens the item's page."""
    from django.urls import reverse

    return absolute(reverse("nudges:click", kwargs={"token": tracking_token(nudge_id, item)}))
