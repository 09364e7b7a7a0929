from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and teams")

    def ready(self) -> None:
        # Registers the OpenAPI description of our token scheme with drf-spectacular.
        import accounts.api.authentication  # noqa: F401

        # Every way in (password, single sign-on, invitation, admin) ends in Django's login:
        # its signal is the one place that sees them all.
        user_logged_in.connect(_remember_browser_language, dispatch_uid="browser-language")


def _remember_browser_language(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from accounts.languages import remember_browser_language

    if request is not None:
        remember_browser_language(person=user, request=request)
