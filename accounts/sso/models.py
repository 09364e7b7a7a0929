from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from micromastery.common import encryption
from micromastery.common.models import BaseModel, BoundedTextField

# A host name with at least one dot: "acme.example", "eu.acme.example".
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_domain(value: str) -> str:
    """'@Acme.Example ' and 'acme.example' are the same domain."""
    return (value or "").strip().lstrip("@").rstrip(".").lower()


def email_domain(email: str) -> str:
    return normalize_domain(email.rpartition("@")[2]) if "@" in (email or "") else ""


class SingleSignOnQuerySet(models.QuerySet["SingleSignOn"]):
    def enabled(self) -> SingleSignOnQuerySet:
        return self.filter(is_enabled=True)

    def visible_to(self, user: Any) -> SingleSignOnQuerySet:
        if user.is_superuser:
            return self
        return self.filter(organization_id=user.organization_id)


class SingleSignOn(BaseModel):
    """An organization's OpenID Connect provider (Entra ID, Okta, Google Workspace, ...).

    People whose email is in one of ``domains``, or who already belong to the
    organization, are sent to the provider to sign in; a first sign-in creates them in
    this organization. The client secret is stored encrypted (``common.encryption``).
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    is_enabled = models.BooleanField(
        _("enabled"),
        default=True,
        help_text=_("Send the organization's people to this provider when they sign in."),
    )
    discovery_url = models.URLField(
        _("issuer or discovery URL"),
        max_length=500,
        help_text=_(
            "The provider's issuer, e.g. https://login.microsoftonline.com/TENANT-ID/v2.0; "
            "/.well-known/openid-configuration is added when missing."
        ),
    )
    client_id = models.CharField(_("client ID"), max_length=255)
    # A Fernet token of a secret of at most 1,000 characters fits well within this.
    client_secret_encrypted = BoundedTextField(max_length=4000, editable=False, blank=True)
    team_claim = models.CharField(
        _("team claim"),
        max_length=100,
        blank=True,
        help_text=_(
            "The ID token claim that names a person's team (e.g. department). "
            "Left empty, sign-in changes no team."
        ),
    )
    is_required = models.BooleanField(
        _("single sign-on required"),
        default=False,
        help_text=_(
            "Turns off password sign-in and password reset for the organization's "
            "people: they sign in only through the provider."
        ),
    )

    objects = SingleSignOnQuerySet.as_manager()

    class Meta:
        verbose_name = _("single sign-on")
        verbose_name_plural = _("single sign-on")

    def __str__(self) -> str:
        return f"Single sign-on of {self.organization}"

    @property
    def metadata_url(self) -> str:
        url = self.discovery_url.rstrip("/")
        suffix = "/.well-known/openid-configuration"
        return url if url.endswith(suffix) else url + suffix

    @property
    def client_secret(self) -> str:
        return encryption.decrypt(self.client_secret_encrypted)

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.client_secret_encrypted = encryption.encrypt(value)

    @property
    def callback_path(self) -> str:
        return reverse("sso_callback", kwargs={"slug": self.organization.slug})

    def domain_names(self) -> list[str]:
        return [domain.name for domain in self.domains.all()]

    def allows_email(self, email: str) -> bool:
        return email_domain(email) in self.domain_names()


class SingleSignOnDomain(models.Model):
    """An email domain whose people sign in through one organization's provider.

    A domain belongs to one organization at most, so an email never has two providers.
    """

    single_sign_on = models.ForeignKey(
        SingleSignOn, on_delete=models.CASCADE, related_name="domains"
    )
    name = models.CharField(
        _("email domain"), max_length=253, unique=True, help_text=_("e.g. acme.example")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("allowed email domain")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.name = normalize_domain(self.name)
        if not _DOMAIN.match(self.name):
            raise ValidationError(
                {"name": _("Enter a domain such as acme.example, without the part before @.")}
            )
        # Another provider's domains are refused by validate_unique, with their own message.
        owners = Organization.objects.listing_email_domain(self.name)
        if self.single_sign_on_id is not None:
            owners = owners.exclude(single_sign_on__pk=self.single_sign_on_id)
        if owners.exists():
            raise ValidationError(
                {
                    "name": _(
                        "Another organization owns this domain. Ask us to move it if it is yours."
                    )
                }
            )

    def validate_unique(self, exclude: Any = None) -> None:
        # The domain is normalized in clean(), which runs first; this message does not say
        # which organization holds it.
        if (
            SingleSignOnDomain.objects.filter(name=normalize_domain(self.name))
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError(
                {
                    "name": _(
                        "This domain already signs in through another provider. Ask us to "
                        "move it if it is yours."
                    )
                }
            )
        super().validate_unique(exclude=exclude)
