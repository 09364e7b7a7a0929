"""Client secrets at rest, and rotating the secret key they are encrypted under."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.sso.models import SingleSignOn
from micromastery.common import encryption

pytestmark = pytest.mark.django_db

OLD_KEY = "old-secret-key-" + "o" * 50
NEW_KEY = "new-secret-key-" + "n" * 50


def test_a_secret_written_under_the_old_key_opens_while_the_key_is_a_fallback(settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_KEY, []
    token = encryption.encrypt("client-secret")
    assert "client-secret" not in token

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    assert encryption.decrypt(token) == "client-secret"

    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(encryption.UndecryptableSecret):
        encryption.decrypt(token)


def test_reencrypt_secrets_moves_every_secret_to_the_new_key(settings, organization, capsys):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_KEY, []
    single_sign_on = SingleSignOn(
        organization=organization, discovery_url="https://idp.acme.example", client_id="acme"
    )
    single_sign_on.client_secret = "client-secret"
    single_sign_on.save()

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    call_command("reencrypt_secrets")
    assert "Encrypted 1 client secret" in capsys.readouterr().out

    settings.SECRET_KEY_FALLBACKS = []
    single_sign_on.refresh_from_db()
    assert single_sign_on.client_secret == "client-secret"


def test_reencrypt_secrets_changes_nothing_when_a_secret_cannot_be_opened(settings, organization):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_KEY, []
    single_sign_on = SingleSignOn(
        organization=organization, discovery_url="https://idp.acme.example", client_id="acme"
    )
    single_sign_on.client_secret = "client-secret"
    single_sign_on.save()
    stored = single_sign_on.client_secret_encrypted

    settings.SECRET_KEY = NEW_KEY
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("reencrypt_secrets")

    single_sign_on.refresh_from_db()
    assert single_sign_on.client_secret_encrypted == stored
