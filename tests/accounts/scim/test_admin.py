"""The admin page where an org admin makes, watches and revokes SCIM tokens."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.scim import services
from accounts.scim.models import ScimToken
from tests.accounts.scim.conftest import ScimClient

pytestmark = pytest.mark.django_db


def test_admin_org_admin_creates_a_token_shown_once_that_opens_scim(
    client, org_admin, organization
):
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:scim_scimtoken_add"),
        {"organization": organization.pk, "name": "Entra ID"},
        follow=True,
    )
    assert response.status_code == 200
    shown = re.search(r"mmscim_[0-9a-f]{64}", response.content.decode())
    assert shown, "the new key is shown after creation"
    key = shown.group(0)
    token = ScimToken.objects.get()
    assert token.organization == organization
    assert token.created_by == org_admin
    assert key not in {token.digest, token.hint, token.name}

    assert ScimClient(key).get("Users").status_code == 200
    page = client.get(reverse("admin:scim_scimtoken_change", args=[token.pk])).content.decode()
    assert key not in page
    assert f"…{key[-4:]}" in page


def test_admin_token_list_shows_last_use(client, org_admin, scim_token, scim):
    token, _ = scim_token
    client.force_login(org_admin)
    assert token.last_used_at is None
    scim.get("Users")
    token.refresh_from_db()
    assert token.last_used_at is not None
    page = client.get(reverse("admin:scim_scimtoken_change", args=[token.pk])).content.decode()
    assert token.last_used_at.strftime("%Y") in page.split("Last used at", 1)[1][:300]
    assert "Active" in client.get(reverse("admin:scim_scimtoken_changelist")).content.decode()


def test_admin_revoke_stops_the_token(client, org_admin, scim_token, scim):
    token, _ = scim_token
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:scim_scimtoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "Revoked 1 token: the directory can no longer provision with it." in (
        response.content.decode()
    )
    assert scim.get("Users").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_org_admin_cannot_see_or_make_tokens_of_another_organization(
    client, org_admin, other_organization, outsider
):
    other, _ = services.scim_token_create(organization=other_organization, name="Okta", by=outsider)
    client.force_login(org_admin)
    assert "Okta" not in client.get(reverse("admin:scim_scimtoken_changelist")).content.decode()
    assert client.get(reverse("admin:scim_scimtoken_change", args=[other.pk])).status_code == 404
    client.post(
        reverse("admin:scim_scimtoken_add"),
        {"organization": other_organization.pk, "name": "Sneaky"},
    )
    assert not ScimToken.objects.filter(organization=other_organization, name="Sneaky").exists()
    # The organization field is fixed to the admin's own: a token made anyway is theirs.
    assert all(
        token.organization_id == org_admin.organization_id
        for token in ScimToken.objects.filter(name="Sneaky")
    )
    client.post(
        reverse("admin:scim_scimtoken_changelist"),
        {"action": "revoke", "_selected_action": [other.pk]},
    )
    other.refresh_from_db()
    assert other.revoked_at is None


@pytest.mark.parametrize("role", ["learner", "author"])
def test_admin_other_roles_have_no_token_admin(client, role, request, scim_token):
    token, _ = scim_token
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("admin:scim_scimtoken_changelist")).status_code in (302, 403)
    assert client.get(reverse("admin:scim_scimtoken_change", args=[token.pk])).status_code in (
        302,
        403,
    )
    response = client.post(
        reverse("admin:scim_scimtoken_add"), {"organization": token.organization_id, "name": "x"}
    )
    assert response.status_code in (302, 403)
    assert ScimToken.objects.count() == 1
