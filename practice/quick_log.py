"""The one-tap link a nudge carries: log one repetition of one step without signing in.

The token is signed with the site's secret and a salt of its own, and names the learner,
the enrolment, the step and a nonce. The nonce becomes the attempt's ``submission_key``,
so the link logs one repetition however often it is tapped (``attempt_log`` is idempotent
by submission key). Opening the link changes nothing: mail scanners open every link.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.translation import gettext, ngettext

QUICK_LOG_SALT = "practice.quick_log"


@dataclass(frozen=True)
class QuickLogClaims:
    learner_id: int
    enrollment_id: int
    step_id: int
    nonce: uuid.UUID


class QuickLogLinkError(Exception):
    """The link is forged, damaged or expired; ``message`` says what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def quick_log_token(*, learner_id: int, enrollment_id: int, step_id: int) -> str:
    return QuickLogPaths().token(
        learner_id=learner_id, enrollment_id=enrollment_id, step_id=step_id
    )


def quick_log_claims(token: str) -> QuickLogClaims:
    """What the token says, or QuickLogLinkError when it is forged, damaged or expired."""
    max_age = settings.QUICK_LOG_LINK_HOURS * 3600
    try:
        value = signing.loads(token, salt=QUICK_LOG_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        hours = settings.QUICK_LOG_LINK_HOURS
        raise QuickLogLinkError(
            ngettext(
                "This link was for %(hours)d hour and has expired. "
                "Sign in to log your practice from the step itself.",
                "This link was for %(hours)d hours and has expired. "
                "Sign in to log your practice from the step itself.",
                hours,
            )
            % {"hours": hours}
        ) from error
    except signing.BadSignature as error:
        raise QuickLogLinkError(
            gettext(
                "This link is not complete or was changed. Open it again from the message, "
                "or sign in to log your practice."
            )
        ) from error
    try:
        return QuickLogClaims(
            learner_id=int(value["l"]),
            enrollment_id=int(value["e"]),
            step_id=int(value["s"]),
            nonce=uuid.UUID(hex=value["n"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise QuickLogLinkError(
            gettext("This link is not complete. Sign in to log your practice.")
        ) from error


# Stands for the token in a reversed path (characters that reverse() leaves as they are).
_TOKEN_SLOT = "quick-log-token-slot"


class _PreparedSigner(signing.TimestampSigner):
    """Django's timestamp signer with its salted key prepared once: the same signatures,
    without deriving the key again for each of the planner's thousands of links."""

    def __init__(self, *, salt: str) -> None:
        super().__init__(salt=salt)
        self._mac = salted_hmac(f"{salt}signer", b"", self.key, algorithm=self.algorithm)
        self._second, self._stamp = -1, ""

    def timestamp(self) -> str:
        # The stamp counts whole seconds: work it out once a second, not once a link.
        second = int(time.time())
        if second != self._second:
            self._second, self._stamp = second, super().timestamp()
        return self._stamp

    def signature(self, value: str | bytes, key: str | bytes | None = None) -> str:
        if key is not None:
            return super().signature(value, key)
        mac = self._mac.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()


class QuickLogPaths:
    """Makes quick-log links; one instance makes many (the planner's batches) with its
    signer and the page's path prepared once."""

    def __init__(self) -> None:
        self._signer = _PreparedSigner(salt=QUICK_LOG_SALT)
        self._path = reverse("practice:quick-log", args=[_TOKEN_SLOT])

    def token(self, *, learner_id: int, enrollment_id: int, step_id: int) -> str:
        # 128 random bits, read back as a UUID (the attempt's submission key).
        nonce = secrets.token_hex(16)
        # The compact JSON ``signing.dumps`` writes for these claims, put together directly:
        # its general encoder costs more than the rest of a link. Too short to gain from
        # compression (``quick_log_claims`` reads either form).
        claims = (
            f'{{"l":{int(learner_id)},"e":{int(enrollment_id)},"s":{int(step_id)},"n":"{nonce}"}}'
        )
        return self._signer.sign(signing.b64_encode(claims.encode()).decode())

    def path(self, *, learner_id: int, enrollment_id: int, step_id: int) -> str:
        token = self.token(learner_id=learner_id, enrollment_id=enrollment_id, step_id=step_id)
        return self._path.replace(_TOKEN_SLOT, token)


def quick_log_path(*, learner_id: int, enrollment_id: int, step_id: int) -> str:
    """The one place a quick-log link is made: nudges, notifications and the API use it."""
    return QuickLogPaths().path(learner_id=learner_id, enrollment_id=enrollment_id, step_id=step_id)
