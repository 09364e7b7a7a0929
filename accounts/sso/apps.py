from django.apps import AppConfig


class SingleSignOnConfig(AppConfig):
    """Sign-in through each organization's own OpenID Connect provider."""

    name = "accounts.sso"
    label = "sso"
    verbose_name = "Single sign-on"
