"""Writes to people, teams and organizations."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, ngettext

from accounts.extensions import deactivation_hooks
from accounts.languages import person_language, supported_language
from accounts.models import (
    API_TOKEN_KEY_BYTES,
    ApiToken,
    Organization,
    PeopleImport,
    Team,
    User,
    api_token_credentials,
    api_token_digest,
    normalize_email,
)
from accounts.people_import import (
    OTHER_ORGANIZATION_EMAIL,
    ImportRow,
    people_import_plan,
    users_by_email,
)
from accounts.tokens import INVITATION_MAX_AGE, invitation_token_generator
from micromastery.common.errors import ApplicationError, refuse_invalid_fields
from micromastery.common.outbox import MessageKind, OutgoingEmail, emails_enqueue

logger = logging.getLogger(__name__)


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
        raise ApplicationError.from_validation_error(error) from error
    return organization


def refuse_email_of_other_organization(*, organization: Organization, email: str) -> None:
    """An address at a domain another organization owns never joins this one."""
    owner = Organization.objects.owning_email_domain(email).exclude(pk=organization.pk).first()
    if owner is not None:
        message = (
            f"{email} is at an email domain of another organization: people of that "
            "domain can only join that organization."
        )
        raise ApplicationError(message, fields={"email": [message]})


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
    language: str | None = None,
) -> User:
    """Create the person, or update them when the email is already known in this org.

    An email that belongs to another organization is refused: a person never moves
    between tenants by an upsert.
    """
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is not None and user.organization_id != organization.pk:
        raise ApplicationError(
            gettext("%(email)s already belongs to another organization.") % {"email": email},
            fields={"email": [str(OTHER_ORGANIZATION_EMAIL)]},
        )
    refuse_email_of_other_organization(organization=organization, email=email)
    if user is None:
        user = User(email=email, organization=organization)
    user.display_name = display_name
    user.time_zone = time_zone
    user.is_author = is_author
    user.is_org_admin = is_org_admin
    if language is not None:
        user.language = language
    if password is not None:
        user.set_password(password)
    elif not user.pk:
        user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    user.save()
    return user


@transaction.atomic
def user_set_directory_language(*, user: User, language_tag: str | None) -> None:
    """Keep the language the directory gives (SCIM preferredLanguage, a sign-in's locale).

    A tag we don't speak ("ja-JP") clears it, so the person's browser decides instead.
    """
    language = supported_language(language_tag)
    if user.directory_language != language:
        user.directory_language = language
        user.save(update_fields=["directory_language"])


def user_update_profile(
    *,
    user: User,
    display_name: str,
    time_zone: str,
    work_starts_at: time,
    work_ends_at: time,
    working_days: list[int],
    language: str,
) -> User:
    user.display_name = display_name
    user.language = language
    user.time_zone = time_zone
    user.work_starts_at = work_starts_at
    user.work_ends_at = work_ends_at
    user.working_days = sorted(working_days)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    user.save(
        update_fields=[
            "display_name",
            "time_zone",
            "work_starts_at",
            "work_ends_at",
            "working_days",
            "language",
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
            gettext("Only people of %(organization)s can join its teams: %(people)s.")
            % {"organization": organization, "people": ", ".join(outsiders)}
        )
    refuse_invalid_fields(Team(organization=organization, name=name), ["name"])
    team, _ = Team.objects.get_or_create(organization=organization, name=name)
    team.managers.set(managers)
    team.members.set(members)
    return team


@transaction.atomic
def team_rename(*, team: Team, name: str) -> Team:
    """Give a team a new name, unique in its organization."""
    if name == team.name:
        return team
    team.name = name
    refuse_invalid_fields(team, ["name"])
    if (
        Team.objects.filter(organization_id=team.organization_id, name=name)
        .exclude(pk=team.pk)
        .exists()
    ):
        message = gettext("%(organization)s already has a team named %(name)s.") % {
            "organization": team.organization,
            "name": name,
        }
        raise ApplicationError(message, fields={"name": [message]})
    team.save(update_fields=["name", "updated_at"])
    return team


@transaction.atomic
def people_import_create(
    *, organization: Organization, uploaded_by: User, file_name: str, rows: Sequence[ImportRow]
) -> PeopleImport:
    """Keep a parsed file until it is confirmed; it changes no person or team yet."""
    if not rows:
        raise ApplicationError(
            gettext(
                "The file has a header but no people. Add one line per person below the header."
            )
        )
    return PeopleImport.objects.create(
        organization=organization,
        uploaded_by=uploaded_by,
        file_name=file_name[:255],
        rows=[row.as_dict() for row in rows],
    )


@dataclass(frozen=True)
class PeopleImportResult:
    created: int
    updated: int
    unchanged: int
    teams_created: int
    already_applied: bool = False


@transaction.atomic
def people_import_apply(*, people_import: PeopleImport, by: User) -> PeopleImportResult:
    """Apply a previewed import in one transaction, then invite the new people.

    The plan is made again against the current data, so what is applied is what the
    preview would show now; if any row is rejected nothing is written. Applying the same
    import twice (a double click) returns the first result and writes and sends nothing.
    Re-importing the same file as a new import finds every row unchanged.
    """
    locked = PeopleImport.objects.select_for_update().get(pk=people_import.pk)
    if locked.applied_at is not None:
        return PeopleImportResult(**locked.result, already_applied=True)
    organization = locked.organization
    plan = people_import_plan(
        organization=organization, rows=[ImportRow.from_dict(row) for row in locked.rows]
    )
    rejected = plan.rejected_rows
    if rejected:
        lines = ", ".join(str(row.line) for row in rejected[:20])
        if len(rejected) > 20:
            lines = gettext("%(lines)s and %(count)d more") % {
                "lines": lines,
                "count": len(rejected) - 20,
            }
        raise ApplicationError(
            ngettext(
                "Nothing was imported: %(count)d line needs fixing first (line %(lines)s). "
                "Correct the file and upload it again.",
                "Nothing was imported: %(count)d lines need fixing first (line %(lines)s). "
                "Correct the file and upload it again.",
                len(rejected),
            )
            % {"count": len(rejected), "lines": lines}
        )

    new_teams = [
        Team(organization=organization, name=name) for name in plan.teams_to_create.values()
    ]
    new_people = []
    for row in plan.people_to_create:
        person = User(
            organization=organization,
            email=row.email,
            display_name=row.name,
            time_zone=row.time_zone,
        )
        # New people choose their password through the invitation link.
        person.set_unusable_password()
        new_people.append(person)
    changed_people = []
    for row in plan.people_to_update:
        person = plan.users[row.email]
        person.display_name = row.name
        person.time_zone = row.time_zone
        changed_people.append(person)
    try:
        Team.objects.bulk_create(new_teams)
        User.objects.bulk_create(new_people)
        if changed_people:
            User.objects.bulk_update(changed_people, ["display_name", "time_zone"])
    except IntegrityError as error:
        raise ApplicationError(
            gettext(
                "Someone changed these people or teams while you were looking at the preview. "
                "Upload the file again to see the current changes."
            )
        ) from error

    teams = dict(plan.teams)
    teams.update({key: team for key, team in zip(plan.teams_to_create, new_teams, strict=True)})
    people = dict(plan.users)
    people.update({person.email: person for person in new_people})
    if any(person.pk is None for person in new_people):
        # Databases that cannot return the new ids from a bulk insert.
        people.update(users_by_email(person.email for person in new_people))
    Team.members.through.objects.bulk_create(
        [
            Team.members.through(team_id=teams[key].pk, user_id=people[email].pk)
            for key, email in plan.memberships_to_add
        ],
        ignore_conflicts=True,
    )
    Team.managers.through.objects.bulk_create(
        [
            Team.managers.through(team_id=teams[key].pk, user_id=people[email].pk)
            for key, email in plan.managerships_to_add
        ],
        ignore_conflicts=True,
    )

    counts = plan.counts
    result = PeopleImportResult(
        created=counts["create"],
        updated=counts["update"],
        unchanged=counts["unchanged"],
        teams_created=len(new_teams),
    )
    locked.applied_at = timezone.now()
    locked.applied_by = by
    locked.result = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "teams_created": result.teams_created,
    }
    locked.save(update_fields=["applied_at", "applied_by", "result", "updated_at"])
    new_ids = [people[person.email].pk for person in new_people]
    if new_ids:
        # After the commit, and apart from it: the import's own queries stay the same
        # however many people it invites.
        transaction.on_commit(partial(invitation_send_many, user_ids=new_ids))
    return result


def invitation_link(*, user: User) -> str:
    path = reverse(
        "accounts:invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def invitation_send_many(*, user_ids: Sequence[int]) -> int:
    """Hand each person an invitation to choose their password to the outbox; a worker
    delivers it. Called once the import has committed, so nobody is invited to an account
    that was rolled back. Returns how many were enqueued."""
    people = list(
        User.objects.filter(pk__in=user_ids, is_active=True).select_related("organization")
    )
    emails = []
    for person in people:
        context = {
            "person": person,
            "organization": person.organization,
            "link": invitation_link(user=person),
            "days": INVITATION_MAX_AGE.days,
            "sign_in_url": f"{settings.SITE_URL}{reverse('login')}",
        }
        # Each in their own language, whoever ran the import.
        with translation.override(person_language(person)):
            emails.append(
                OutgoingEmail(
                    recipient_id=person.pk,
                    to=person.email,
                    kind=MessageKind.PEOPLE_INVITATION,
                    key=f"people-invitation:{person.pk}",
                    subject=render_to_string("accounts/email/invitation_subject.txt", context),
                    text=render_to_string("accounts/email/invitation.txt", context),
                    html=render_to_string("accounts/email/invitation.html", context),
                )
            )
    return emails_enqueue(emails=emails)


@transaction.atomic
def invitation_accept(*, user: User, token: str, password: str) -> User:
    """Set the invited person's password; the link is spent by doing so."""
    if not user.is_active or not invitation_token_generator.check_token(user, token):
        raise ApplicationError(
            gettext(
                "This invitation link no longer works: it was used already or it is more than "
                "%(days)d days old."
            )
            % {"days": INVITATION_MAX_AGE.days}
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


# --- API tokens ---------------------------------------------------------------------------

# Each sign-in through the API makes a token of its own (a phone, a script); a person keeps
# this many, and signing in once more retires the one used least recently.
API_TOKENS_PER_PERSON = 10
# last_used_at is refreshed at most this often, so that requests are not each a write.
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
API_TOKEN_SWEEP_BATCH = 1000


def api_token_idle_cutoff(*, now: datetime) -> datetime:
    return now - timedelta(days=settings.API_TOKEN_IDLE_DAYS)


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """Make a new token for a person who just proved their password; returns its key.

    The key is shown once: only its digest is kept, so a lost key is replaced by signing
    in again, never read back.
    """
    if not user.is_active:
        raise ApplicationError(gettext("This account is deactivated: it cannot sign in."))
    key = secrets.token_hex(API_TOKEN_KEY_BYTES)
    ApiToken.objects.create(
        digest=api_token_digest(key),
        user=user,
        credentials=api_token_credentials(
            password=user.password, organization_id=user.organization_id
        ),
    )
    kept = ApiToken.objects.filter(user=user).order_by("-last_used_at", "-pk")
    ApiToken.objects.filter(user=user).exclude(
        pk__in=list(kept.values_list("pk", flat=True)[:API_TOKENS_PER_PERSON])
    ).delete()
    return key


def api_token_authenticate(*, key: str, now: datetime) -> ApiToken | None:
    """The token for ``key`` with its person, or None when the key no longer opens anything.

    A token whose person was deactivated, changed password, moved organization or left it
    unused for ``API_TOKEN_IDLE_DAYS`` is deleted on the way, so it can never come back.
    """
    token = (
        ApiToken.objects.select_related("user", "user__organization")
        .filter(digest=api_token_digest(key))
        .first()
    )
    if token is None:
        return None
    if (
        not token.user.is_active
        or token.last_used_at < api_token_idle_cutoff(now=now)
        or not token.matches_credentials_of(token.user)
    ):
        token.delete()
        return None
    if token.last_used_at < now - API_TOKEN_TOUCH_INTERVAL:
        # A conditional update: concurrent requests with the same key write once.
        ApiToken.objects.filter(
            pk=token.pk, last_used_at__lt=now - API_TOKEN_TOUCH_INTERVAL
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    """Sign out one token (the client's own sign-out)."""
    ApiToken.objects.filter(pk=token.pk).delete()


def api_tokens_revoke_all(*, user: User) -> int:
    """Delete every token of a person who was deactivated or left their organization."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_tokens_delete_idle(*, now: datetime) -> int:
    """Delete tokens nobody used within ``API_TOKEN_IDLE_DAYS``, in bounded batches.

    They open nothing any more (``api_token_authenticate`` refuses them); this only keeps
    the table small. Returns how many went.
    """
    cutoff = api_token_idle_cutoff(now=now)
    deleted = 0
    while True:
        batch = list(
            ApiToken.objects.idle_since(cutoff).values_list("pk", flat=True)[:API_TOKEN_SWEEP_BATCH]
        )
        if not batch:
            return deleted
        deleted += ApiToken.objects.filter(pk__in=batch).delete()[0]


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Close a person's account: they can no longer sign in, their API tokens go, and
    whatever registered in ``deactivation_hooks`` follows (planned nudges are cancelled).

    Their practice history stays with the organization.
    """
    user.is_active = False
    user.save(update_fields=["is_active"])
    api_tokens_revoke_all(user=user)
    for hook in deactivation_hooks:
        hook(user)
    return user


@transaction.atomic
def user_reactivate(*, user: User) -> User:
    """Open a deactivated account again; the person signs in with their old password (or
    sets one through a password link) and nudges are planned for them again."""
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_change_email(*, user: User, email: str) -> User:
    """Give a person a new sign-in email, under the same rules as a new person's."""
    email = normalize_email(email)
    if email == user.email:
        return user
    assert user.organization is not None
    refuse_email_of_other_organization(organization=user.organization, email=email)
    if User.objects.filter(email=email).exclude(pk=user.pk).exists():
        message = gettext("%(email)s is already the email of someone else.") % {"email": email}
        raise ApplicationError(message, fields={"email": [message]})
    user.email = email
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    user.save(update_fields=["email"])
    # The old address no longer names this person: tokens issued to it go.
    api_tokens_revoke_all(user=user)
    return user
