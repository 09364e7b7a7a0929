"""Secrets at rest (an LRS password, a directory's client secret): Fernet tokens keyed
from ``SECRET_KEY``.

Rotating ``SECRET_KEY`` keeps old tokens readable as long as the old key is listed in
``SECRET_KEY_FALLBACKS``; new tokens are always made with the current key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from micromastery.common.errors import ApplicationError

# Each use of SECRET_KEY gets a key of its own: a Fernet key is not the signing key.
_PURPOSE = b"micromastery.common.encryption"


def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(_PURPOSE + b":" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets if secret])


def encrypt(text: str) -> str:
    return _keys().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ApplicationError(
            "A stored secret can no longer be read (the secret key changed without a "
            "fallback). Enter the secret again."
        ) from error
