"""Secrets stored encrypted at rest (an identity provider's client secret, say).

Fernet (AES-128-CBC with an HMAC, from ``cryptography``) under a key derived from
``SECRET_KEY``: a copy of the database alone opens nothing. Rotating the secret key works as
it does for sessions: put the old key in ``DJANGO_SECRET_KEY_FALLBACKS``, and values written
under it still decrypt; ``manage.py reencrypt_secrets`` then writes them again under the new
key, after which the fallback can go.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db.models import Model
from django.utils.crypto import salted_hmac

from micromastery.common.registry import Registry

_KEY_SALT = "micromastery.common.encryption"


@dataclass(frozen=True)
class EncryptedField:
    """A model field that holds a token of ``encrypt``: ``reencrypt_secrets`` rewrites it."""

    model: type[Model]
    field: str
    # What one row's secret is, in words: "the client secret of Acme's single sign-on".
    noun: str


encrypted_fields: Registry[EncryptedField] = Registry(
    "encrypted fields", key=lambda item: (item.model._meta.label, item.field)
)


class UndecryptableSecret(Exception):
    """The value was written under a secret key that is neither current nor a fallback."""


def _fernet_for(secret_key: str) -> Fernet:
    digest = salted_hmac(_KEY_SALT, "fernet", secret=secret_key, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernets() -> MultiFernet:
    # The first key encrypts; all of them decrypt.
    return MultiFernet(
        [_fernet_for(key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]
    )


def encrypt(plain_text: str) -> str:
    return _fernets().encrypt(plain_text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernets().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise UndecryptableSecret(
            "A stored secret cannot be decrypted: it was written under a secret key that is "
            "no longer in DJANGO_SECRET_KEY or DJANGO_SECRET_KEY_FALLBACKS. Enter it again."
        ) from error


def reencrypt(token: str) -> str:
    """The same secret, encrypted under the current secret key."""
    try:
        return _fernets().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise UndecryptableSecret("A stored secret cannot be decrypted.") from error
