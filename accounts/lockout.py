"""How a sign-in lockout looks, for pages and for the API (django-axes hooks)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.models import normalize_email

LOCKOUT_MESSAGE = (
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
