"""Which language a person reads: the one rule for pages, the API and every message.

A person's language is, most specific first: the one they chose on their account page, the
one their directory gives (SCIM ``preferredLanguage``, the single sign-on ``locale`` claim),
their browser's (on a page: the request's; for a message: as last seen), and finally their
organization's default. Messages are rendered in the recipient's language, never the
sender's: wrap their rendering in ``translation.override(person_language(recipient))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

if TYPE_CHECKING:
    from accounts.models import Organization, User

# Longer headers are not a browser's: parse only this much of them.
_ACCEPT_LANGUAGE_MAX = 500


def supported_language(tag: str | None) -> str:
    """Our code for a language tag ("de-AT", "fr_CA", "es-419"), or "" when we don't speak it."""
    if not tag:
        return ""
    try:
        return translation.get_supported_language_variant(tag.strip().replace("_", "-").lower())
    except LookupError:
        return ""


def browser_language(request: HttpRequest) -> str:
    """The first language the browser asks for that we speak, or ""."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:_ACCEPT_LANGUAGE_MAX]
    for tag, _quality in parse_accept_lang_header(header):
        if tag == "*":
            break
        language = supported_language(tag)
        if language:
            return language
    return ""


def organization_language(organization: Organization | None) -> str:
    return (organization.default_language if organization else "") or settings.LANGUAGE_CODE


def person_language(person: User) -> str:
    """The language of messages to ``person`` (emails, nudges, notifications, invitations)."""
    return (
        person.language
        or person.directory_language
        or person.browser_language
        or organization_language(person.organization)
    )


def remember_browser_language(*, person: User, request: HttpRequest) -> None:
    """Keep the browser's language of a person signing in, so that messages reach people who
    chose none in the language their pages were in. Written only when it changed."""
    seen = browser_language(request)
    if seen and seen != person.browser_language:
        person.browser_language = seen
        type(person).objects.filter(pk=person.pk).update(browser_language=seen)


def request_language(request: HttpRequest, person: User | None) -> str:
    """The language of the page answering ``request``, read by ``person`` when signed in."""
    if person is None:
        return browser_language(request) or settings.LANGUAGE_CODE
    return (
        person.language
        or person.directory_language
        or browser_language(request)
        or person.browser_language
        or organization_language(person.organization)
    )
