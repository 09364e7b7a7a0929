"""Writes of single sign-on: the person a provider vouches for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from accounts import services as accounts_services
from accounts.models import Team, User, normalize_email
from accounts.sso.models import SingleSignOn
from micromastery.common.errors import ApplicationError
from micromastery.common.models import max_length_of

# A team claim may be a list (groups); a person joins at most this many teams from it.
MAX_TEAMS_FROM_CLAIM = 20


def _team_names(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    limit = max_length_of(Team, "name")
    names = [str(item).strip()[:limit] for item in values if isinstance(item, str | int)]
    return list(dict.fromkeys(name for name in names if name))[:MAX_TEAMS_FROM_CLAIM]


@transaction.atomic
def sso_person_sign_in(*, single_sign_on: SingleSignOn, claims: Mapping[str, Any]) -> User:
    """The person of ``single_sign_on``'s organization that the verified ID token names.

    A first sign-in creates them in that organization, never in another; an email of
    another organization, or outside the allowed domains, is refused and nothing is
    written. When a team claim is configured, the person joins the team it names
    (created if need be); teams are only added, never taken away, so teams an org
    admin arranges by hand stay as they are.
    """
    organization = single_sign_on.organization
    email = normalize_email(str(claims.get("email") or ""))
    if not email:
        raise ApplicationError(
            gettext(
                "Your company's sign-in did not tell us your email address. Ask your "
                "organization's admin to release the email claim to Micromastery."
            )
        )
    if claims.get("email_verified") is False:
        raise ApplicationError(
            gettext(
                "Your company's sign-in has not verified %(email)s. Verify it there and try again."
            )
            % {"email": email}
        )
    if not single_sign_on.allows_email(email):
        raise ApplicationError(
            gettext(
                "%(email)s is not an address of %(organization)s, so it cannot sign in through "
                "its single sign-on. Sign in with your work email, or ask your organization's "
                "admin to add its domain."
            )
            % {"email": email, "organization": organization}
        )
    person = User.objects.select_for_update().filter(email=email).first()
    if person is not None and person.organization_id != organization.pk:
        raise ApplicationError(
            gettext(
                "%(email)s already has an account with another organization, so it cannot sign "
                "in through the single sign-on of %(organization)s. Ask your organization's admin."
            )
            % {"email": email, "organization": organization}
        )
    if person is not None and not person.is_active:
        raise ApplicationError(
            gettext("This account is deactivated. Ask your organization's admin to reactivate it.")
        )
    if person is None:
        name = str(claims.get("name") or "").strip() or email.split("@")[0]
        person = accounts_services.user_upsert(
            organization=organization,
            email=email,
            display_name=name[: max_length_of(User, "display_name")],
        )
    # OpenID Connect's standard claim for the person's language (BCP 47, "de-DE").
    if "locale" in claims:
        accounts_services.user_set_directory_language(
            user=person, language_tag=str(claims.get("locale") or "")[:255]
        )
    if single_sign_on.team_claim:
        for team_name in _team_names(claims.get(single_sign_on.team_claim)):
            team, _ = Team.objects.get_or_create(organization=organization, name=team_name)
            team.members.add(person)
    return person
