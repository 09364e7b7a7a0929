"""``Authorization: Token <key>`` against our own tokens (see ``accounts.models.ApiToken``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from accounts import services
from accounts.languages import request_language


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing and ``WWW-Authenticate: Token``, with our token rules."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = services.api_token_authenticate(key=key, now=timezone.now())
        if token is None:
            raise exceptions.AuthenticationFailed(
                gettext(
                    "This token no longer works: it was signed out, unused for too long, or the "
                    "password or account changed. Sign in again at POST /api/v1/auth/token/."
                )
            )
        return token.user, token

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        credentials = super().authenticate(request)
        if credentials is not None:
            # The language middleware ran before DRF knew who this is: answer (errors
            # included) in the token holder's language.
            translation.activate(request_language(request._request, credentials[0]))
        return credentials


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=ApiTokenAuthentication.keyword
        )
        scheme["description"] = (
            "`Authorization: Token <key>` with a key from `POST /api/v1/auth/token/`. A key "
            "stops working when it is signed out (`DELETE /api/v1/auth/token/`), after "
            "`MICROMASTERY_API_TOKEN_IDLE_DAYS` without use, and when its person's password "
            "changes or their account is deactivated or moved."
        )
        return scheme
