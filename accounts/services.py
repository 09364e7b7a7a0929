"""Writes to people, teams and organizations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organization, Team, User, normalize_email
from micromastery.common.errors import ApplicationError


def _raise_from(error: ValidationError) -> None:
    fields = error.message_dict if hasattr(error, "error_dict") else {}
    raise ApplicationError(" ".join(error.messages), fields=fields) from error


@transaction.atomic
def organization_upsert(
    *, slug: str, name: str, hourly_cost_rate: Decimal = Decimal("0"), currency: str = "EUR"
) -> Organization:
    organization, _ = Organization.objects.update_or_create(
        slug=slug,
        defaults={"name": name, "hourly_cost_rate": hourly_cost_rate, "currency": currency},
    )
    try:
        organization.full_clean()
    except ValidationError as error:
        _raise_from(error)
    return organization


@transaction.atomic
def user_upsert(
    *,
    organization: Organization,
    email: str,
    display_name: str,
    time_zone: str = "UTC",
    is_author: bool = False,
    is_org_admin: bool = False,
    password: str | None = None,
) -> User:
    """Create the person, or update them when the email is already known in this org.

    An email that belongs to another organization is refused: a person never moves
    between tenants by an upsert.
    """
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is not None and user.organization_id != organization.pk:
        raise ApplicationError(
            f"{email} already belongs to another organization.",
            fields={"email": ["This email belongs to another organization."]},
        )
    if user is None:
        user = User(email=email, organization=organization)
    user.display_name = display_name
    user.time_zone = time_zone
    user.is_author = is_author
    user.is_org_admin = is_org_admin
    if password is not None:
        user.set_password(password)
    elif not user.pk:
        user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        _raise_from(error)
    user.save()
    return user


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    display_name: str,
    time_zone: str,
    work_starts_at: time,
    work_ends_at: time,
    working_days: list[int],
) -> User:
    user.display_name = display_name
    user.time_zone = time_zone
    user.work_starts_at = work_starts_at
    user.work_ends_at = work_ends_at
    user.working_days = sorted(working_days)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        _raise_from(error)
    user.save(
        update_fields=[
            "display_name",
            "time_zone",
            "work_starts_at",
            "work_ends_at",
            "working_days",
        ]
    )
    return user


@transaction.atomic
def team_upsert(
    *,
    organization: Organization,
    name: str,
    managers: Iterable[User] = (),
    members: Iterable[User] = (),
) -> Team:
    """Create or update a team; managers and members must be of the team's organization."""
    managers, members = list(managers), list(members)
    outsiders = sorted(
        {person.email for person in managers + members if person.organization_id != organization.pk}
    )
    if outsiders:
        raise ApplicationError(
            f"Only people of {organization} can join its teams: {', '.join(outsiders)}."
        )
    team, _ = Team.objects.get_or_create(organization=organization, name=name)
    team.managers.set(managers)
    team.members.set(members)
    return team
