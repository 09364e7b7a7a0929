"""The LRS password is rewritten under a new secret key by reencrypt_secrets, like every
other stored secret."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.sso.models import SingleSignOn
from payoff.xapi.models import LearningRecordStore

pytestmark = pytest.mark.django_db

OLD_KEY = "old-secret-key-" + "o" * 50
NEW_KEY = "new-secret-key-" + "n" * 50


def lrs_of(organization, password):
    lrs = LearningRecordStore(
        organization=organization, endpoint="https://lrs.acme.example/xapi", username="acme"
    )
    lrs.password = password
    lrs.save()
    return lrs


def test_reencrypt_secrets_moves_lrs_passwords_and_client_secrets_to_the_new_key(
    settings, organization, capsys
):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_KEY, []
    lrs = lrs_of(organization, "lrs-password")
    single_sign_on = SingleSignOn(
        organization=organization, discovery_url="https://idp.acme.example", client_id="acme"
    )
    single_sign_on.client_secret = "client-secret"
    single_sign_on.save()

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    call_command("reencrypt_secrets")
    out = capsys.readouterr().out
    assert "Encrypted 1 LRS password under the current secret key." in out
    assert "Encrypted 1 client secret under the current secret key." in out

    settings.SECRET_KEY_FALLBACKS = []
    lrs.refresh_from_db()
    single_sign_on.refresh_from_db()
    assert lrs.password == "lrs-password"
    assert single_sign_on.client_secret == "client-secret"


def test_reencrypt_secrets_changes_no_secret_when_one_cannot_be_opened(
    settings, organization, other_organization
):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_KEY, []
    readable = lrs_of(organization, "ours")
    settings.SECRET_KEY = "a-lost-secret-key-" + "l" * 50
    lost = lrs_of(other_organization, "theirs")
    stored = {lrs.pk: lrs.password_encrypted for lrs in (readable, lost)}

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    with pytest.raises(CommandError, match="LRS password of LRS of Globex cannot be decrypted"):
        call_command("reencrypt_secrets")

    for lrs in (readable, lost):
        lrs.refresh_from_db()
        assert lrs.password_encrypted == stored[lrs.pk]
