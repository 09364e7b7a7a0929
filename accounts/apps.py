from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and teams"

    def ready(self) -> None:
        # Registers the OpenAPI description of our token scheme with drf-spectacular.
        import accounts.api.authentication  # noqa: F401
