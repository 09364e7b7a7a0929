"""What SCIM provisioning keeps beside people and teams: the organization's bearer tokens
and, per person and team, what the directory says that the app itself has no field for."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Team, User
from micromastery.common.models import BaseModel

# 256 random bits, shown once as 64 hexadecimal characters after a recognisable prefix.
SCIM_TOKEN_BYTES = 32
SCIM_TOKEN_PREFIX = "mmscim_"


def scim_token_digest(key: str) -> str:
    """What is stored for a key: keys are random, so a plain SHA-256 suffices (a slow
    password hash protects guessable secrets, not random ones)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ScimTokenQuerySet(models.QuerySet["ScimToken"]):
    def visible_to(self, user: Any) -> ScimTokenQuerySet:
        if user.is_superuser:
            return self
        return self.filter(organization_id=user.organization_id)


class ScimToken(BaseModel):
    """A bearer token with which one organization's directory provisions its people.

    The token names the organization: everything a request with it reads or writes is of
    that organization. Only the key's digest is kept; the key is shown once, when made.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Where it is used, e.g. “Entra ID provisioning”.")
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=16,
        editable=False,
        help_text=_("The key's last characters, to tell keys apart."),
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScimTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("SCIM token")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class DirectoryPerson(BaseModel):
    """A person as the organization's directory knows them.

    The directory's ``userName`` is kept as it was sent (the sign-in email is the User's),
    with the name parts, the email list, the external id and the person's manager. A
    person the directory deleted is kept (with their practice history) but is gone from
    SCIM: ``deprovisioned_at`` is set and every SCIM request about them is a 404.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="directory_entry")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="directory_people"
    )
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=255, blank=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    formatted_name = models.CharField(max_length=300, blank=True)
    display_name = models.CharField(max_length=150, blank=True)
    emails = models.JSONField(default=list, blank=True)
    # As the directory sent it ("de-CH"); the person's language is read from it.
    preferred_language = models.CharField(max_length=255, blank=True)
    manager = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="directory_reports"
    )
    deprovisioned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("user_name"),
                name="scim_directoryperson_user_name_unique_in_org",
            )
        ]

    def __str__(self) -> str:
        return self.user_name


class DirectoryTeam(BaseModel):
    """A team that comes from a directory group: its managers follow the directory (see
    ``services.directory_team_managers_sync``)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="directory_entry")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="directory_teams"
    )
    external_id = models.CharField(max_length=255, blank=True)
    deprovisioned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Directory group {self.team_id}"
