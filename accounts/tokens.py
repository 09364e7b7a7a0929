"""Invitation links: signed, single use, and valid for a week."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

INVITATION_MAX_AGE = timedelta(days=7)


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens with their own salt and a longer life.

    The token hashes the password and the last sign-in, so setting the password (or
    signing in) spends it; the salt keeps a password-reset token from opening an
    invitation and the other way round.
    """

    key_salt = "accounts.tokens.InvitationTokenGenerator"

    def check_token(self, user: Any, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            timestamp_b36, _ = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return False
        signed = any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )
        age = self._num_seconds(self._now()) - timestamp
        return signed and 0 <= age <= INVITATION_MAX_AGE.total_seconds()


invitation_token_generator = InvitationTokenGenerator()
