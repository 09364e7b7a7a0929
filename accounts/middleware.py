from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from accounts.languages import request_language
from accounts.models import User


class UserTimezoneMiddleware:
    """Show every time in the signed-in person's own time zone (times are stored in UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class UserLanguageMiddleware:
    """Speak each person's language (accounts.languages) on every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        person = user if isinstance(user, User) and user.is_authenticated else None
        language = request_language(request, person)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
            # The API activates a token holder's language once it knows who they are.
            language = translation.get_language() or language
        finally:
            translation.deactivate()
        if isinstance(response, StreamingHttpResponse):
            # Streamed content (CSV exports) is produced after this returns.
            response.streaming_content = _in_language(response.streaming_content, language)
        # Caches must keep one copy per language of pages that follow the browser's.
        patch_vary_headers(response, ["Accept-Language"])
        response.headers.setdefault("Content-Language", language)
        return response


def _in_language(chunks: Iterable[bytes], language: str) -> Iterator[bytes]:
    with translation.override(language):
        yield from chunks
