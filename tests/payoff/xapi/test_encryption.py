import pytest

from micromastery.common.encryption import decrypt, encrypt
from micromastery.common.errors import ApplicationError


def test_a_secret_is_stored_unreadable_and_read_back():
    token = encrypt("lrs-password")
    assert "lrs-password" not in token
    assert decrypt(token) == "lrs-password"


def test_a_rotated_secret_key_still_reads_old_secrets_through_its_fallbacks(settings):
    token = encrypt("lrs-password")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "y" * 40
    assert decrypt(token) == "lrs-password"
    assert decrypt(encrypt("again")) == "again"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ApplicationError, match="Enter the secret again"):
        decrypt(token)
