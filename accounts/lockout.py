"""How a sign-in lockout looks, for pages and for the API (django-axes hooks)."""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_email

LOCKOUT_MESSAGE = _(
    "Too many failed sign-in attempts. Wait 15 minutes and try again, or reset your password."
)


def username_from_credentials(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    # Axes passes the credentials keyed "username" when it records a failure and keyed by
    # the user model's USERNAME_FIELD ("email") when it checks a lockout: accept both, and
    # count "Ana@Acme.example" and "ana@acme.example" as one account.
    for key, value in (credentials or {}).items():
        if str(key) in {"username", "email"} and value:
            return normalize_email(str(value))
    return normalize_email(request.POST.get("username", ""))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "locked_out", "message": LOCKOUT_MESSAGE, "fields": {}}},
            status=429,
        )
    return render(request, "registration/locked_out.html", {"message": LOCKOUT_MESSAGE}, status=429)


# The request details axes stores with every sign-in, as the client sent them.
_STORED_REQUEST_DETAILS = ("axes_user_agent", "axes_path_info", "axes_http_accept")


def _storable(request: HttpRequest | None) -> None:
    # PostgreSQL refuses NUL in text, and a client chooses its own headers: without this a
    # sign-in with "\x00" in its User-Agent fails with a 500 instead of being counted.
    for name in _STORED_REQUEST_DETAILS:
        value = getattr(request, name, None)
        if isinstance(value, str) and "\x00" in value:
            setattr(request, name, value.replace("\x00", "\ufffd"))


class AxesHandler(AxesDatabaseHandler):
    """Axes' database handler, with the request details made storable first."""

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        _storable(request)
        super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        _storable(request)
        super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        _storable(request)
        super().user_logged_out(sender, request, user, **kwargs)
