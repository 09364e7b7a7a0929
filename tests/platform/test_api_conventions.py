"""Conventions every endpoint shares: authentication, pages, bodies, errors and the schema."""

import pytest
import yaml

from practice.models import Enrollment
from tests.factories import EnrollmentFactory, published_version

pytestmark = pytest.mark.django_db


def test_an_anonymous_request_is_told_how_to_authenticate(api_client):
    response = api_client.get("/api/v1/enrollments/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("page_size=abc", "page_size", "Give a page size from 1 to 200."),
        ("page_size=0", "page_size", "Give a page size from 1 to 200."),
        ("page_size=201", "page_size", "Give a page size from 1 to 200."),
        ("page=0", "page", "Give a page number from 1."),
        ("page=last", "page", "Give a page number from 1."),
    ],
)
def test_a_page_parameter_out_of_range_is_a_400(api_as, learner, query, field, message):
    response = api_as(learner).get(f"/api/v1/enrollments/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}


def test_a_page_past_the_end_is_a_404_that_says_so(api_as, learner):
    client = api_as(learner)
    assert client.get("/api/v1/notifications/?page=1").status_code == 200
    response = client.get("/api/v1/notifications/?page=2")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "There is no page 2: this list has fewer pages."


def test_a_page_size_within_bounds_is_applied(api_as, learner, organization):
    for _ in range(3):
        EnrollmentFactory(learner=learner, version=published_version(organization))
    data = api_as(learner).get("/api/v1/enrollments/?page_size=2&page=2").json()
    assert data["count"] == 3
    assert len(data["results"]) == 1


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/enrollments/abc/"])
def test_an_unknown_api_address_is_a_404_in_the_error_shape(api_as, learner, path):
    response = api_as(learner).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_form_body_is_refused_and_changes_nothing(api_as, learner, organization):
    version = published_version(organization)
    response = api_as(learner).post(
        "/api/v1/enrollments/", {"micromastery": version.micromastery_id}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"micromastery": "1"}, "micromastery", "Give a whole number here."),
        (
            {"micromastery": 1, "personal_payoff": 5},
            "personal_payoff",
            "Give text here, in quotes.",
        ),
        (
            {"micromastery": 1, "personal_payof": "Less time"},
            "personal_payof",
            "Unknown field: remove it or check its spelling.",
        ),
    ],
)
def test_a_body_value_of_another_type_than_documented_is_refused(
    api_as, learner, organization, body, field, message
):
    published_version(organization)
    response = api_as(learner).post("/api/v1/enrollments/", body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field] == [message]
    assert not Enrollment.objects.exists()


def test_the_unread_filter_refuses_what_is_not_a_yes_or_no(api_as, learner):
    response = api_as(learner).get("/api/v1/notifications/?unread=maybe")
    assert response.status_code == 400
    assert "unread" in response.json()["error"]["fields"]


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_documents_each_error_in_its_shape(schema):
    me = schema["paths"]["/api/v1/me/"]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    assert set(me["get"]["responses"]) == {"200", "401"}
    assert me["get"]["responses"]["401"]["content"] == error
    assert "WWW-Authenticate" in me["get"]["responses"]["401"]["headers"]
    assert set(me["patch"]["responses"]) == {"200", "400", "401", "403"}

    enrollment = schema["paths"]["/api/v1/enrollments/{enrollment_id}/"]["get"]
    assert set(enrollment["responses"]) == {"200", "401", "404"}
    assert enrollment["responses"]["404"]["description"] == "Not one of your enrolments."
    assert enrollment["responses"]["404"]["content"] == error

    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert set(token["responses"]) == {"200", "400"}

    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "fields"}


def test_the_schema_states_page_bounds_and_local_times(schema):
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in schema["paths"]["/api/v1/enrollments/"]["get"]["parameters"]
    }
    assert parameters["page"]["minimum"] == 1
    assert (parameters["page_size"]["minimum"], parameters["page_size"]["maximum"]) == (1, 200)
    work_starts_at = schema["components"]["schemas"]["MeOutput"]["properties"]["work_starts_at"]
    assert "format" not in work_starts_at
    assert work_starts_at["pattern"].startswith("^([01][0-9]|2[0-3]):")
