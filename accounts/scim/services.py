"""Writes of SCIM provisioning: tokens, and people and teams as the directory sends them.

People and teams are written through the accounts services, so the rules of who may join
an organization and a team hold here as everywhere; what SCIM adds is kept on
``DirectoryPerson`` and ``DirectoryTeam``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Organization, Team, User, normalize_email
from accounts.scim.errors import ScimProblem
from accounts.scim.models import (
    SCIM_TOKEN_BYTES,
    SCIM_TOKEN_PREFIX,
    DirectoryPerson,
    DirectoryTeam,
    ScimToken,
    scim_token_digest,
)
from micromastery.common.errors import ApplicationError

if TYPE_CHECKING:
    from scim2_models import Group

# last_used_at is refreshed at most this often, so that requests are not each a write.
SCIM_TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
# A directory sends a handful of addresses per person; more is a mistake, not data.
MAX_EMAILS = 10
MAX_EMAIL_LENGTH = 254
# The most members one group may name in one request.
MAX_MEMBERS = 20_000


# --- Tokens -----------------------------------------------------------------------------


@transaction.atomic
def scim_token_create(
    *, organization: Organization, name: str, by: User | None
) -> tuple[ScimToken, str]:
    """Make a token for the organization's directory; returns it and its key, shown once."""
    key = SCIM_TOKEN_PREFIX + secrets.token_hex(SCIM_TOKEN_BYTES)
    token = ScimToken(
        organization=organization,
        name=name.strip(),
        digest=scim_token_digest(key),
        hint=key[-4:],
        created_by=by,
    )
    try:
        token.full_clean()
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    token.save()
    return token, key


@transaction.atomic
def scim_token_revoke(*, token: ScimToken, now: datetime | None = None) -> ScimToken:
    """Stop a token from working; it stays listed, so an admin sees what was revoked when."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def scim_token_authenticate(*, key: str, now: datetime) -> ScimToken | None:
    """The live token for ``key`` with its organization, or None."""
    token = (
        ScimToken.objects.select_related("organization")
        .filter(digest=scim_token_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or token.last_used_at < now - SCIM_TOKEN_TOUCH_INTERVAL:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- People -----------------------------------------------------------------------------


def _invalid(message: str) -> ScimProblem:
    return ScimProblem(message, status=400, scim_type="invalidValue")


def _conflict(message: str) -> ScimProblem:
    return ScimProblem(message, status=409, scim_type="uniqueness")


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _sign_in_email(user_name: str, emails: list[dict[str, Any]]) -> str:
    """The address a person signs in with: ``userName`` when it is an email address (what
    Okta and Google send, and Entra ID's userPrincipalName usually is), else their primary
    email, else the first."""
    if _is_email(user_name):
        return normalize_email(user_name)
    ordered = sorted(emails, key=lambda email: not email.get("primary"))
    for email in ordered:
        if _is_email(email["value"]):
            return normalize_email(email["value"])
    raise _invalid(
        f"userName {user_name!r} is not an email address and no email of the person is: "
        "people sign in with their email, so send it as userName or in emails."
    )


def _refused_by_accounts(error: ApplicationError) -> ScimProblem:
    # The accounts services refuse an address only because someone else (in this or
    # another organization) holds it or its domain: that is SCIM's "uniqueness".
    if "email" in error.fields:
        return _conflict(error.message)
    return _invalid(error.message)


def _manager_of(organization: Organization, resource: Any, user: User | None) -> User | None:
    # Imported here: the admin imports this module in every process (web, worker, beat), and
    # scim2-models takes seconds to import; only SCIM requests need it.
    from scim2_models import EnterpriseUser

    extension = resource[EnterpriseUser]
    manager_id = extension.manager.value if extension and extension.manager else None
    if not manager_id:
        return None
    manager_id = str(manager_id)
    candidates = User.objects.for_organization(organization).exclude(
        directory_entry__deprovisioned_at__isnull=False
    )
    # The manager's SCIM id is what the specification asks for and what Entra ID sends.
    # Okta can only send its own id of the manager, which is the externalId it gave them
    # here; a userName or email names them as well.
    manager = (candidates.filter(pk=int(manager_id)).first() if manager_id.isdigit() else None) or (
        candidates.filter(
            Q(directory_entry__external_id=manager_id)
            | Q(directory_entry__user_name__iexact=manager_id)
            | Q(email__iexact=manager_id)
        )
        .order_by("pk")
        .first()
    )
    if manager is None:
        raise _invalid(f"manager.value {manager_id!r} names no person of this organization.")
    if user is not None and manager.pk == user.pk:
        raise _invalid("A person cannot be their own manager.")
    return manager


def _display_name(resource: Any, sign_in_email: str) -> str:
    if resource.display_name:
        return str(resource.display_name).strip()
    name = resource.name
    if name is not None:
        if name.formatted:
            return str(name.formatted).strip()
        joined = " ".join(part for part in (name.given_name, name.family_name) if part)
        if joined:
            return joined.strip()
    return sign_in_email.split("@")[0]


def _teams_around(user: User) -> QuerySet[Team]:
    """The teams whose directory managers a change to ``user`` may change: those they are
    in, those they manage, and those of the people who name them as manager."""
    return Team.objects.filter(
        Q(members=user) | Q(managers=user) | Q(members__directory_entry__manager=user)
    ).distinct()


@transaction.atomic
def person_save(*, organization: Organization, resource: Any, user: User | None = None) -> User:
    """Create a person from a SCIM User (``user`` None) or replace what the directory says
    about one: attributes the resource leaves out are cleared, except the time zone and
    ``active``, which stay as they are (people set their own time zone).

    A ``userName`` or email held in another organization, or an email at a domain another
    organization owns, is refused with ``uniqueness``; nothing is written then.
    """
    user_name = (resource.user_name or "").strip()
    if not user_name:
        raise _invalid("userName is required: send the person's sign-in email.")
    emails = [
        {key: value for key, value in email.model_dump(mode="json").items() if value is not None}
        for email in resource.emails or []
        if email.value
    ]
    if len(emails) > MAX_EMAILS:
        raise _invalid(f"A person has at most {MAX_EMAILS} emails here; {len(emails)} were sent.")
    if any(len(str(email["value"])) > MAX_EMAIL_LENGTH for email in emails):
        raise _invalid(f"An email address has at most {MAX_EMAIL_LENGTH} characters.")
    sign_in_email = _sign_in_email(user_name, emails)

    namesake = (
        DirectoryPerson.objects.select_for_update()
        .filter(organization=organization, user_name__iexact=user_name)
        .exclude(user=user)
        .first()
    )
    if namesake is not None and namesake.deprovisioned_at is None:
        raise _conflict(
            f"userName {user_name!r} is taken by the person with id {namesake.user_id}."
        )

    others = User.objects.exclude(pk=user.pk) if user else User.objects.all()
    holder = others.filter(email=sign_in_email).first()
    if holder is not None and holder.organization_id != organization.pk:
        raise _conflict(f"{sign_in_email} belongs to a person of another organization.")
    if user is None and holder is not None:
        entry = DirectoryPerson.objects.filter(user=holder).first()
        if entry is None or entry.deprovisioned_at is None:
            raise _conflict(
                f"{sign_in_email} is already a person of this organization, with id "
                f'{holder.pk}: find them with filter=userName eq "{sign_in_email}".'
            )
        # The directory deleted this person earlier and now sends them again (a rehire):
        # they come back with their history.
        user = holder
    elif holder is not None:
        raise _conflict(f"{sign_in_email} is the email of another person, with id {holder.pk}.")
    if namesake is not None:
        # The name was left behind by a person the directory deleted; it is free again.
        namesake.delete()

    manager = _manager_of(organization, resource, user)
    display_name = _display_name(resource, sign_in_email)
    time_zone = resource.timezone or (user.time_zone if user else "UTC")
    try:
        if user is not None:
            accounts_services.user_change_email(user=user, email=sign_in_email)
        user = accounts_services.user_upsert(
            organization=organization,
            email=sign_in_email,
            display_name=display_name,
            time_zone=time_zone,
            is_author=user.is_author if user else False,
            is_org_admin=user.is_org_admin if user else False,
        )
    except ApplicationError as error:
        raise _refused_by_accounts(error) from error

    entry, _ = DirectoryPerson.objects.get_or_create(
        user=user, defaults={"organization": organization, "user_name": user_name}
    )
    name = resource.name
    entry.user_name = user_name
    entry.external_id = resource.external_id or ""
    entry.given_name = (name.given_name if name else None) or ""
    entry.family_name = (name.family_name if name else None) or ""
    entry.formatted_name = (name.formatted if name else None) or ""
    entry.display_name = (resource.display_name or "").strip()
    entry.preferred_language = (resource.preferred_language or "").strip()
    entry.emails = emails
    entry.manager = manager
    entry.deprovisioned_at = None
    try:
        entry.full_clean()
    except ValidationError as error:
        raise _invalid(ApplicationError.from_validation_error(error).message) from error
    entry.save()

    if resource.active is False and user.is_active:
        accounts_services.user_deactivate(user=user)
    elif resource.active is True and not user.is_active:
        accounts_services.user_reactivate(user=user)
    accounts_services.user_set_directory_language(user=user, language_tag=entry.preferred_language)
    directory_team_managers_sync(teams=_teams_around(user))
    return user


@transaction.atomic
def person_deprovision(*, user: User, now: datetime | None = None) -> None:
    """What a directory's DELETE does: the person is deactivated (their practice history
    stays) and is gone from SCIM; the directory may send them again later."""
    if user.is_active:
        accounts_services.user_deactivate(user=user)
    assert user.organization is not None
    entry, _ = DirectoryPerson.objects.get_or_create(
        user=user, defaults={"organization": user.organization, "user_name": user.email}
    )
    entry.deprovisioned_at = now or timezone.now()
    entry.save(update_fields=["deprovisioned_at", "updated_at"])
    directory_team_managers_sync(teams=_teams_around(user))


# --- Teams ------------------------------------------------------------------------------


def directory_team_managers_sync(*, teams: Iterable[Team]) -> None:
    """The rule for managers of teams from the directory: the managers of a directory team
    are the managers its active members have in the directory (the enterprise extension's
    ``manager``). A team not from the directory keeps the managers set by hand."""
    for team in Team.objects.filter(
        pk__in=[team.pk for team in teams], directory_entry__isnull=False
    ):
        managers = User.objects.filter(
            is_active=True,
            directory_reports__user__is_active=True,
            directory_reports__user__teams=team,
        ).distinct()
        team.managers.set(managers)


def _members_of(organization: Organization, resource: Group) -> list[User]:
    ids = [str(member.value) for member in resource.members or [] if member.value]
    if len(ids) > MAX_MEMBERS:
        raise _invalid(f"A group holds at most {MAX_MEMBERS} members per request.")
    wanted = {int(value) for value in ids if value.isdigit()}
    members = list(
        User.objects.for_organization(organization)
        .filter(pk__in=wanted)
        .exclude(directory_entry__deprovisioned_at__isnull=False)
    )
    unknown = sorted(set(ids) - {str(member.pk) for member in members})
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise _invalid(f"members name no person of this organization: {shown}.")
    return members


@transaction.atomic
def team_save(*, organization: Organization, resource: Group, team: Team | None = None) -> Team:
    """Create a team from a SCIM Group (``team`` None) or replace its name and members."""
    name = (resource.display_name or "").strip()
    if not name:
        raise _invalid("displayName is required: it is the team's name.")
    members = _members_of(organization, resource)
    other_teams = Team.objects.exclude(pk=team.pk) if team else Team.objects.all()
    namesake = (
        other_teams.select_for_update(of=("self",))
        .filter(organization=organization, name=name)
        .select_related("directory_entry")
        .first()
    )
    if namesake is not None:
        entry = getattr(namesake, "directory_entry", None)
        if team is None and entry is not None and entry.deprovisioned_at is not None:
            # The directory deleted this group earlier and sends it again.
            team = namesake
        else:
            raise _conflict(
                f"This organization already has a team named {name!r} (id {namesake.pk})."
            )
    try:
        if team is not None:
            accounts_services.team_rename(team=team, name=name)
        team = accounts_services.team_upsert(
            organization=organization,
            name=name,
            managers=team.managers.all() if team else (),
            members=members,
        )
    except ApplicationError as error:
        raise _invalid(error.message) from error
    DirectoryTeam.objects.update_or_create(
        team=team,
        defaults={
            "organization": organization,
            "external_id": resource.external_id or "",
            "deprovisioned_at": None,
        },
    )
    directory_team_managers_sync(teams=[team])
    # Membership lives in another table: mark the team changed for meta.lastModified.
    team.save(update_fields=["updated_at"])
    return team


@transaction.atomic
def team_deprovision(*, team: Team, now: datetime | None = None) -> None:
    """What a directory's DELETE of a group does: the team stays in the app (its cohorts
    and dashboards keep their history) and is gone from SCIM."""
    DirectoryTeam.objects.update_or_create(
        team=team,
        defaults={"organization": team.organization, "deprovisioned_at": now or timezone.now()},
    )
