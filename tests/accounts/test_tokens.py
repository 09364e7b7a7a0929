"""API tokens: issued per sign-in, refused once the password, the account or the
organization changes, signed out by DELETE, and expired after a quiet spell."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, User, api_token_digest
from accounts.tasks import api_tokens_delete_idle_task
from tests.factories import TEST_PASSWORD, UserFactory, published_version

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "A-fresh-phrase-42"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sign_in(email, password=TEST_PASSWORD):
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me_with(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/")


def assert_signed_out(key):
    response = me_with(key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "Sign in again" in response.json()["error"]["message"]
    assert not ApiToken.objects.filter(digest=api_token_digest(key)).exists()


def assert_new_key_works(email, old_key, password=NEW_PASSWORD):
    new_key = sign_in(email, password)
    assert new_key != old_key
    assert me_with(new_key).status_code == 200
    assert me_with(old_key).status_code == 401


def user_admin_form(person, **changes):
    """The admin change form of a person as the browser would post it."""
    data = {
        "organization": person.organization_id,
        "email": person.email,
        "display_name": person.display_name,
        "time_zone": person.time_zone,
        "work_starts_at": person.work_starts_at.strftime("%H:%M"),
        "work_ends_at": person.work_ends_at.strftime("%H:%M"),
        "working_days": "[1, 2, 3, 4, 5]",
        "is_active": "on",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


# --- Issuing ------------------------------------------------------------------------------


def test_token_each_sign_in_issues_a_new_key_and_keeps_only_its_digest(learner):
    first = sign_in(learner.email)
    second = sign_in(learner.email)
    assert first != second
    assert re.fullmatch(r"[0-9a-f]{40}", first)
    assert me_with(first).status_code == 200
    assert me_with(second).status_code == 200
    stored = set(ApiToken.objects.filter(user=learner).values_list("digest", flat=True))
    assert stored == {api_token_digest(first), api_token_digest(second)}
    assert first not in stored


def test_token_wrong_password_issues_nothing(api_client, learner):
    response = api_client.post(
        "/api/v1/auth/token/", {"email": learner.email, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_token_person_keeps_ten_and_the_least_recently_used_goes(learner):
    with time_machine.travel(START, tick=False) as traveller:
        keys = []
        for _ in range(services.API_TOKENS_PER_PERSON + 1):
            keys.append(sign_in(learner.email))
            traveller.shift(timedelta(minutes=1))
        assert ApiToken.objects.filter(user=learner).count() == services.API_TOKENS_PER_PERSON
        assert me_with(keys[0]).status_code == 401
        assert all(me_with(key).status_code == 200 for key in keys[1:])


def test_token_unknown_or_malformed_key_answers_401(learner):
    assert me_with("0" * 40).status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert client.get("/api/v1/me/").status_code == 401


def test_api_without_credentials_answers_401_with_a_token_challenge(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_token_sign_in_is_not_blocked_by_a_stale_token_header(learner):
    old_key = sign_in(learner.email)
    services.api_token_revoke(token=ApiToken.objects.get(digest=api_token_digest(old_key)))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    response = client.post(
        "/api/v1/auth/token/", {"email": learner.email, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 200


# --- Revocation: every way a password changes ---------------------------------------------


def test_token_revoked_by_password_change_page(client, learner):
    key = sign_in(learner.email)
    client.force_login(learner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert_signed_out(key)
    assert_new_key_works(learner.email, key)


def test_token_revoked_by_password_reset(
    client, learner, mailoutbox, django_capture_on_commit_callbacks
):
    key = sign_in(learner.email)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers on commit
        client.post(reverse("password_reset"), {"email": learner.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/" in line)
    response = client.get(urlsplit(link).path, follow=True)
    form_path = response.redirect_chain[-1][0]
    response = client.post(
        form_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert_signed_out(key)
    assert_new_key_works(learner.email, key)


def test_token_revoked_by_invitation_set_password(client, learner):
    key = sign_in(learner.email)
    path = urlsplit(services.invitation_link(user=learner)).path
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert_signed_out(key)
    assert_new_key_works(learner.email, key)


def test_token_revoked_by_admin_password_change(client, author):
    key = sign_in(author.email)
    client.force_login(author)
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert_signed_out(key)
    assert_new_key_works(author.email, key)


def test_token_revoked_by_a_password_set_through_a_service(organization, learner):
    key = sign_in(learner.email)
    services.user_upsert(
        organization=organization,
        email=learner.email,
        display_name=learner.display_name,
        password=NEW_PASSWORD,
    )
    assert_signed_out(key)
    assert_new_key_works(learner.email, key)


def test_token_revoked_by_set_password_anywhere(learner):
    """No code path has to remember the tokens: the fingerprint check catches them all."""
    key = sign_in(learner.email)
    person = User.objects.get(pk=learner.pk)
    person.set_password(NEW_PASSWORD)
    person.save()
    assert_signed_out(key)
    assert_new_key_works(learner.email, key)


def test_token_survives_a_profile_change(api_client, learner):
    key = sign_in(learner.email)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.patch("/api/v1/me/", {"display_name": "Ana C."}, format="json")
    assert response.status_code == 200
    assert me_with(key).status_code == 200


# --- Revocation: deactivation and leaving the organization --------------------------------


def test_token_revoked_by_deactivation_in_the_admin(client, org_admin, learner):
    key = sign_in(learner.email)
    client.force_login(org_admin)
    change_url = reverse("admin:accounts_user_change", args=[learner.pk])
    response = client.post(change_url, user_admin_form(learner, is_active=None))
    assert response.status_code == 302
    learner.refresh_from_db()
    assert not learner.is_active
    assert not ApiToken.objects.filter(user=learner).exists()
    assert_signed_out(key)

    # Reactivated, the person signs in afresh; the old key stays dead.
    response = client.post(change_url, user_admin_form(learner))
    assert response.status_code == 302
    assert_new_key_works(learner.email, key, password=TEST_PASSWORD)


def test_token_revoked_by_deactivation_through_the_service(learner):
    key = sign_in(learner.email)
    services.user_deactivate(user=learner)
    assert not ApiToken.objects.filter(user=learner).exists()
    assert_signed_out(key)
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": learner.email, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()

    User.objects.filter(pk=learner.pk).update(is_active=True)
    assert_new_key_works(learner.email, key, password=TEST_PASSWORD)


def test_token_of_a_person_deactivated_without_the_service_is_refused(learner):
    key = sign_in(learner.email)
    User.objects.filter(pk=learner.pk).update(is_active=False)
    assert_signed_out(key)


def test_token_revoked_when_moved_to_another_organization_in_the_admin(
    client, learner, other_organization
):
    key = sign_in(learner.email)
    client.force_login(UserFactory(organization=None, is_superuser=True))
    response = client.post(
        reverse("admin:accounts_user_change", args=[learner.pk]),
        user_admin_form(learner, organization=other_organization.pk),
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.organization == other_organization
    assert not ApiToken.objects.filter(user=learner).exists()
    assert_signed_out(key)
    assert_new_key_works(learner.email, key, password=TEST_PASSWORD)


def test_token_refused_after_the_organization_changes_by_any_path(learner, other_organization):
    key = sign_in(learner.email)
    User.objects.filter(pk=learner.pk).update(organization=other_organization)
    assert_signed_out(key)


def test_token_revoked_when_removed_from_the_organization(learner):
    """Becoming a platform superuser of no organization is the only way to have none."""
    key = sign_in(learner.email)
    User.objects.filter(pk=learner.pk).update(organization=None, is_superuser=True)
    assert_signed_out(key)
    assert_new_key_works(learner.email, key, password=TEST_PASSWORD)


# --- Signing out --------------------------------------------------------------------------


def test_token_delete_signs_out_that_token_only(learner):
    key, other_key = sign_in(learner.email), sign_in(learner.email)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.delete("/api/v1/auth/token/")
    assert response.status_code == 204
    assert_signed_out(key)
    assert me_with(other_key).status_code == 200


def test_token_delete_without_a_token_answers_401_and_deletes_nothing(client, learner):
    sign_in(learner.email)
    response = APIClient().delete("/api/v1/auth/token/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    # A browser session is not a token: there is nothing of it to sign out here.
    client.force_login(learner)
    assert client.delete("/api/v1/auth/token/").status_code == 401
    assert ApiToken.objects.filter(user=learner).count() == 1


# --- Idle expiry --------------------------------------------------------------------------


def test_token_unused_for_the_idle_days_is_refused_and_deleted(settings, learner):
    settings.API_TOKEN_IDLE_DAYS = 30
    with time_machine.travel(START, tick=False) as traveller:
        key = sign_in(learner.email)
        traveller.shift(timedelta(days=29, hours=23))
        assert me_with(key).status_code == 200
        # That use started a new idle period.
        traveller.shift(timedelta(days=29, hours=23))
        assert me_with(key).status_code == 200
        traveller.shift(timedelta(days=30, minutes=1))
        assert_signed_out(key)
        assert_new_key_works(learner.email, key, password=TEST_PASSWORD)


def test_token_idle_days_come_from_the_setting(settings, learner):
    settings.API_TOKEN_IDLE_DAYS = 2
    with time_machine.travel(START, tick=False) as traveller:
        key = sign_in(learner.email)
        traveller.shift(timedelta(days=2, minutes=1))
        assert_signed_out(key)


def test_token_use_refreshes_last_used_at_at_most_every_five_minutes(learner):
    with time_machine.travel(START, tick=False) as traveller:
        key = sign_in(learner.email)
        token = ApiToken.objects.get(digest=api_token_digest(key))
        traveller.shift(timedelta(minutes=4))
        assert me_with(key).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == START
        traveller.shift(timedelta(minutes=2))
        assert me_with(key).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == START + timedelta(minutes=6)


def test_token_use_costs_one_query_and_writes_only_every_five_minutes(learner):
    with time_machine.travel(START, tick=False) as traveller:
        key = sign_in(learner.email)
        with CaptureQueriesContext(connection) as baseline:
            assert APIClient().get("/api/v1/me/").status_code == 401
        traveller.shift(timedelta(minutes=1))
        client = APIClient()
        client.force_authenticate(learner)
        with CaptureQueriesContext(connection) as by_session:
            assert client.get("/api/v1/me/").status_code == 200
        with CaptureQueriesContext(connection) as quiet:
            assert me_with(key).status_code == 200
        traveller.shift(timedelta(minutes=5))
        with CaptureQueriesContext(connection) as refreshing:
            assert me_with(key).status_code == 200
    assert len(baseline) == 0
    # The token and its person come in one query; nothing is written within five minutes.
    assert len(quiet) == len(by_session) + 1
    assert not [query for query in quiet if query["sql"].startswith("UPDATE")]
    assert len([query for query in refreshing if query["sql"].startswith("UPDATE")]) == 1


def test_token_idle_sweep_deletes_only_idle_tokens(settings, learner, manager):
    settings.API_TOKEN_IDLE_DAYS = 30
    with time_machine.travel(START, tick=False) as traveller:
        idle = sign_in(learner.email)
        traveller.shift(timedelta(days=20))
        recent = sign_in(manager.email)
        traveller.shift(timedelta(days=11))
        assert api_tokens_delete_idle_task() == 1
        assert list(ApiToken.objects.values_list("digest", flat=True)) == [api_token_digest(recent)]
        assert me_with(idle).status_code == 401
        assert me_with(recent).status_code == 200


def test_token_idle_sweep_is_on_the_beat_schedule():
    from micromastery.celery import app

    entry = app.conf.beat_schedule["api-tokens-delete-idle"]
    assert entry["task"] == api_tokens_delete_idle_task.name
    assert api_tokens_delete_idle_task.name in app.tasks


# --- Tenancy ------------------------------------------------------------------------------


def test_token_of_another_organization_sees_none_of_this_organizations_data(organization, outsider):
    version = published_version(organization, steps=1, metrics=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {sign_in(outsider.email)}")
    listing = client.get("/api/v1/micromasteries/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    detail = client.get(f"/api/v1/micromasteries/{version.micromastery_id}/")
    assert detail.status_code == 404
    me = client.get("/api/v1/me/").json()
    assert me["organization"]["slug"] == "globex"


# --- Schema -------------------------------------------------------------------------------


def test_token_scheme_and_sign_out_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    assert "MICROMASTERY_API_TOKEN_IDLE_DAYS" in scheme["description"]
    operations = schema["paths"]["/api/v1/auth/token/"]
    assert "204" in operations["delete"]["responses"]
    assert operations["delete"]["security"] == [{"tokenAuth": []}]
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/me/"]["get"]["security"]


# --- Tokens from before this model --------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor needs to be outside one
def test_token_keys_issued_by_drf_are_carried_over(learner):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0004_api_token_from_drf_tokens")
    old_key = "1f0e" * 10
    with connection.schema_editor() as editor:
        editor.execute(
            "CREATE TABLE authtoken_token "
            '("key" varchar(40) PRIMARY KEY, created timestamp NOT NULL, user_id integer)'
        )
        editor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [old_key, "2026-01-05 10:00:00", learner.pk],
        )
        migration.copy_drf_tokens(apps, editor)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM authtoken_token")
            (left,) = cursor.fetchone()
        editor.execute("DROP TABLE authtoken_token")
    assert left == 0
    token = ApiToken.objects.get(user=learner)
    assert token.digest == api_token_digest(old_key)
    assert token.created_at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert me_with(old_key).status_code == 200

    person = User.objects.get(pk=learner.pk)
    person.set_password(NEW_PASSWORD)
    person.save()
    assert_signed_out(old_key)
