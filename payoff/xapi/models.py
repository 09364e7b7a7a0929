from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from micromastery.common.encryption import decrypt, encrypt
from micromastery.common.models import BaseModel
from practice.nudges.channels.webhook import webhook_url_problem


def lrs_endpoint_problem(endpoint: str) -> str | None:
    """Why statements cannot go to this address, or None. The network rule (public
    addresses only, outside development) is the one for every outgoing post."""
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return gettext("Use the LRS's https:// address, such as https://lrs.example.com/xAPI.")
    return webhook_url_problem(endpoint)


class LearningRecordStore(BaseModel):
    """The organization's LRS: where its learning records go, as xAPI statements.

    The password is stored encrypted (``micromastery.common.encryption``); ``password``
    reads and sets it in the clear.
    """

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="learning_record_store",
        verbose_name=_("organization"),
    )
    endpoint = models.URLField(
        _("xAPI endpoint"),
        max_length=500,
        help_text=_("The LRS's xAPI base address; statements go to <endpoint>/statements."),
    )
    username = models.CharField(
        _("user name"), max_length=200, help_text=_("Basic authentication.")
    )
    password_encrypted = models.TextField(editable=False, blank=True)
    is_enabled = models.BooleanField(
        _("enabled"), default=True, help_text=_("Send learning records to this LRS.")
    )

    class Meta:
        verbose_name = _("Learning Record Store")
        verbose_name_plural = _("Learning Record Stores")

    def __str__(self) -> str:
        return gettext("LRS of %(organization)s") % {"organization": self.organization}

    @property
    def password(self) -> str:
        return decrypt(self.password_encrypted) if self.password_encrypted else ""

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = encrypt(value)

    @property
    def statements_url(self) -> str:
        return f"{self.endpoint.rstrip('/')}/statements"
