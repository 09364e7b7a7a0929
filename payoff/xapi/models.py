from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models

from accounts.models import Organization
from micromastery.common.encryption import decrypt, encrypt
from micromastery.common.models import BaseModel
from practice.nudges.channels.webhook import webhook_url_problem


def lrs_endpoint_problem(endpoint: str) -> str | None:
    """Why statements cannot go to this address, or None. The network rule (public
    addresses only, outside development) is the one for every outgoing post."""
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Use the LRS's https:// address, such as https://lrs.example.com/xAPI."
    return webhook_url_problem(endpoint)


class LearningRecordStore(BaseModel):
    """The organization's LRS: where its learning records go, as xAPI statements.

    The password is stored encrypted (``micromastery.common.encryption``); ``password``
    reads and sets it in the clear.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="learning_record_store"
    )
    endpoint = models.URLField(
        "xAPI endpoint",
        max_length=500,
        help_text="The LRS's xAPI base address; statements go to <endpoint>/statements.",
    )
    username = models.CharField("user name", max_length=200, help_text="Basic authentication.")
    password_encrypted = models.TextField(editable=False, blank=True)
    is_enabled = models.BooleanField(
        "enabled", default=True, help_text="Send learning records to this LRS."
    )

    class Meta:
        verbose_name = "Learning Record Store"

    def __str__(self) -> str:
        return f"LRS of {self.organization}"

    @property
    def password(self) -> str:
        return decrypt(self.password_encrypted) if self.password_encrypted else ""

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = encrypt(value)

    @property
    def statements_url(self) -> str:
        return f"{self.endpoint.rstrip('/')}/statements"
