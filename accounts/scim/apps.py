from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScimConfig(AppConfig):
    """SCIM 2.0 provisioning: an organization's directory creates, updates and deactivates
    its people and teams at ``/scim/v2/``."""

    name = "accounts.scim"
    label = "scim"
    verbose_name = _("Directory provisioning (SCIM)")
