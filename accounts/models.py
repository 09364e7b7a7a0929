from __future__ import annotations

import hashlib
import re
import zoneinfo
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from accounts.working_hours import working_hours_problem
from micromastery.common.models import BaseModel

# Django's own weekday names (translated), by ISO number: 1 is Monday.
ISO_WEEKDAYS = {number + 1: name for number, name in WEEKDAYS.items()}


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _(
                "“%(value)s” is not a time zone. Use a name such as Europe/Berlin or "
                "America/New_York."
            ),
            params={"value": value},
            code="invalid_time_zone",
        )


def validate_working_days(value: Any) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(not isinstance(day, int) or day not in ISO_WEEKDAYS for day in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(_("Choose at least one working day."), code="invalid_working_days")


def default_working_days() -> list[int]:
    return [1, 2, 3, 4, 5]


# How far back a streak is counted: callers fetch the practice days of this window.
STREAK_HORIZON_DAYS = 400


class OrganizationQuerySet(models.QuerySet["Organization"]):
    """Which organizations a user sees is a policy: accounts.policies."""

    def owning_email_domain(self, email: str) -> OrganizationQuerySet:
        """The organizations that own the domain of ``email``.

        An organization owns the domains a superuser listed for it and the domains its
        single sign-on accepts: either way, people of that domain belong there only.
        """
        domain = normalize_email(email).rpartition("@")[2]
        if not domain:
            return self.none()
        return (
            self.listing_email_domain(domain) | self.filter(single_sign_on__domains__name=domain)
        ).distinct()

    def listing_email_domain(self, domain: str) -> OrganizationQuerySet:
        """The organizations whose own list of domains (set by a superuser) has ``domain``."""
        # Domains are stored lower-case, separated by single spaces, with one space at each
        # end (see ``Organization.clean``), so a whole domain is found by a substring.
        return self.filter(email_domains__contains=f" {domain} ")


EMAIL_DOMAIN_RE = r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class Organization(BaseModel):
    """The tenant: every customer row is reachable from exactly one organization."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    hourly_cost_rate = models.DecimalField(
        _("hourly cost rate"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Average loaded cost of one hour of an employee's time, used to turn "
            "time saved into money on the payoff dashboard."
        ),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[
            RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code such as EUR."))
        ],
    )
    email_domains = models.CharField(
        _("email domains"),
        max_length=1000,
        blank=True,
        # Also a database default: rows written without the column (older code during a
        # deploy, raw inserts) own no domain.
        default="",
        db_default="",
        help_text=_(
            "The email domains this organization owns, separated by spaces (e.g. "
            "acme.example acme-logistics.example). People at these domains can join no other "
            "organization, by directory provisioning or by hand. Set by the platform team."
        ),
    )
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "The language of people who chose none and whose browser asks for none we "
            "speak, and of messages to people who never opened a page."
        ),
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def email_domain_list(self) -> list[str]:
        return self.email_domains.split()

    def clean(self) -> None:
        super().clean()
        domains = list(dict.fromkeys(self.email_domains.lower().replace(",", " ").split()))
        wrong = [domain for domain in domains if not re.match(EMAIL_DOMAIN_RE, domain)]
        if wrong:
            raise ValidationError(
                {
                    "email_domains": f"Not a domain name: {', '.join(wrong)}. Write domains "
                    "such as acme.example, separated by spaces."
                }
            )
        taken = sorted(
            domain
            for domain in domains
            if Organization.objects.owning_email_domain(f"@{domain}").exclude(pk=self.pk).exists()
        )
        if taken:
            raise ValidationError(
                {"email_domains": f"Another organization owns {', '.join(taken)} already."}
            )
        self.email_domains = f" {' '.join(domains)} " if domains else ""


class UserQuerySet(models.QuerySet["User"]):
    def for_organization(self, organization: Organization) -> UserQuerySet:
        return self.filter(organization=organization)


class UserManager(BaseUserManager["User"]):
    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def for_organization(self, organization: Organization) -> UserQuerySet:
        return self.get_queryset().for_organization(organization)

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are stored lower-cased; people type them any way they like.
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("display_name", email.split("@")[0])
        fields["is_superuser"] = True
        return self.create_user(email, password, **fields)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A person of one organization. Everyone is a learner; roles add to that.

    - author: builds the organization's micromasteries in the admin;
    - org admin: manages the organization's people and teams in the admin;
    - manager: of the teams listed in ``Team.managers`` (no flag: it is per team).

    A superuser belongs to no organization and sees all of them.
    """

    email = models.EmailField(_("email"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("organization"),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    work_starts_at = models.TimeField(_("working hours start"), default=time(9, 0))
    work_ends_at = models.TimeField(_("working hours end"), default=time(17, 0))
    working_days = models.JSONField(
        _("working days"),
        default=default_working_days,
        validators=[validate_working_days],
        help_text=_("ISO weekdays, 1 is Monday."),
    )
    # A person's language, most specific first (accounts.languages.person_language): their
    # own choice, their directory's (SCIM preferredLanguage, the sign-in's locale claim), the
    # browser's as last seen; empty when unknown.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_("Empty: the person's directory or browser decides, else the organization's."),
    )
    directory_language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, blank=True, default="", editable=False
    )
    browser_language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, blank=True, default="", editable=False
    )
    is_author = models.BooleanField(
        _("author"),
        default=False,
        help_text=_("Builds the organization's micromasteries in the admin."),
    )
    is_org_admin = models.BooleanField(
        _("organization admin"),
        default=False,
        help_text=_("Manages the organization's people and teams in the admin."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                # A night shift ends before it starts (22:00-06:00); only an empty day is
                # refused.
                condition=~models.Q(work_ends_at=models.F("work_starts_at")),
                name="accounts_user_working_hours_not_empty",
                violation_error_message=_("Working hours must start and end at different times."),
            ),
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(organization__isnull=False),
                name="accounts_user_has_organization",
                violation_error_message=_(
                    "Everyone but a platform superuser belongs to an organization."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)
        problem = working_hours_problem(self.work_starts_at, self.work_ends_at)
        if problem:
            raise ValidationError({"work_ends_at": problem})

    @property
    def is_staff(self) -> bool:
        """Admin access follows the roles: there is no separate staff flag to keep in sync."""
        return self.is_active and (self.is_superuser or self.is_author or self.is_org_admin)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def working_weekdays(self) -> frozenset[int]:
        """The ISO weekdays the person works (1 is Monday); Monday to Friday if none are set."""
        return frozenset(self.working_days or default_working_days())

    def streak(self, *, practised: Collection[date], today: date) -> int:
        """Consecutive working days up to ``today`` (in the person's zone) with practice.

        Days off neither count nor break a streak, and today does not break it before it
        is over: a streak stands until a whole working day passes without practice.
        """
        working = self.working_weekdays
        streak = 0
        day = today if today in practised else today - timedelta(days=1)
        for _day in range(STREAK_HORIZON_DAYS):
            if day in practised:
                streak += 1
            elif day.isoweekday() in working:
                break
            day -= timedelta(days=1)
        return streak

    def streak_breaks_at(self, last_practised: date) -> datetime:
        """When a streak whose latest practice was on ``last_practised`` breaks: at the end
        (midnight in the person's zone) of the next working day, if it passes without
        practice. Until then :meth:`streak` still counts it."""
        day = last_practised + timedelta(days=1)
        while day.isoweekday() not in self.working_weekdays:
            day += timedelta(days=1)
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name.split(" ")[0] if self.display_name else self.email


class TeamQuerySet(models.QuerySet["Team"]):
    def for_organization(self, organization: Organization) -> TeamQuerySet:
        return self.filter(organization=organization)

    def managed_by(self, user: User) -> TeamQuerySet:
        return self.filter(managers=user)


class Team(BaseModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=150)
    managers = models.ManyToManyField(
        User, related_name="managed_teams", blank=True, verbose_name=_("managers")
    )
    members = models.ManyToManyField(
        User, related_name="teams", blank=True, verbose_name=_("members")
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="accounts_team_name_unique_in_org",
                violation_error_message=_("This organization already has a team with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class PeopleImportQuerySet(models.QuerySet["PeopleImport"]):
    """Who sees an import is a policy: accounts.policies."""


class PeopleImport(BaseModel):
    """An uploaded people CSV, kept server-side between its preview and its confirmation.

    The parsed rows live here rather than in the browser, so what is confirmed is exactly
    what was previewed, and a second confirmation (a double click) finds ``applied_at`` set
    and changes nothing.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="people_imports"
    )
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    file_name = models.CharField(max_length=255)
    rows = models.JSONField(help_text=_("The file's rows as parsed at upload time."))
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("How many people were created, updated, unchanged."),
    )

    objects = PeopleImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("people import")
        verbose_name_plural = _("people imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.organization})"


# Keys are 40 hexadecimal characters, as DRF's were, so clients see no change of format.
API_TOKEN_KEY_BYTES = 20
_API_TOKEN_CREDENTIALS_SALT = "accounts.ApiToken.credentials"


def api_token_digest(key: str) -> str:
    """What is stored for a key: a key is 160 random bits, so a plain SHA-256 suffices
    (a slow password hash protects guessable secrets, not random ones)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_credentials(*, password: str, organization_id: int | None, secret: Any = None) -> str:
    """The fingerprint of what a token was issued for: the password and the organization.

    Any new password (``set_password`` from any page, service or shell) or any move to
    another organization changes it, which retires every token issued before. An HMAC
    keyed with the secret key, as Django's session auth hash is, so the stored value says
    nothing about the password hash even to someone who reads the table.
    """
    return salted_hmac(
        _API_TOKEN_CREDENTIALS_SALT,
        f"{password}\x00{organization_id or ''}",
        secret=secret,
        algorithm="sha256",
    ).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def idle_since(self, cutoff: datetime) -> ApiTokenQuerySet:
        return self.filter(last_used_at__lt=cutoff)


class ApiToken(models.Model):
    """A key for ``Authorization: Token <key>``, one per sign-in through the API.

    Only the key's digest is stored, so the table never holds a usable key. A token is
    accepted while its person is active, it was used within ``API_TOKEN_IDLE_DAYS``, and
    ``credentials`` still match the person's password and organization: the check runs
    on every request, so no path that changes a password has to remember to revoke
    tokens. Deactivating or moving a person also deletes their tokens outright
    (``services.api_tokens_revoke_all``), so that a later reactivation does not revive one.
    """

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    credentials = models.CharField(
        max_length=64,
        help_text=_("Fingerprint of the password and organization it was issued for."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        ordering = ["-last_used_at"]

    def __str__(self) -> str:
        return f"API token of {self.user_id} from {self.created_at:%Y-%m-%d %H:%M}"

    def matches_credentials_of(self, user: User) -> bool:
        # Like Django's sessions, a token outlives a secret key rotation through
        # SECRET_KEY_FALLBACKS.
        return any(
            constant_time_compare(
                self.credentials,
                api_token_credentials(
                    password=user.password, organization_id=user.organization_id, secret=secret
                ),
            )
            for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        )
