"""An organization that owns an email domain keeps its people out of every other one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Organization, User
from micromastery.common.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_email_domains_are_normalised_and_owned_once(organization, other_organization):
    organization.email_domains = "Acme.example, acme-logistics.example acme.example"
    organization.full_clean()
    organization.save()
    assert organization.email_domain_list == ["acme.example", "acme-logistics.example"]
    other_organization.email_domains = "globex.example acme.example"
    with pytest.raises(ValidationError, match=r"owns acme\.example already"):
        other_organization.full_clean()
    other_organization.email_domains = "not a domain"
    with pytest.raises(ValidationError, match="Not a domain name"):
        other_organization.full_clean()


def test_user_upsert_refuses_an_address_at_another_organizations_domain(
    organization, other_organization
):
    other_organization.email_domains = "globex.example"
    other_organization.full_clean()
    other_organization.save()
    with pytest.raises(ApplicationError, match="domain of another organization"):
        services.user_upsert(
            organization=organization, email="Zoe@Globex.example", display_name="Zoe"
        )
    assert not User.objects.filter(email="zoe@globex.example").exists()
    # A domain that merely contains the owned one is someone else's.
    services.user_upsert(
        organization=organization, email="zoe@notglobex.example", display_name="Zoe"
    )
    services.user_upsert(
        organization=other_organization, email="zoe@globex.example", display_name="Zoe"
    )


def test_org_admin_cannot_claim_domains_in_the_admin(client, org_admin, organization):
    client.force_login(org_admin)
    url = reverse("admin:accounts_organization_change", args=[organization.pk])
    response = client.post(
        url,
        {
            "name": "Acme Renamed",
            "hourly_cost_rate": "0",
            "currency": "EUR",
            "default_language": "en",
            "email_domains": "gmail.com",
        },
    )
    assert response.status_code == 302
    saved = Organization.objects.get(pk=organization.pk)
    assert saved.name == "Acme Renamed"
    assert saved.email_domains == ""


def test_single_sign_on_domains_are_owned_like_listed_ones(organization, other_organization):
    from accounts.sso.models import SingleSignOn, SingleSignOnDomain

    globex_sso = SingleSignOn(
        organization=other_organization, discovery_url="https://idp.globex.example", client_id="g"
    )
    globex_sso.client_secret = "globex-secret"
    globex_sso.save()
    SingleSignOnDomain.objects.create(single_sign_on=globex_sso, name="globex.example")

    # A directory (SCIM) or import of this organization cannot take Globex's people...
    with pytest.raises(ApplicationError, match="domain of another organization"):
        services.user_upsert(
            organization=organization, email="zoe@globex.example", display_name="Zoe"
        )
    assert not User.objects.filter(email="zoe@globex.example").exists()
    # ...and an organization cannot list a domain that signs in through another's provider.
    organization.email_domains = "globex.example"
    with pytest.raises(ValidationError, match=r"owns globex\.example already"):
        organization.full_clean()

    # Nor can a provider accept a domain that a superuser gave to another organization.
    organization.email_domains = "acme.example"
    organization.full_clean()
    organization.save()
    domain = SingleSignOnDomain(single_sign_on=globex_sso, name="acme.example")
    with pytest.raises(ValidationError, match="Another organization owns this domain"):
        domain.full_clean()
