"""Email first, and "single sign-on required" closing every password door."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import invitation_link
from accounts.sso.models import SingleSignOn, SingleSignOnDomain
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

REQUIRED = "Acme signs in through its single sign-on, not with a password."


@pytest.fixture
def acme_sso_required(organization):
    # No provider needs to answer: nobody is sent to it in these tests.
    single_sign_on = SingleSignOn(
        organization=organization,
        discovery_url="https://login.acme.example",
        client_id="micromastery",
        is_required=True,
    )
    single_sign_on.client_secret = "a-client-secret"
    single_sign_on.save()
    SingleSignOnDomain.objects.create(single_sign_on=single_sign_on, name="acme.example")
    return single_sign_on


def is_signed_in(client):
    return client.get(reverse("api-me")).status_code == 200


def test_an_email_without_single_sign_on_is_asked_for_a_password_next(client, outsider):
    response = client.get(reverse("login"))
    assert list(response.context["form"].fields) == ["username"]
    assert "Continue" in response.content.decode()

    response = client.post(reverse("login"), {"username": outsider.email})

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["username", "password"]
    assert response.context["form"]["username"].value() == outsider.email
    response = client.post(
        reverse("login"), {"username": outsider.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert is_signed_in(client)


def test_an_invalid_email_is_explained_on_the_first_step(client):
    response = client.post(reverse("login"), {"username": "not an email"})

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == ["Enter a valid email address."]


def test_single_sign_on_required_refuses_the_password_page_with_a_message(
    client, learner, acme_sso_required
):
    response = client.post(reverse("login"), {"username": learner.email, "password": TEST_PASSWORD})

    assert response.status_code == 200
    assert REQUIRED in response.context["form"].non_field_errors()[0]
    assert not is_signed_in(client)


def test_single_sign_on_required_refuses_the_admin_sign_in(client, org_admin, acme_sso_required):
    response = client.post(
        reverse("admin:login"), {"username": org_admin.email, "password": TEST_PASSWORD}
    )

    assert REQUIRED in response.context["form"].non_field_errors()[0]
    assert not is_signed_in(client)
    assert client.get(reverse("admin:index")).status_code == 302


def test_single_sign_on_required_refuses_an_api_token(api_client, learner, acme_sso_required):
    response = api_client.post(
        reverse("api-token"), {"email": learner.email, "password": TEST_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert REQUIRED in response.json()["error"]["message"]
    assert not ApiToken.objects.exists()


def test_single_sign_on_required_refuses_password_reset(client, learner, acme_sso_required):
    response = client.post(reverse("password_reset"), {"email": learner.email})

    assert response.status_code == 200
    assert REQUIRED in response.context["form"].errors["email"][0]
    assert mail.outbox == []


def test_single_sign_on_required_covers_new_people_of_the_domain(client, acme_sso_required):
    response = client.post(reverse("password_reset"), {"email": "new.hire@acme.example"})

    assert REQUIRED in response.context["form"].errors["email"][0]


def test_optional_single_sign_on_leaves_password_sign_in_open(client, learner, acme_sso_required):
    SingleSignOn.objects.filter(pk=acme_sso_required.pk).update(is_required=False)

    response = client.get(reverse("login") + "?method=password")
    assert list(response.context["form"].fields) == ["username", "password"]
    response = client.post(reverse("login"), {"username": learner.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert is_signed_in(client)


def test_other_organizations_keep_their_passwords(client, outsider, acme_sso_required):
    response = client.post(
        reverse("login"), {"username": outsider.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert is_signed_in(client)


def test_an_invitation_link_leads_to_single_sign_on_instead_of_a_password(
    client, learner, acme_sso_required
):
    link = invitation_link(user=learner).split("://", 1)[1].split("/", 1)[1]
    password_before = learner.password

    response = client.post(
        f"/{link}", {"new_password1": "A-fresh-phrase-42", "new_password2": "A-fresh-phrase-42"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    learner.refresh_from_db()
    assert learner.password == password_before
    assert not is_signed_in(client)
