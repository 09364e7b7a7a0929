import pytest

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_api_token_from_email_and_password_authenticates_requests(api_client, learner):
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": "Learner@acme.example", "password": TEST_PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "learner@acme.example"


@pytest.mark.parametrize("email", ["learner@acme.example", "nobody@acme.example"])
def test_api_token_wrong_credentials_same_error(api_client, learner, email):
    response = api_client.post(
        "/api/v1/auth/token/", {"email": email, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "That email and password do not match an account."
    )


def test_api_token_locks_out_after_repeated_failures(api_client, learner):
    for _ in range(5):
        api_client.post(
            "/api/v1/auth/token/", {"email": learner.email, "password": "nope"}, format="json"
        )
    response = api_client.post(
        "/api/v1/auth/token/", {"email": learner.email, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        ({"email": "not-an-email", "password": "x"}, "json", "email"),
        ({"email": "a@b.example"}, "json", "password"),
        ("{not json", "raw", None),
    ],
)
def test_api_malformed_requests_get_400_with_field_messages(api_client, body, content_type, field):
    if content_type == "raw":
        response = api_client.generic(
            "POST", "/api/v1/auth/token/", body, content_type="application/json"
        )
    else:
        response = api_client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"]
    if field:
        assert field in error["fields"]


def test_api_me_shows_organization_and_roles(api_as, manager, team):
    data = api_as(manager).get("/api/v1/me/").json()
    assert data["organization"]["slug"] == "acme"
    assert data["roles"] == ["learner", "manager"]
    assert data["managed_teams"] == [{"id": team.pk, "name": "Dispatch"}]


def test_api_me_requires_authentication(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    # The client is told how to authenticate.
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_api_me_update_profile(api_as, learner):
    response = api_as(learner).patch(
        "/api/v1/me/", {"time_zone": "America/New_York", "working_days": [1, 3, 5]}, format="json"
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.time_zone == "America/New_York"
    assert learner.working_days == [1, 3, 5]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"work_starts_at": "17:00"}, "work_ends_at"),  # 17:00-17:00: no working time
        ({"working_days": []}, "working_days"),
        ({"working_days": [9]}, "working_days.0"),
    ],
)
def test_api_me_update_bad_input_changes_nothing(api_as, learner, body, field):
    response = api_as(learner).patch("/api/v1/me/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    learner.refresh_from_db()
    assert learner.time_zone == "Europe/London"
    assert learner.working_days == [1, 2, 3, 4, 5]


def test_api_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert b"/api/v1/me/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    assert b"https://" not in docs.content
