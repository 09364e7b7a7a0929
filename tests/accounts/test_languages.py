"""Each person's language: chosen, from the directory, from the browser, else the org's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.languages import person_language, supported_language
from accounts.sso.services import sso_person_sign_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("tag", "language"),
    [("de", "de"), ("de-AT", "de"), ("fr_CA", "fr"), ("es-419", "es"), ("EN-us", "en")],
)
def test_supported_language_reads_regional_tags(tag, language):
    assert supported_language(tag) == language


@pytest.mark.parametrize("tag", ["ja-JP", "", None, "xx"])
def test_supported_language_is_empty_for_languages_we_do_not_speak(tag):
    assert supported_language(tag) == ""


def test_person_language_prefers_own_choice_then_directory_then_browser_then_org(organization):
    organization.default_language = "es"
    organization.save()
    person = UserFactory(organization=organization)
    assert person_language(person) == "es"
    person.browser_language = "fr"
    assert person_language(person) == "fr"
    person.directory_language = "de"
    assert person_language(person) == "de"
    person.language = "en"
    assert person_language(person) == "en"


def test_signed_out_page_follows_the_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9,en;q=0.5")
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()
    assert "Accept-Language" in response["Vary"]


def test_signed_out_page_in_a_language_we_do_not_speak_is_english(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ja")
    assert response["Content-Language"] == "en"


def test_own_choice_wins_over_the_browser(client, learner):
    learner.language = "de"
    learner.save()
    client.force_login(learner)
    response = client.get(reverse("accounts:account"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()


def test_without_a_choice_the_browser_wins(client, learner):
    client.force_login(learner)
    response = client.get(reverse("accounts:account"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert response["Content-Language"] == "es"


def test_signing_in_remembers_the_browser_language_for_messages(client, learner):
    response = client.post(
        reverse("login"),
        {"username": learner.email, "password": TEST_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9",
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.browser_language == "es"
    assert person_language(learner) == "es"


def test_pages_change_nothing_whatever_the_browser_asks(client, learner):
    client.force_login(learner)
    with CaptureQueriesContext(connection) as context:
        client.get(reverse("accounts:account"), HTTP_ACCEPT_LANGUAGE="fr")
    assert context.captured_queries
    assert not [q for q in context.captured_queries if not q["sql"].startswith("SELECT")]
    learner.refresh_from_db()
    assert learner.browser_language == ""


def test_without_choice_or_browser_language_the_organization_default_speaks(
    client, organization, learner
):
    organization.default_language = "fr"
    organization.save()
    client.force_login(learner)
    response = client.get(reverse("accounts:account"))
    assert response["Content-Language"] == "fr"


def test_account_page_saves_the_chosen_language(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("accounts:account"),
        {
            "display_name": learner.display_name,
            "time_zone": "Europe/Berlin",
            "work_starts_at": "09:00",
            "work_ends_at": "17:00",
            "working_days": [1, 2, 3, 4, 5],
            "language": "de",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.language == "de"
    page = client.get(reverse("accounts:account"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "de"


def test_account_page_refuses_a_language_we_do_not_speak(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("accounts:account"),
        {
            "display_name": learner.display_name,
            "time_zone": "UTC",
            "work_starts_at": "09:00",
            "work_ends_at": "17:00",
            "working_days": [1],
            "language": "ja",
        },
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.language == ""


def test_api_me_sets_and_shows_the_language(api_client, learner):
    api_client.force_authenticate(learner)
    response = api_client.patch("/api/v1/me/", {"language": "fr"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "fr"
    assert response.json()["organization"]["default_language"] == "en"
    learner.refresh_from_db()
    assert learner.language == "fr"


def test_api_me_refuses_an_unknown_language_and_changes_nothing(api_client, learner):
    api_client.force_authenticate(learner)
    response = api_client.patch("/api/v1/me/", {"language": "klingon"}, format="json")
    assert response.status_code == 400
    learner.refresh_from_db()
    assert learner.language == ""


def test_api_errors_speak_the_token_holders_language(api_client, learner):
    learner.language = "de"
    learner.save()
    token = api_client.post(
        "/api/v1/auth/token/",
        {"email": learner.email, "password": TEST_PASSWORD},
        format="json",
    )
    assert token.status_code == 200, token.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = api_client.patch("/api/v1/me/", {"language": "klingon"}, format="json")
    assert response.status_code == 400
    assert response["Content-Language"] == "de"
    assert "ist keine gültige Option" in response.content.decode()


def test_sso_locale_claim_sets_the_persons_language(organization):
    from accounts.sso.models import SingleSignOn

    single_sign_on = SingleSignOn(
        organization=organization, discovery_url="https://idp.acme.example", client_id="acme"
    )
    single_sign_on.client_secret = "secret"
    single_sign_on.save()
    single_sign_on.domains.create(name="acme.example")
    person = sso_person_sign_in(
        single_sign_on=single_sign_on,
        claims={"email": "lea@acme.example", "email_verified": True, "locale": "fr-FR"},
    )
    assert person.directory_language == "fr"
    person = sso_person_sign_in(
        single_sign_on=single_sign_on,
        claims={"email": "lea@acme.example", "email_verified": True, "locale": "es"},
    )
    assert person.directory_language == "es"


def test_signed_out_pages_speak_german_and_french(client):
    german = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    assert "<h1>Anmelden</h1>" in german
    assert "Passwort vergessen?" in german
    french = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Se connecter</h1>" in french
    assert "Mot de passe oublié ?" in french


def test_invitations_go_out_in_the_recipients_language_not_the_admins(
    organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    from django.utils import translation

    from tests.accounts.test_invitation import invite

    organization.default_language = "de"
    organization.save()
    with translation.override("fr"):
        invite(organization, org_admin, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.subject == "Acme lädt dich zu Micromastery ein"
    assert "Hallo Nia," in message.body
    assert "Der Link funktioniert einmal und 7 Tage lang." in message.body
    assert 'lang="de"' in message.alternatives[0][0]


def test_password_links_go_out_in_the_persons_language(client, learner):
    from practice.nudges.models import OutboxMessage

    learner.language = "es"
    learner.save()
    response = client.post(
        reverse("password_reset"), {"email": learner.email}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 302
    (message,) = OutboxMessage.objects.filter(recipient=learner)
    assert message.subject == "Elige tu contraseña de Micromastery"
    assert "Usa este enlace para elegir tu contraseña de Micromastery:" in message.text
