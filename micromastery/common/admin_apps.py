from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, served by the platform's site (see ``micromastery.common.admin``)."""

    default_site = "micromastery.common.admin.PlatformAdminSite"
