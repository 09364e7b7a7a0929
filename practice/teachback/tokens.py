"""Signed links that let an invitee answer without signing in.

A token names one invite and its invitee; it is refused when forged, when older than
``MAX_AGE``, or when a signed-in person other than the invitee uses it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

SALT = "micromastery.teachback.invite"
MAX_AGE = timedelta(days=30)


class InviteTokenError(Exception):
    """Why a link is refused; ``status`` is the HTTP status of the page that says so."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def invite_token(invite: Any) -> str:
    return signing.dumps({"i": invite.pk, "u": invite.invitee_id}, salt=SALT, compress=True)


def invite_token_read(token: str) -> tuple[int, int]:
    """(invite id, invitee id) from a token, or InviteTokenError saying why not."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        raise InviteTokenError(
            _("This link has expired. Open the session from your home page.")
        ) from error
    except signing.BadSignature as error:
        raise InviteTokenError(
            _("This link is not valid. Open the session from your home page.")
        ) from error
    return int(payload["i"]), int(payload["u"])
