from __future__ import annotations

import html

import pytest
from django.urls import reverse

from accounts.sso.models import SingleSignOn, SingleSignOnDomain
from tests.accounts.sso.provider import oidc_provider, path_and_query  # noqa: F401


def connect(provider, organization, *, domains, team_claim="department", is_required=False):
    """The organization's single sign-on through ``provider``, with a client of its own."""
    from django.conf import settings

    single_sign_on = SingleSignOn(
        organization=organization,
        discovery_url=provider.issuer,
        client_id="pending",
        team_claim=team_claim,
        is_required=is_required,
    )
    callback = f"{settings.SITE_URL}{reverse('sso_callback', args=[organization.slug])}"
    single_sign_on.client_id, single_sign_on.client_secret = provider.register_client(callback)
    single_sign_on.save()
    for domain in domains:
        SingleSignOnDomain.objects.create(single_sign_on=single_sign_on, name=domain)
    return single_sign_on


@pytest.fixture
def acme_sso(oidc_provider, organization):  # noqa: F811
    return connect(oidc_provider, organization, domains=["acme.example"])


@pytest.fixture
def globex_sso(oidc_provider, other_organization):  # noqa: F811
    return connect(oidc_provider, other_organization, domains=["globex.example"])


@pytest.fixture
def start_sign_in(client, oidc_provider):  # noqa: F811
    """Enter an email on the sign-in page; returns the provider's authorization URL."""

    def start(email, **extra):
        response = client.post(reverse("login"), {"username": email, **extra})
        assert response.status_code == 200, response.content.decode()
        url = response.context["authorization_url"]
        assert url.startswith(oidc_provider.issuer)
        assert f'url={html.escape(url)}"' in response.content.decode()
        return url

    return start


@pytest.fixture
def sign_in_through_provider(client, oidc_provider, start_sign_in):  # noqa: F811
    """The whole round trip; returns our callback's response."""

    def sign_in(email):
        callback_url = oidc_provider.authorize(start_sign_in(email))
        return client.get(path_and_query(callback_url))

    return sign_in
