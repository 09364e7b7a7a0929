from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.sso.selectors import password_sign_in_refusal


class SingleSignOnRequiredBackend:
    """Stops a password sign-in of a person whose organization requires single sign-on.

    Listed before the password backend: raising PermissionDenied ends ``authenticate()`` for every
    path that checks a password (sign-in page, admin sign-in, API token), so none of them
    has to remember the rule. The pages and the API ask ``password_sign_in_refusal`` first
    to say why.

    Deliberately without ``get_user``: it never holds a session, so ``force_login`` and
    ``login`` without a backend skip past it.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, **kwargs: Any
    ) -> None:
        email = username or kwargs.get("email")
        if email and password_sign_in_refusal(email=str(email)):
            raise PermissionDenied
        return None
