"""Signed tokens in nudge links: unsubscribe, click tracking and the open pixel.

Each token is signed with the site's secret and a salt of its own, so a token made for
one purpose is refused by the others, and nothing in it can be changed unnoticed.
"""

from __future__ import annotations

from django.core import signing

UNSUBSCRIBE_SALT = "practice.nudges.unsubscribe"
TRACKING_SALT = "practice.nudges.tracking"
# Long enough for an old email in someone's inbox; a user can always sign in instead.
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 90


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user_id(token: str) -> int | None:
    """The user the token was made for, or None when it is forged or expired."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:
        return None
    user_id = value.get("u") if isinstance(value, dict) else None
    return user_id if isinstance(user_id, int) else None


def tracking_token(nudge_id: int, item: int = 0) -> str:
    return signing.dumps([nudge_id, item], salt=TRACKING_SALT)


def tracking_target(token: str) -> tuple[int, int] | None:
    try:
        value = signing.loads(token, salt=TRACKING_SALT)
    except signing.BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(part, int) and part >= 0 for part in value)
    ):
        return value[0], value[1]
    return None
