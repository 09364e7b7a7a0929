"""Org admins connect their own organization's provider in the admin, and nobody else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.sso.models import SingleSignOn, SingleSignOnDomain

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-from-the-provider-Qx7"


def form_data(organization, *, domains=("acme.example",), secret=SECRET, **changes):
    data = {
        "organization": organization.pk,
        "is_enabled": "on",
        "discovery_url": "https://login.microsoftonline.com/tenant-id/v2.0",
        "client_id": "client-123",
        "client_secret": secret,
        "team_claim": "department",
        "domains-TOTAL_FORMS": str(len(domains)),
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "1",
        "domains-MAX_NUM_FORMS": "1000",
    }
    for index, domain in enumerate(domains):
        data[f"domains-{index}-name"] = domain
    data.update(changes)
    return data


@pytest.fixture
def acme_sso(organization):
    single_sign_on = SingleSignOn(
        organization=organization, discovery_url="https://idp.acme.example", client_id="acme"
    )
    single_sign_on.client_secret = SECRET
    single_sign_on.save()
    SingleSignOnDomain.objects.create(single_sign_on=single_sign_on, name="acme.example")
    return single_sign_on


@pytest.fixture
def globex_sso(other_organization):
    single_sign_on = SingleSignOn(
        organization=other_organization, discovery_url="https://idp.globex.example", client_id="g"
    )
    single_sign_on.client_secret = "globex-secret"
    single_sign_on.save()
    SingleSignOnDomain.objects.create(single_sign_on=single_sign_on, name="globex.example")
    return single_sign_on


def test_org_admin_connects_their_organization_and_the_secret_is_stored_encrypted(
    client, org_admin, organization
):
    client.force_login(org_admin)

    response = client.post(
        reverse("admin:sso_singlesignon_add"),
        form_data(organization, domains=["@Acme.Example", "acme.co.uk"], is_required="on"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    single_sign_on = SingleSignOn.objects.get()
    assert single_sign_on.organization == organization
    assert single_sign_on.is_required
    assert single_sign_on.domain_names() == ["acme.co.uk", "acme.example"]
    assert SECRET not in single_sign_on.client_secret_encrypted
    assert single_sign_on.client_secret == SECRET

    page = client.get(reverse("admin:sso_singlesignon_change", args=[single_sign_on.pk]))
    content = page.content.decode()
    assert SECRET not in content
    assert single_sign_on.client_secret_encrypted not in content
    # The address to register at the provider is on the page.
    assert "/accounts/sso/acme/callback/" in content


def test_saving_without_a_new_secret_keeps_the_old_one(client, org_admin, acme_sso):
    client.force_login(org_admin)
    data = form_data(acme_sso.organization, domains=[], secret="", client_id="new-client-id")
    data.update(
        {
            "domains-TOTAL_FORMS": "1",
            "domains-INITIAL_FORMS": "1",
            "domains-0-id": str(acme_sso.domains.get().pk),
            "domains-0-single_sign_on": str(acme_sso.pk),
            "domains-0-name": "acme.example",
        }
    )

    response = client.post(reverse("admin:sso_singlesignon_change", args=[acme_sso.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    acme_sso.refresh_from_db()
    assert acme_sso.client_id == "new-client-id"
    assert acme_sso.client_secret == SECRET


def test_a_new_connection_needs_a_secret_and_a_domain(client, org_admin, organization):
    client.force_login(org_admin)

    response = client.post(
        reverse("admin:sso_singlesignon_add"), form_data(organization, secret="", domains=[])
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["client_secret"] == [
        "Enter the client secret your provider gave you."
    ]
    assert "Please submit at least 1 form." in response.content.decode()
    assert not SingleSignOn.objects.exists()


def test_a_domain_of_another_organization_is_refused_and_nothing_is_saved(
    client, org_admin, organization, globex_sso
):
    client.force_login(org_admin)

    response = client.post(
        reverse("admin:sso_singlesignon_add"), form_data(organization, domains=["Globex.example"])
    )

    assert response.status_code == 200
    assert "already signs in through another provider" in response.content.decode()
    assert SingleSignOn.objects.filter(organization=organization).count() == 0
    assert list(SingleSignOnDomain.objects.values_list("name", flat=True)) == ["globex.example"]


def test_an_invalid_domain_is_explained(client, org_admin, organization):
    client.force_login(org_admin)

    response = client.post(
        reverse("admin:sso_singlesignon_add"), form_data(organization, domains=["ana@acme"])
    )

    assert response.status_code == 200
    assert "Enter a domain such as acme.example" in response.content.decode()
    assert not SingleSignOn.objects.exists()


def test_org_admin_cannot_connect_another_organization(
    client, org_admin, organization, other_organization
):
    client.force_login(org_admin)

    client.post(reverse("admin:sso_singlesignon_add"), form_data(other_organization))

    # The organization field is fixed to the admin's own.
    assert list(SingleSignOn.objects.values_list("organization", flat=True)) == [organization.pk]


def test_another_organizations_admin_sees_nothing_of_ours(client, outsider, acme_sso):
    client.force_login(outsider)

    changelist = client.get(reverse("admin:sso_singlesignon_changelist"))
    change = client.get(reverse("admin:sso_singlesignon_change", args=[acme_sso.pk]))
    post = client.post(
        reverse("admin:sso_singlesignon_change", args=[acme_sso.pk]),
        form_data(acme_sso.organization, client_id="hijacked"),
    )

    assert changelist.status_code == 200
    assert "idp.acme.example" not in changelist.content.decode()
    assert change.status_code == 404
    assert post.status_code == 404
    acme_sso.refresh_from_db()
    assert acme_sso.client_id == "acme"


@pytest.mark.parametrize("role", ["author", "learner"])
def test_other_roles_have_no_single_sign_on_admin(client, role, acme_sso, request):
    client.force_login(request.getfixturevalue(role))

    for url in (
        reverse("admin:sso_singlesignon_changelist"),
        reverse("admin:sso_singlesignon_change", args=[acme_sso.pk]),
        reverse("admin:sso_singlesignon_add"),
    ):
        response = client.get(url)
        # Authors reach the admin and are forbidden here; learners are sent to sign in.
        assert response.status_code == (403 if role == "author" else 302)


def test_one_connection_per_organization(client, org_admin, acme_sso):
    client.force_login(org_admin)

    response = client.get(reverse("admin:sso_singlesignon_add"))

    assert response.status_code == 403
