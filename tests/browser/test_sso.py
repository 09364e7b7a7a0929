"""Single sign-on end to end: Chromium, our live server and a real OpenID Provider."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from accounts.models import User
from tests.accounts.sso.conftest import connect
from tests.accounts.sso.provider import oidc_provider  # noqa: F401
from tests.factories import TEST_PASSWORD, UserFactory

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


def serious_problems(page):
    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core"
    return [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_sign_in_steps_are_accessible_and_a_refusal_is_explained(
    page,
    live_server,
    settings,
    oidc_provider,  # noqa: F811
    organization,
    other_organization,
):
    settings.SITE_URL = live_server.url
    connect(oidc_provider, organization, domains=["acme.example"], is_required=True)
    UserFactory(organization=other_organization, email="gil@globex.example")
    oidc_provider.add_account("guest@acme.example", email="guest@elsewhere.example")
    problems = {}

    page.goto(f"{live_server.url}/accounts/login/")
    problems["email step"] = serious_problems(page)
    page.get_by_label("Email").fill("gil@globex.example")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Password")).to_be_focused()
    problems["password step"] = serious_problems(page)

    # Single sign-on required: the password door explains itself.
    page.goto(f"{live_server.url}/accounts/login/?method=password")
    page.get_by_label("Email").fill("ana@acme.example")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Acme signs in through its single sign-on, not with a password."
    )

    # The provider vouches for an address outside Acme's domains: refused, and said so.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("guest@acme.example")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "guest@elsewhere.example is not an address of Acme"
    )
    problems["refusal"] = serious_problems(page)

    assert problems == {"email step": [], "password step": [], "refusal": []}
    assert not User.objects.filter(email="guest@elsewhere.example").exists()
