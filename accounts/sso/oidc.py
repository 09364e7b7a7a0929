"""The OpenID Connect protocol, through Authlib's client: authorization code flow with PKCE
(S256), ``state`` and ``nonce``, and the ID token's signature (the provider's JWKS) and
claims (iss, aud, exp, iat, nonce) verified by Authlib and joserfc. Nothing here reads a
token by hand."""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.django_client import DjangoOAuth2App
from authlib.integrations.django_client.integration import DjangoIntegration
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from joserfc.errors import JoseError

from accounts.sso.models import SingleSignOn
from micromastery.common.encryption import UndecryptableSecret
from micromastery.common.errors import ApplicationError

logger = logging.getLogger(__name__)

SCOPES = "openid email profile"
# Seconds to wait for the provider's discovery document, keys and token endpoint.
PROVIDER_TIMEOUT = 10
WELL_KNOWN = "/.well-known/openid-configuration"

UNVERIFIED = _(
    "Your company's sign-in could not be verified, so you are not signed in. Start again "
    "from the sign-in page; if it keeps failing, ask your organization's admin to check "
    "the single sign-on settings."
)
STALE_STATE = _(
    "This sign-in did not start here or was already used. Start again from the sign-in page."
)
DENIED = _(
    "Your company's sign-in page did not let you in. Ask your organization's admin to give "
    "you access to Micromastery there."
)
UNREACHABLE = _(
    "Your company's sign-in page cannot be reached right now. Try again in a minute; if it "
    "keeps failing, ask your organization's admin to check the single sign-on settings."
)


def _client(single_sign_on: SingleSignOn) -> DjangoOAuth2App:
    # A client per sign-in: each organization has its own provider and credentials, and a
    # fresh discovery document and key set follow the provider's key rotation.
    name = f"sso-{single_sign_on.organization_id}"
    try:
        client_secret = single_sign_on.client_secret
    except UndecryptableSecret as error:
        raise ApplicationError(UNVERIFIED) from error
    return DjangoOAuth2App(
        DjangoIntegration(name),
        name,
        client_id=single_sign_on.client_id,
        client_secret=client_secret,
        server_metadata_url=single_sign_on.metadata_url,
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT,
        },
    )


def redirect_uri(single_sign_on: SingleSignOn) -> str:
    """The address to register at the provider; the same whichever host a request used."""
    return f"{settings.SITE_URL}{single_sign_on.callback_path}"


def _metadata(client: DjangoOAuth2App, single_sign_on: SingleSignOn) -> dict[str, Any]:
    metadata: dict[str, Any] = client.load_server_metadata()
    configured = single_sign_on.discovery_url.rstrip("/")
    # OpenID Connect Discovery: the issuer a document names is the one it was asked for.
    if not configured.endswith(WELL_KNOWN) and metadata.get("issuer", "").rstrip("/") != configured:
        logger.warning(
            "Single sign-on of %s: discovery names issuer %r, configured %r",
            single_sign_on.organization,
            metadata.get("issuer"),
            configured,
        )
        raise ApplicationError(UNVERIFIED)
    return metadata


def authorization_url(
    request: HttpRequest, *, single_sign_on: SingleSignOn, login_hint: str
) -> str:
    """Where to send the browser at the provider; ``state``, ``nonce`` and the PKCE
    verifier wait in the session for the way back."""
    client = _client(single_sign_on)
    try:
        _metadata(client, single_sign_on)
        authorization = client.create_authorization_url(
            redirect_uri(single_sign_on), login_hint=login_hint
        )
    except (requests.RequestException, ValueError, AuthlibBaseError, RuntimeError) as error:
        logger.warning("Single sign-on of %s unreachable: %s", single_sign_on.organization, error)
        raise ApplicationError(UNREACHABLE) from error
    client.save_authorize_data(request, redirect_uri=redirect_uri(single_sign_on), **authorization)
    return str(authorization["url"])


def authorization_complete(request: HttpRequest, *, single_sign_on: SingleSignOn) -> dict[str, Any]:
    """The verified claims of the ID token the provider issued for this browser's request.

    Refuses (ApplicationError) an error from the provider, a ``state`` this session did not
    issue, an ``iss`` (RFC 9207) of another issuer, and an ID token that is missing, signed
    by a key the provider does not publish, expired, for another client or another nonce.
    """
    client = _client(single_sign_on)
    try:
        metadata = _metadata(client, single_sign_on)
        issuer = request.GET.get("iss")
        if issuer is not None and issuer != metadata.get("issuer"):
            raise ApplicationError(UNVERIFIED)
        if issuer is None and metadata.get("authorization_response_iss_parameter_supported"):
            raise ApplicationError(UNVERIFIED)
        if request.GET.get("error"):
            logger.info(
                "Single sign-on of %s: the provider answered %s",
                single_sign_on.organization,
                request.GET.get("error"),
            )
            raise ApplicationError(DENIED)
        token = client.authorize_access_token(request)
    except MismatchingStateError as error:
        raise ApplicationError(STALE_STATE) from error
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        logger.warning(
            "Single sign-on of %s refused: %s: %s",
            single_sign_on.organization,
            type(error).__name__,
            error,
        )
        raise ApplicationError(UNVERIFIED) from error
    except requests.RequestException as error:
        logger.warning("Single sign-on of %s unreachable: %s", single_sign_on.organization, error)
        raise ApplicationError(UNREACHABLE) from error
    claims = token.get("userinfo")
    if not claims:
        # Authlib verifies an ID token only when there is one: no token, no sign-in.
        raise ApplicationError(UNVERIFIED)
    return dict(claims)
