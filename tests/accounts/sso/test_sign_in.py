from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from accounts.sso import oidc
from tests.accounts.sso.conftest import connect
from tests.accounts.sso.provider import path_and_query
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in_email(client):
    response = client.get(reverse("api-me"))
    return response.json()["email"] if response.status_code == 200 else None


def refusal(response):
    assert response.status_code == 400
    message = str(response.context["sign_in_error"])
    assert message in response.content.decode().replace("&#x27;", "'")
    return message


def test_first_sign_in_creates_the_person_in_the_organization_with_their_team(
    client, oidc_provider, acme_sso, start_sign_in, organization
):
    oidc_provider.add_account(
        "ana@acme.example", email="ana@acme.example", name="Ana Costa", department="Dispatch"
    )
    authorization_url = start_sign_in("Ana@Acme.example", next="/catalog/")
    query = parse_qs(urlsplit(authorization_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert query["login_hint"] == ["ana@acme.example"]

    response = client.get(path_and_query(oidc_provider.authorize(authorization_url)))

    assert response.status_code == 302
    assert response["Location"] == "/catalog/"
    person = User.objects.get(email="ana@acme.example")
    assert person.organization == organization
    assert person.display_name == "Ana Costa"
    assert not person.has_usable_password()
    assert list(person.teams.values_list("name", "organization")) == [("Dispatch", organization.pk)]
    assert signed_in_email(client) == "ana@acme.example"


def test_next_sign_in_is_the_same_person_and_keeps_their_teams(
    client, oidc_provider, acme_sso, sign_in_through_provider, learner, team
):
    oidc_provider.add_account("learner@acme.example", email="learner@acme.example")

    for _ in range(2):
        client.logout()
        assert sign_in_through_provider("learner@acme.example").status_code == 302
        assert signed_in_email(client) == "learner@acme.example"

    assert User.objects.filter(email="learner@acme.example").count() == 1
    # No team claim in the token: the team the admin arranged stays.
    assert list(learner.teams.all()) == [team]


def test_tampered_state_is_refused_and_nothing_is_created(
    client, oidc_provider, acme_sso, start_sign_in
):
    oidc_provider.add_account("ana@acme.example", email="ana@acme.example")
    callback_url = oidc_provider.authorize(start_sign_in("ana@acme.example"))
    parts = urlsplit(callback_url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["state"] = query["state"][:-2] + ("xy" if not query["state"].endswith("xy") else "zz")

    response = client.get(f"{parts.path}?{urlencode(query)}")

    assert refusal(response) == oidc.STALE_STATE
    assert not User.objects.filter(email="ana@acme.example").exists()
    assert signed_in_email(client) is None


def test_wrong_nonce_is_refused_and_nothing_is_created(
    caplog, client, oidc_provider, acme_sso, start_sign_in
):
    oidc_provider.add_account("ana@acme.example", email="ana@acme.example", department="Ops")
    authorization_url = start_sign_in("ana@acme.example")
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    # The session expects another nonce than the one the provider puts in the ID token,
    # as when a token issued for another sign-in is replayed here.
    session = client.session
    key = f"_state_sso-{acme_sso.organization_id}_{state}"
    stored = session[key]
    stored["data"]["nonce"] = "a-nonce-this-provider-never-saw"
    session[key] = stored
    session.save()

    response = client.get(path_and_query(oidc_provider.authorize(authorization_url)))

    assert refusal(response) == oidc.UNVERIFIED
    assert "Invalid claim: 'nonce'" in caplog.text  # refused for this reason, not another
    assert not User.objects.filter(email="ana@acme.example").exists()
    assert not Team.objects.exists()
    assert signed_in_email(client) is None


def test_id_token_signed_by_another_key_is_refused_and_nothing_is_created(
    caplog, client, oidc_provider, acme_sso, start_sign_in
):
    oidc_provider.add_account("ana@acme.example", email="ana@acme.example")
    callback_url = oidc_provider.authorize(start_sign_in("ana@acme.example"))

    with oidc_provider.forging_id_tokens():
        response = client.get(path_and_query(callback_url))

    assert refusal(response) == oidc.UNVERIFIED
    assert "BadSignatureError" in caplog.text  # refused for this reason, not another
    assert not User.objects.filter(email="ana@acme.example").exists()
    assert signed_in_email(client) is None


def test_expired_id_token_is_refused_and_nothing_is_created(
    caplog, client, oidc_provider, acme_sso, start_sign_in
):
    oidc_provider.add_account("ana@acme.example", email="ana@acme.example")
    callback_url = oidc_provider.authorize(start_sign_in("ana@acme.example"))

    # The provider's ID tokens live five minutes; half an hour later ours has expired.
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        response = client.get(path_and_query(callback_url))

    assert refusal(response) == oidc.UNVERIFIED
    assert "ExpiredTokenError" in caplog.text  # refused for this reason, not another
    assert not User.objects.filter(email="ana@acme.example").exists()


def test_issuer_in_the_redirect_must_be_the_providers(
    client, oidc_provider, acme_sso, start_sign_in
):
    oidc_provider.add_account("ana@acme.example", email="ana@acme.example")
    callback_url = oidc_provider.authorize(start_sign_in("ana@acme.example"))
    parts = urlsplit(callback_url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query["iss"] == oidc_provider.issuer  # RFC 9207: the provider names itself

    for issuer in ("https://attacker.example", None):
        mixed_up = {key: value for key, value in query.items() if key != "iss"}
        if issuer:
            mixed_up["iss"] = issuer
        response = client.get(f"{parts.path}?{urlencode(mixed_up)}")
        assert refusal(response) == oidc.UNVERIFIED

    assert not User.objects.filter(email="ana@acme.example").exists()


def test_email_outside_the_allowed_domains_is_refused_and_nothing_is_created(
    client, oidc_provider, acme_sso, sign_in_through_provider
):
    # The provider vouches for a guest address of another domain.
    oidc_provider.add_account(
        "guest@acme.example", email="guest@elsewhere.example", department="Guests"
    )

    response = sign_in_through_provider("guest@acme.example")

    assert "guest@elsewhere.example is not an address of Acme" in refusal(response)
    assert not User.objects.filter(email="guest@elsewhere.example").exists()
    assert not Team.objects.exists()
    assert signed_in_email(client) is None


def test_unverified_email_is_refused(client, oidc_provider, acme_sso, sign_in_through_provider):
    oidc_provider.add_account("new@acme.example", email="new@acme.example", email_verified=False)

    response = sign_in_through_provider("new@acme.example")

    assert "has not verified new@acme.example" in refusal(response)
    assert not User.objects.filter(email="new@acme.example").exists()


def test_deactivated_person_is_refused(client, oidc_provider, acme_sso, sign_in_through_provider):
    UserFactory(organization=acme_sso.organization, email="gone@acme.example", is_active=False)
    oidc_provider.add_account("gone@acme.example", email="gone@acme.example")

    response = sign_in_through_provider("gone@acme.example")

    assert "deactivated" in refusal(response)
    assert signed_in_email(client) is None


def test_a_provider_that_cannot_be_reached_gets_a_clear_message(client, acme_sso):
    acme_sso.discovery_url = "http://127.0.0.1:9"  # the discard port: nobody answers
    acme_sso.save()

    response = client.post(reverse("login"), {"username": "ana@acme.example"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [oidc.UNREACHABLE]
    assert not User.objects.filter(email="ana@acme.example").exists()


# --- Tenancy: two organizations ------------------------------------------------------------


def test_sign_in_of_one_organization_never_takes_a_person_of_another(
    client, oidc_provider, acme_sso, globex_sso, start_sign_in, other_organization
):
    # Someone of Globex whose address happens to be in Acme's domain.
    UserFactory(organization=other_organization, email="carol@acme.example", display_name="Carol")
    oidc_provider.add_account("carol@acme.example", email="carol@acme.example", department="X")
    before = set(User.objects.values_list("pk", "organization_id", "display_name", "is_active"))

    # Carol exists, so her own organization's provider (Globex's) is the one she is sent to.
    authorization_url = start_sign_in("carol@acme.example")
    assert f"client_id={globex_sso.client_id}" in authorization_url
    # ...and Globex's provider does not vouch for an address outside Globex's domains.
    response = client.get(path_and_query(oidc_provider.authorize(authorization_url)))
    assert "not an address of Globex" in refusal(response)

    # Acme's provider vouching for her is refused too: she belongs to Globex.
    oidc_provider.add_account("dave@acme.example", email="carol@acme.example", department="X")
    authorization_url = start_sign_in("dave@acme.example")
    assert f"client_id={acme_sso.client_id}" in authorization_url
    response = client.get(path_and_query(oidc_provider.authorize(authorization_url)))
    assert "already has an account with another organization" in refusal(response)

    assert set(User.objects.values_list("pk", "organization_id", "display_name", "is_active")) == (
        before
    )
    assert not Team.objects.exists()
    assert signed_in_email(client) is None


def test_a_sign_in_started_for_one_organization_is_refused_at_anothers_callback(
    client, oidc_provider, acme_sso, globex_sso, start_sign_in
):
    oidc_provider.add_account("ana@acme.example", email="ana@acme.example")
    callback_url = oidc_provider.authorize(start_sign_in("ana@acme.example"))
    parts = urlsplit(callback_url)
    globex_callback = reverse("sso_callback", args=[globex_sso.organization.slug])

    response = client.get(f"{globex_callback}?{parts.query}")

    assert refusal(response) in (oidc.STALE_STATE, oidc.UNVERIFIED)
    assert not User.objects.filter(email="ana@acme.example").exists()
    assert signed_in_email(client) is None


def test_the_team_claim_fills_teams_of_the_persons_own_organization_only(
    client, oidc_provider, acme_sso, globex_sso, sign_in_through_provider, other_organization
):
    Team.objects.create(organization=other_organization, name="Dispatch")
    oidc_provider.add_account(
        "gil@globex.example", email="gil@globex.example", department=["Dispatch", "Night"]
    )

    assert sign_in_through_provider("gil@globex.example").status_code == 302

    person = User.objects.get(email="gil@globex.example")
    assert person.organization == other_organization
    assert sorted(person.teams.values_list("name", flat=True)) == ["Dispatch", "Night"]
    assert not Team.objects.filter(organization=acme_sso.organization).exists()


def test_a_disabled_provider_sends_nobody_away(client, oidc_provider, organization):
    single_sign_on = connect(oidc_provider, organization, domains=["acme.example"])
    single_sign_on.is_enabled = False
    single_sign_on.save()

    response = client.post(reverse("login"), {"username": "ana@acme.example"})

    assert response.status_code == 200
    assert "password" in response.context["form"].fields


def test_a_token_without_an_email_is_refused_with_what_to_ask_for(
    client, oidc_provider, acme_sso, sign_in_through_provider
):
    oidc_provider.add_account("nomail@acme.example", name="No Mail")

    response = sign_in_through_provider("nomail@acme.example")

    assert "did not tell us your email address" in refusal(response)
    assert not User.objects.filter(display_name="No Mail").exists()


def test_a_long_group_list_makes_a_bounded_number_of_teams(
    client, oidc_provider, acme_sso, sign_in_through_provider
):
    groups = [f"Group {number:02}" for number in range(40)] + ["x" * 400, {"not": "a name"}]
    oidc_provider.add_account("many@acme.example", email="many@acme.example", department=groups)

    assert sign_in_through_provider("many@acme.example").status_code == 302

    names = list(User.objects.get(email="many@acme.example").teams.values_list("name", flat=True))
    assert sorted(names) == [f"Group {number:02}" for number in range(20)]
