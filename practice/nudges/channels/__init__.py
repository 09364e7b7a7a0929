"""Delivery channels. Each ``send`` either delivers or raises one of the errors below.

``TransientSendError``: worth retrying (timeouts, connection refused, 5xx, 429);
``MaybeDeliveredError``, one of them, when the receiver took the message and did not
answer in time (it may have it: retried once at most).
``PermanentSendError``: retrying cannot help (a refused address, a 4xx, a bad target).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from accounts.languages import person_language
from practice.nudges.tokens import tracking_token

if TYPE_CHECKING:
    from practice.nudges.models import Nudge


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


@contextmanager
def in_recipient_language(nudge: Nudge) -> Iterator[None]:
    """Render what goes to the nudge's recipient in their language, whoever sends it."""
    with translation.override(person_language(nudge.recipient)):
        yield


def nudge_subject(nudge: Nudge) -> str:
    """The nudge's subject line in the active language.

    A digest's line is worded here; a single item's line is the item's own title and text
    (its source words them for the learner).
    """
    from practice.nudges.planning import digest_subject

    if len(nudge.items) > 1:
        return digest_subject(len(nudge.items))
    return nudge.payload.get("subject") or gettext("Time to practise")
