from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SingleSignOnConfig(AppConfig):
    """Sign-in through each organization's own OpenID Connect provider."""

    name = "accounts.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from accounts.sso.models import SingleSignOn
        from micromastery.common.encryption import EncryptedField, encrypted_fields

        encrypted_fields.register(
            EncryptedField(SingleSignOn, "client_secret_encrypted", "client secret")
        )
