from decimal import Decimal

import pytest

from payoff.models import PayoffMeasurement
from practice import services
from tests.factories import MetricFactory, UserFactory, published_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(organization):
    version = published_version(organization, steps=1, metrics=1)
    metric = version.payoff_metrics.get()
    metric.min_value = Decimal("0")
    metric.max_value = Decimal("240")
    metric.save()
    return version


@pytest.fixture
def metric(version):
    return version.payoff_metrics.get()


@pytest.fixture
def enrollment(learner, version):
    return services.enrollment_create(learner=learner, micromastery=version.micromastery)


def measurements_url(enrollment):
    return f"/api/v1/enrollments/{enrollment.pk}/measurements/"


def test_baseline_recorded_listed_and_shown_on_the_enrolment(api_as, learner, enrollment, metric):
    client = api_as(learner)
    response = client.post(
        measurements_url(enrollment), {"metric": metric.pk, "value": "35.5"}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["metric"] == metric.pk
    assert data["metric_key"] == metric.key
    assert data["kind"] == "baseline"
    assert data["value"] == "35.50"

    corrected = client.post(
        measurements_url(enrollment), {"metric": metric.pk, "value": 30}, format="json"
    )
    assert corrected.status_code == 201
    assert PayoffMeasurement.objects.get().value == Decimal("30")

    listed = client.get(measurements_url(enrollment)).json()
    assert listed["count"] == 1
    assert listed["results"][0]["value"] == "30.00"
    assert listed["results"][0]["unit"] == "minutes"

    detail = client.get(f"/api/v1/enrollments/{enrollment.pk}/").json()
    assert [(row["metric"], row["value"]) for row in detail["baselines"]] == [(metric.pk, "30.00")]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"metric": "own", "value": "-1"}, "value", "Meeting length cannot be below 0 minutes."),
        ({"metric": "own", "value": "241"}, "value", "Meeting length cannot be above 240 minutes."),
        ({"metric": "own", "value": "a lot"}, "value", None),
        ({"metric": "own", "value": "1.234"}, "value", None),
        ({"metric": "own", "value": "NaN"}, "value", None),
        ({"metric": "own"}, "value", None),
        ({"value": "10"}, "metric", None),
        ({"metric": 10**30, "value": "10"}, "metric", None),
        ({"metric": "own", "value": "1e20"}, "value", None),
        ({"metric": "other-version", "value": "10"}, "metric", None),
        ({"metric": "manager-reported", "value": "10"}, "metric", None),
    ],
)
def test_baseline_bad_input_is_400_and_saves_nothing(
    api_as, learner, enrollment, metric, organization, body, field, message
):
    body = dict(body)
    if body.get("metric") == "own":
        body["metric"] = metric.pk
    elif body.get("metric") == "other-version":
        body["metric"] = published_version(organization).payoff_metrics.get().pk
    elif body.get("metric") == "manager-reported":
        body["metric"] = MetricFactory(version=metric.version, reported_by="manager").pk
    response = api_as(learner).post(measurements_url(enrollment), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"], error
    if message:
        assert error["fields"][field] == [message]
    assert not PayoffMeasurement.objects.exists()


def test_baseline_malformed_json_is_400(api_as, learner, enrollment):
    response = api_as(learner).generic(
        "POST", measurements_url(enrollment), '{"metric": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert not PayoffMeasurement.objects.exists()


@pytest.mark.parametrize("who", ["colleague", "manager", "author", "org_admin", "outsider"])
def test_measurements_are_private_to_the_learner(
    api_as, request, team, learner, enrollment, metric, who
):
    services_baseline = {"metric": metric.pk, "value": "20"}
    api_as(learner).post(measurements_url(enrollment), services_baseline, format="json")
    user = (
        UserFactory(organization=learner.organization)
        if who == "colleague"
        else request.getfixturevalue(who)
    )
    client = api_as(user)
    listed = client.get(measurements_url(enrollment))
    written = client.post(
        measurements_url(enrollment), {"metric": metric.pk, "value": "99"}, format="json"
    )
    assert listed.status_code == written.status_code == 404
    assert PayoffMeasurement.objects.get().value == Decimal("20")


def test_measurement_list_query_count_is_constant(
    api_as, learner, organization, django_assert_num_queries
):
    version = published_version(organization, steps=1, metrics=6)
    enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    client = api_as(learner)
    for index, metric in enumerate(version.payoff_metrics.all()):
        client.post(measurements_url(enrollment), {"metric": metric.pk, "value": index})
        # Enrolment, page count, measurements with their metric.
        with django_assert_num_queries(3):
            data = client.get(measurements_url(enrollment)).json()
        assert data["count"] == index + 1


def test_measurements_require_authentication(api_client, enrollment):
    response = api_client.get(measurements_url(enrollment))
    assert response.status_code == 401
