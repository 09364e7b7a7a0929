"""Single sign-on end to end: Chromium, our live server and a real OpenID Provider."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.accounts.sso.conftest import connect
from tests.accounts.sso.provider import oidc_provider  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_person_signs_in_through_their_companys_provider(
    page,
    live_server,
    settings,
    oidc_provider,  # noqa: F811
    organization,
):
    settings.SITE_URL = live_server.url
    connect(oidc_provider, organization, domains=["acme.example"])
    oidc_provider.add_account(
        "noor@acme.example", email="noor@acme.example", name="Noor Haddad", department="Dispatch"
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("noor@acme.example")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("A micromastery is a small, doable skill")).to_be_visible()
    person = User.objects.get(email="noor@acme.example")
    assert person.organization == organization
    assert list(person.teams.values_list("name", flat=True)) == ["Dispatch"]
