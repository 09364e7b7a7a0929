"""Input built to crash a request or tie up a worker gets a clear 4xx and changes nothing."""

import json
import re

import pytest
from axes.models import AccessAttempt
from django.urls import URLResolver, get_resolver

from courses.models import Micromastery
from tests.courses.test_api import complete_body
from tests.factories import TEST_PASSWORD, UserFactory, published_version

pytestmark = pytest.mark.django_db


def nested(depth):
    return "[" * depth + "]" * depth


def huge_number(digits):
    return "9" * digits


def assert_api_error(response, status=400):
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    return error


# --- API bodies -----------------------------------------------------------------------------


def test_api_body_nested_deeply_is_a_400_for_anyone(api_client):
    response = api_client.generic(
        "POST",
        "/api/v1/auth/token/",
        '{"email": "a@b.example", "password": ' + nested(1000) + "}",
        content_type="application/json",
    )
    error = assert_api_error(response)
    assert "nested more than 32 levels" in error["message"]


def test_api_body_nested_deeply_is_a_400_and_creates_nothing(api_as, author):
    body = json.dumps(complete_body()).replace('"topics": [', '"topics": [' + nested(1000) + ",")
    response = api_as(author).generic(
        "POST", "/api/v1/micromasteries/", body, content_type="application/json"
    )
    error = assert_api_error(response)
    assert "line 1" in error["message"]
    assert not Micromastery.objects.exists()


@pytest.mark.parametrize("digits", [51, 4000, 5000])
def test_api_body_with_a_huge_integer_is_a_400_and_creates_nothing(api_as, author, digits):
    body = json.dumps(complete_body()).replace('"estimated_minutes": 5', '"estimated_minutes": 0')
    body = body.replace('"estimated_minutes": 0', f'"estimated_minutes": {huge_number(digits)}')
    response = api_as(author).generic(
        "POST", "/api/v1/micromasteries/", body, content_type="application/json"
    )
    error = assert_api_error(response)
    assert "too long: whole numbers here have at most 50 digits" in error["message"]
    assert not Micromastery.objects.exists()


def test_api_body_with_a_huge_integer_is_a_400_for_anyone(api_client):
    response = api_client.generic(
        "POST",
        "/api/v1/auth/token/",
        '{"email": "a@b.example", "password": "x", "remember": ' + huge_number(5000) + "}",
        content_type="application/json",
    )
    error = assert_api_error(response)
    assert "too long: whole numbers here have at most 50 digits" in error["message"]


def test_api_body_within_the_limits_still_works(api_as, author):
    # Digits inside strings are text, and brackets inside strings are not nesting.
    body = complete_body(title="Ship [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ 99999999999999999999999")
    response = api_as(author).post("/api/v1/micromasteries/", body, format="json")
    assert response.status_code == 201
    assert Micromastery.objects.count() == 1


# --- Admin ----------------------------------------------------------------------------------

AUTOCOMPLETE = "/admin/autocomplete/"


@pytest.mark.parametrize(
    "field",
    [
        {"app_label": "accounts", "model_name": "user", "field_name": "teams"},
        {"app_label": "accounts", "model_name": "user", "field_name": "managed_teams"},
        {"app_label": "accounts", "model_name": "organization", "field_name": "users"},
        {"app_label": "accounts", "model_name": "user", "field_name": "nothing"},
        {"app_label": "accounts", "model_name": "user"},
    ],
)
def test_admin_autocomplete_on_a_reverse_or_unknown_relation_is_refused(
    client, org_admin, team, field
):
    client.force_login(org_admin)
    response = client.get(AUTOCOMPLETE, field)
    assert response.status_code == 403


def test_admin_autocomplete_on_a_relation_lists_own_organization_only(
    client, org_admin, team, outsider
):
    client.force_login(org_admin)
    response = client.get(
        AUTOCOMPLETE,
        {"app_label": "accounts", "model_name": "team", "field_name": "members", "term": "e"},
    )
    assert response.status_code == 200
    shown = {result["text"] for result in response.json()["results"]}
    assert shown
    assert str(outsider) not in shown


def test_admin_autocomplete_search_term_with_nul_is_a_400(client, org_admin, team):
    client.force_login(org_admin)
    response = client.get(
        AUTOCOMPLETE,
        {"app_label": "accounts", "model_name": "team", "field_name": "members", "term": "a\x00"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("changelist", "query"),
    [
        ("/admin/courses/micromastery/", {"organization__exact": "1" + "0" * 30}),
        ("/admin/courses/micromastery/", {"organization": "9" * 25}),
        ("/admin/courses/micromasteryversion/", {"status__exact": "draft\x00"}),
        ("/admin/courses/micromasteryversion/", {"q": "ana", "status__exact": "\x00"}),
    ],
)
def test_admin_changelist_with_a_malformed_filter_shows_the_list_flagged(
    client, author, organization, changelist, query
):
    version = published_version(organization, title="Run a 15-minute stand-up")
    client.force_login(author)

    response = client.get(changelist, query)

    assert response.status_code == 302
    assert response["Location"] == f"{changelist}?e=1"
    page = client.get(response["Location"]).content.decode()
    assert version.micromastery.slug in page


def test_admin_changelist_search_for_a_long_number_is_a_search(client, author, organization):
    client.force_login(author)
    response = client.get("/admin/courses/micromasteryversion/", {"q": "9" * 30})
    assert response.status_code == 200


# --- Ids and query strings ------------------------------------------------------------------

OUT_OF_RANGE_ID = str(10**30)


def urls_with_ids():
    """Every route that takes an id, with an id far beyond any database column."""
    urls = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif "<int:" in route or "<path:object_id>" in route:
                urls.append("/" + re.sub(r"<(?:int|path):\w+>", OUT_OF_RANGE_ID, route))

    walk(get_resolver().url_patterns, "")
    return urls


def test_api_micromastery_with_an_out_of_range_id_is_a_404(api_as, learner, organization):
    published_version(organization)
    response = api_as(learner).get(f"/api/v1/micromasteries/{OUT_OF_RANGE_ID}/")
    assert_api_error(response, status=404)


@pytest.mark.parametrize("role", ["superuser", "author", "manager"])
def test_every_url_with_an_out_of_range_id_answers_without_an_error(
    client, organization, team, author, manager, role
):
    published_version(organization)
    viewer = {
        "superuser": UserFactory(organization=None, email="root@example.com", is_superuser=True),
        "author": author,
        "manager": manager,
    }[role]
    client.force_login(viewer)
    client.raise_request_exception = False
    answers = {}
    for url in urls_with_ids():
        for method in (client.get, client.post):
            answers[f"{method.__name__.upper()} {url}"] = method(url).status_code
    failed = {request: status for request, status in answers.items() if status >= 500}
    assert len(answers) > 100
    assert failed == {}


# --- Headers --------------------------------------------------------------------------------

NUL_USER_AGENT = "Mozilla/5.0\x00<script>"


@pytest.mark.parametrize(
    ("url", "credentials", "refused", "accepted"),
    [
        ("/accounts/login/", {"username": "learner@acme.example"}, 200, 302),
        # A learner has no admin: the right password still leaves them on the sign-in page.
        ("/admin/login/", {"username": "learner@acme.example"}, 200, 200),
        ("/api/v1/auth/token/", {"email": "learner@acme.example"}, 400, 200),
    ],
)
def test_sign_in_with_nul_in_the_user_agent_is_counted_not_a_500(
    client, learner, url, credentials, refused, accepted
):
    # The API takes JSON bodies only; the pages take forms.
    body = {"content_type": "application/json"} if url.startswith("/api/") else {}
    failed = client.post(
        url, {**credentials, "password": "wrong"}, headers={"user-agent": NUL_USER_AGENT}, **body
    )

    assert failed.status_code == refused
    assert AccessAttempt.objects.get().user_agent == "Mozilla/5.0\ufffd<script>"
    signed_in = client.post(
        url,
        {**credentials, "password": TEST_PASSWORD},
        headers={"user-agent": NUL_USER_AGENT},
        **body,
    )
    assert signed_in.status_code == accepted
