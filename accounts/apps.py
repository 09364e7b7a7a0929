from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and teams")

    def ready(self) -> None:
        # Registers the OpenAPI description of our token scheme with drf-spectacular.
        import accounts.api.authentication  # noqa: F401
