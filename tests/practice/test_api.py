import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import time_machine
from django.db import connection

from micromastery.common.errors import ApplicationError
from practice import services
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from tests.factories import (
    AttemptFactory,
    EnrollmentFactory,
    UserFactory,
    published_version,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def version(organization):
    # Two steps of two repetitions each, 20 hours apart; one learner-reported metric.
    return published_version(organization, steps=2, metrics=1)


@pytest.fixture
def enrollment(learner, version):
    return services.enrollment_create(
        learner=learner, micromastery=version.micromastery, personal_payoff="Shorter stand-ups"
    )


def steps_of(version):
    return list(version.steps.order_by("order"))


def attempt_body(step, **changes):
    body = {
        "step": step.pk,
        "what_i_did": "Ran the stand-up with a visible timer.",
        "what_happened": "Finished in 12 minutes.",
        "feedback_from": "Priya",
        "what_i_will_tweak": "Start with blockers.",
        "confidence": 4,
        "minutes": 15,
    }
    body.update(changes)
    return body


# --- Enrolling -------------------------------------------------------------------------


def test_enrollment_create_returns_the_enrolment_with_its_steps(api_as, learner, version):
    response = api_as(learner).post(
        "/api/v1/enrollments/",
        {"micromastery": version.micromastery.pk, "personal_payoff": "  Leave on time  "},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    enrollment = Enrollment.objects.get(learner=learner)
    assert data["id"] == enrollment.pk
    assert data["micromastery"] == version.micromastery.pk
    assert data["micromastery_title"] == version.title
    assert data["version"] == 1
    assert data["status"] == "active"
    assert data["personal_payoff"] == "Leave on time"
    first, second = steps_of(version)
    assert data["progress"]["percent"] == 0
    assert data["progress"]["current_step"] == first.pk
    assert [(step["id"], step["unlocked"], step["done"]) for step in data["progress"]["steps"]] == [
        (first.pk, True, False),
        (second.pk, False, False),
    ]
    metric = version.payoff_metrics.get()
    assert data["baselines"] == [
        {
            "metric": metric.pk,
            "key": metric.key,
            "name": metric.name,
            "unit": metric.unit,
            "value": None,
            "measured_at": None,
        }
    ]


def test_enrollment_create_refuses_draft_and_second_enrolment(api_as, learner, organization):
    draft = published_version(organization, status="draft")
    client = api_as(learner)
    response = client.post(
        "/api/v1/enrollments/", {"micromastery": draft.micromastery.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["micromastery"] == [
        "This micromastery is not open for enrolment."
    ]
    assert not Enrollment.objects.exists()

    version = published_version(organization)
    first = client.post(
        "/api/v1/enrollments/", {"micromastery": version.micromastery.pk}, format="json"
    )
    assert first.status_code == 201
    again = client.post(
        "/api/v1/enrollments/", {"micromastery": version.micromastery.pk}, format="json"
    )
    assert again.status_code == 400
    assert "already enrolled" in again.json()["error"]["fields"]["micromastery"][0]
    assert Enrollment.objects.count() == 1


def test_enrollment_create_other_organization_looks_like_no_micromastery(
    api_as, learner, other_organization
):
    foreign = published_version(other_organization)
    client = api_as(learner)
    response = client.post(
        "/api/v1/enrollments/", {"micromastery": foreign.micromastery.pk}, format="json"
    )
    missing = client.post("/api/v1/enrollments/", {"micromastery": 999999}, format="json")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "micromastery"),
        ({"micromastery": "meetings"}, "micromastery"),
        ({"micromastery": [1]}, "micromastery"),
        ({"micromastery": 10**30}, "micromastery"),
        ({"micromastery": 1, "personal_payoff": {"text": "x"}}, "personal_payoff"),
        ("{not json", None),
    ],
)
def test_enrollment_create_bad_input_is_400(api_as, learner, version, body, field):
    client = api_as(learner)
    if isinstance(body, str):
        response = client.generic(
            "POST", "/api/v1/enrollments/", body, content_type="application/json"
        )
    else:
        response = client.post("/api/v1/enrollments/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"]
    if field:
        assert field in error["fields"]
    assert not Enrollment.objects.exists()


# --- Listing and reading ----------------------------------------------------------------


def test_enrollment_list_shows_only_mine_with_progress_and_filters_by_status(
    api_as, learner, organization, enrollment, version
):
    paused = services.enrollment_create(
        learner=learner, micromastery=published_version(organization).micromastery
    )
    services.enrollment_pause(enrollment=paused)
    dropped = services.enrollment_create(
        learner=learner, micromastery=published_version(organization).micromastery
    )
    services.enrollment_drop(enrollment=dropped)
    someone_else = UserFactory(organization=organization)
    services.enrollment_create(learner=someone_else, micromastery=version.micromastery)
    first = steps_of(version)[0]
    with time_machine.travel(START, tick=False):
        services.attempt_log(
            enrollment=enrollment, step=first, what_i_did="Timer", confidence=3, minutes=5
        )

    client = api_as(learner)
    data = client.get("/api/v1/enrollments/").json()
    assert data["count"] == 2
    assert {row["id"] for row in data["results"]} == {enrollment.pk, paused.pk}
    row = next(row for row in data["results"] if row["id"] == enrollment.pk)
    assert row["progress"] == {
        "percent": 25,
        "repetitions_done": 1,
        "repetitions_required": 4,
        "next_due_at": "2026-03-03T05:00:00Z",
        "current_step": first.pk,
        "completed_at": None,
        "refresher_due_at": None,
    }
    assert row["personal_payoff"] == "Shorter stand-ups"
    assert "steps" not in row["progress"]

    only_dropped = client.get("/api/v1/enrollments/?status=dropped").json()
    assert [row["id"] for row in only_dropped["results"]] == [dropped.pk]
    blank = client.get("/api/v1/enrollments/?status=").json()
    assert blank["count"] == 2
    only_paused = client.get("/api/v1/enrollments/", {"status": "paused"}).json()
    assert [row["id"] for row in only_paused["results"]] == [paused.pk]
    bad = client.get("/api/v1/enrollments/?status=finished")
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]


def test_enrollment_list_is_paginated(api_as, learner, organization):
    for _ in range(3):
        EnrollmentFactory(learner=learner, version=published_version(organization))
    data = api_as(learner).get("/api/v1/enrollments/?page_size=2").json()
    assert data["count"] == 3
    assert len(data["results"]) == 2
    assert data["next"]


def enrol_many(learner, organization, *, enrollments, attempts):
    rows = [
        EnrollmentFactory(learner=learner, version=published_version(organization))
        for _ in range(enrollments)
    ]
    for index in range(attempts):
        AttemptFactory(enrollment=rows[index % enrollments])
    return rows


def test_enrollment_list_query_count_does_not_grow(
    api_as, learner, organization, django_assert_num_queries
):
    client = api_as(learner)
    enrol_many(learner, organization, enrollments=1, attempts=1)
    # Page count, enrolments with version and micromastery, steps with their attempts
    # counted in the database (one row a step, not one an attempt).
    with django_assert_num_queries(3):
        assert client.get("/api/v1/enrollments/").json()["count"] == 1
    enrol_many(learner, organization, enrollments=49, attempts=499)
    with django_assert_num_queries(3):
        data = client.get("/api/v1/enrollments/").json()
    assert data["count"] == 50
    assert len(data["results"]) == 50


def test_enrollment_detail_shows_progress_per_step(api_as, learner, enrollment, version):
    first, second = steps_of(version)
    for hours in (0, 21):
        with time_machine.travel(START + timedelta(hours=hours), tick=False):
            services.attempt_log(
                enrollment=enrollment, step=first, what_i_did="Timer", confidence=3, minutes=5
            )
    data = api_as(learner).get(f"/api/v1/enrollments/{enrollment.pk}/").json()
    assert data["status"] == "active"
    assert data["personal_payoff"] == "Shorter stand-ups"
    assert data["progress"]["percent"] == 50
    assert data["progress"]["current_step"] == second.pk
    step_one, step_two = data["progress"]["steps"]
    assert step_one == {
        "id": first.pk,
        "key": "step-1",
        "order": 1,
        "number": 1,
        "title": "Step 1",
        "action": first.action,
        "feedback_how": first.feedback_how,
        "tweak_prompt": first.tweak_prompt,
        "evidence_kind": "reflection",
        "min_spacing_hours": 20,
        "repetitions_done": 2,
        "repetitions_required": 2,
        "next_due_at": None,
        "done": True,
        "unlocked": True,
    }
    assert (step_two["unlocked"], step_two["done"], step_two["repetitions_done"]) == (
        True,
        False,
        0,
    )


def test_enrollment_detail_query_count_is_constant(
    api_as, learner, organization, django_assert_num_queries
):
    (one,) = enrol_many(learner, organization, enrollments=1, attempts=1)
    (many,) = enrol_many(learner, organization, enrollments=1, attempts=200)
    client = api_as(learner)
    # Enrolment, steps with their attempts counted, then the baselines: metrics and their
    # measurements.
    for enrollment in (one, many):
        with django_assert_num_queries(4):
            assert client.get(f"/api/v1/enrollments/{enrollment.pk}/").status_code == 200


# --- Changing the enrolment -------------------------------------------------------------


def test_enrollment_update_personal_payoff(api_as, learner, enrollment):
    client = api_as(learner)
    response = client.patch(
        f"/api/v1/enrollments/{enrollment.pk}/",
        {"personal_payoff": "Home by six"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["personal_payoff"] == "Home by six"
    enrollment.refresh_from_db()
    assert enrollment.personal_payoff == "Home by six"

    for body in ({}, {"personal_payoff": None}, {"personal_payoff": ["x"]}):
        refused = client.patch(f"/api/v1/enrollments/{enrollment.pk}/", body, format="json")
        assert refused.status_code == 400
        assert "personal_payoff" in refused.json()["error"]["fields"]
    enrollment.refresh_from_db()
    assert enrollment.personal_payoff == "Home by six"


def test_enrollment_pause_resume_and_drop(api_as, learner, enrollment):
    client = api_as(learner)
    base = f"/api/v1/enrollments/{enrollment.pk}"
    paused = client.post(f"{base}/pause/")
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    again = client.post(f"{base}/pause/")
    assert again.status_code == 400
    assert again.json()["error"]["message"] == (
        "Only a micromastery you are practising can be paused."
    )
    resumed = client.post(f"{base}/resume/")
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "active"
    assert client.post(f"{base}/resume/").status_code == 400
    dropped = client.post(f"{base}/drop/")
    assert dropped.status_code == 200
    assert dropped.json()["status"] == "dropped"
    assert dropped.json()["dropped_at"]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.DROPPED


# --- Attempts ---------------------------------------------------------------------------


def test_attempt_create_returns_attempt_and_progress(api_as, learner, enrollment, version):
    first = steps_of(version)[0]
    client = api_as(learner)
    with time_machine.travel(START, tick=False):
        response = client.post(
            f"/api/v1/enrollments/{enrollment.pk}/attempts/", attempt_body(first), format="json"
        )
    assert response.status_code == 201
    data = response.json()
    attempt = PracticeAttempt.objects.get()
    assert data["attempt"]["id"] == attempt.pk
    assert data["attempt"]["step"] == first.pk
    assert data["attempt"]["what_i_did"] == "Ran the stand-up with a visible timer."
    assert data["attempt"]["confidence"] == 4
    assert data["attempt"]["practiced_at"] == "2026-03-02T09:00:00Z"
    assert data["counted_as_repetition"] is True
    assert data["step_done"] is False
    assert data["micromastery_completed"] is False
    assert data["progress"]["percent"] == 25
    assert data["progress"]["steps"][0]["next_due_at"] == "2026-03-03T05:00:00Z"

    with time_machine.travel(START + timedelta(hours=1), tick=False):
        too_soon = client.post(
            f"/api/v1/enrollments/{enrollment.pk}/attempts/", attempt_body(first), format="json"
        )
    assert too_soon.status_code == 201
    assert too_soon.json()["counted_as_repetition"] is False
    assert too_soon.json()["progress"]["percent"] == 25


def test_attempt_create_completes_the_micromastery(api_as, learner, enrollment, version):
    client = api_as(learner)
    moment = START
    responses = []
    for step in steps_of(version):
        for _ in range(step.repetitions_required):
            with time_machine.travel(moment, tick=False):
                responses.append(
                    client.post(
                        f"/api/v1/enrollments/{enrollment.pk}/attempts/",
                        attempt_body(step),
                        format="json",
                    ).json()
                )
            moment += timedelta(hours=21)
    assert responses[1]["step_done"] is True
    assert responses[1]["micromastery_completed"] is False
    last = responses[-1]
    assert last["step_done"] is True
    assert last["micromastery_completed"] is True
    assert last["completed_now"] is True
    assert last["progress"]["percent"] == 100
    assert last["progress"]["refresher_due_at"]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_attempt_same_submission_key_returns_the_first_attempt(
    api_as, learner, enrollment, version
):
    first = steps_of(version)[0]
    client = api_as(learner)
    body = attempt_body(first, submission_key=str(uuid.uuid4()))
    created = client.post(f"/api/v1/enrollments/{enrollment.pk}/attempts/", body, format="json")
    resent = client.post(f"/api/v1/enrollments/{enrollment.pk}/attempts/", body, format="json")
    assert created.status_code == 201
    assert resent.status_code == 200
    assert resent.json()["attempt"]["id"] == created.json()["attempt"]["id"]
    assert resent.json()["attempt"]["submission_key"] == body["submission_key"]
    assert PracticeAttempt.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"what_i_did": None}, "what_i_did"),
        ({"what_i_did": "   "}, "what_i_did"),
        ({"what_i_did": ["a", "b"]}, "what_i_did"),
        ({"confidence": 6}, "confidence"),
        ({"confidence": 0}, "confidence"),
        ({"confidence": "high"}, "confidence"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"practiced_at": "2026-03-09T09:00:00Z"}, "practiced_at"),
        ({"practiced_at": "2025-12-30T09:00:00Z"}, "practiced_at"),
        ({"practiced_at": "0001-01-01T00:00:00Z"}, "practiced_at"),
        ({"practiced_at": "yesterday"}, "practiced_at"),
        ({"submission_key": "not-a-uuid"}, "submission_key"),
        ({"step": "first"}, "step"),
        ({"step": 10**30}, "step"),
        ({"step": "other-version"}, "step"),
        ({"step": "locked"}, "step"),
        ({"feedback_from": "x" * 121}, "feedback_from"),
    ],
)
def test_attempt_bad_input_is_400_and_saves_nothing(
    api_as, learner, enrollment, version, organization, changes, field
):
    first, second = steps_of(version)
    body = attempt_body(first)
    body.update(changes)
    if changes.get("step") == "other-version":
        body["step"] = published_version(organization).steps.first().pk
    elif changes.get("step") == "locked":
        body["step"] = second.pk
    body = {name: value for name, value in body.items() if value is not None}
    with time_machine.travel(START, tick=False):
        response = api_as(learner).post(
            f"/api/v1/enrollments/{enrollment.pk}/attempts/", body, format="json"
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"], error
    assert error["message"]
    assert not PracticeAttempt.objects.exists()


def test_attempt_practised_earlier_today_or_last_week_is_logged_then(
    api_as, learner, enrollment, version
):
    first = steps_of(version)[0]
    with time_machine.travel(START, tick=False):
        response = api_as(learner).post(
            f"/api/v1/enrollments/{enrollment.pk}/attempts/",
            attempt_body(first, practiced_at="2026-02-23T17:30:00+01:00"),
            format="json",
        )
    assert response.status_code == 201
    assert response.json()["attempt"]["practiced_at"] == "2026-02-23T16:30:00Z"


def test_attempt_locked_step_says_what_to_finish_first(api_as, learner, enrollment, version):
    second = steps_of(version)[1]
    response = api_as(learner).post(
        f"/api/v1/enrollments/{enrollment.pk}/attempts/", attempt_body(second), format="json"
    )
    assert response.json()["error"]["fields"]["step"] == [
        "This step unlocks when you have finished step 1, “Step 1”."
    ]


def test_attempt_malformed_json_is_400(api_as, learner, enrollment):
    response = api_as(learner).generic(
        "POST",
        f"/api/v1/enrollments/{enrollment.pk}/attempts/",
        '{"step": 1, "what_i_did": ',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert not PracticeAttempt.objects.exists()


def test_attempt_on_dropped_enrolment_is_refused(api_as, learner, enrollment, version):
    services.enrollment_drop(enrollment=enrollment)
    response = api_as(learner).post(
        f"/api/v1/enrollments/{enrollment.pk}/attempts/",
        attempt_body(steps_of(version)[0]),
        format="json",
    )
    assert response.status_code == 400
    assert "Resume it" in response.json()["error"]["message"]


def test_attempt_list_latest_first_filtered_by_step_and_paginated(
    api_as, learner, enrollment, version, django_assert_num_queries
):
    first, second = steps_of(version)
    for hours in (0, 21, 42):
        with time_machine.travel(START + timedelta(hours=hours), tick=False):
            services.attempt_log(
                enrollment=enrollment,
                step=first if hours < 42 else second,
                what_i_did=f"At {hours}",
                confidence=3,
                minutes=5,
            )
    client = api_as(learner)
    # Enrolment, page count, attempts.
    with django_assert_num_queries(3):
        data = client.get(f"/api/v1/enrollments/{enrollment.pk}/attempts/").json()
    assert data["count"] == 3
    assert [row["what_i_did"] for row in data["results"]] == ["At 42", "At 21", "At 0"]
    of_first = client.get(f"/api/v1/enrollments/{enrollment.pk}/attempts/?step={first.pk}")
    assert [row["what_i_did"] for row in of_first.json()["results"]] == ["At 21", "At 0"]
    paged = client.get(f"/api/v1/enrollments/{enrollment.pk}/attempts/?page_size=1").json()
    assert len(paged["results"]) == 1
    assert paged["next"]
    for step in ("first", 10**30):
        bad = client.get(f"/api/v1/enrollments/{enrollment.pk}/attempts/?step={step}")
        assert bad.status_code == 400
        assert "step" in bad.json()["error"]["fields"]


# --- Practise today ---------------------------------------------------------------------


def test_practice_today_lists_what_is_due_and_the_streak(
    api_as, learner, enrollment, version, organization
):
    later_one = services.enrollment_create(
        learner=learner, micromastery=published_version(organization).micromastery
    )
    first = steps_of(version)[0]
    later_first = later_one.version.steps.order_by("order").first()
    with time_machine.travel(START, tick=False):
        services.attempt_log(
            enrollment=later_one, step=later_first, what_i_did="Timer", confidence=3, minutes=5
        )
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        data = api_as(learner).get("/api/v1/practice/today/").json()
    assert data["streak"] == 1
    quick_log_urls = [item.pop("quick_log_url") for item in data["today"] + data["later"]]
    assert all(url.startswith("http://testserver/q/") for url in quick_log_urls)
    assert data["today"] == [
        {
            "enrollment": enrollment.pk,
            "micromastery": version.micromastery.pk,
            "micromastery_title": version.title,
            "step": first.pk,
            "step_number": 1,
            "title": "Step 1",
            "repetitions_done": 0,
            "repetitions_required": 2,
            "due_at": None,
            "is_refresher": False,
        }
    ]
    assert [(item["enrollment"], item["due_at"]) for item in data["later"]] == [
        (later_one.pk, "2026-03-03T05:00:00Z")
    ]


def test_practice_today_shows_only_my_enrolments(api_as, organization, enrollment):
    colleague = UserFactory(organization=organization)
    data = api_as(colleague).get("/api/v1/practice/today/").json()
    assert data == {"today": [], "later": [], "streak": 0}


# --- Tenancy and roles ------------------------------------------------------------------

ENDPOINTS = [
    ("get", ""),
    ("patch", ""),
    ("post", "pause/"),
    ("post", "resume/"),
    ("post", "drop/"),
    ("get", "attempts/"),
    ("post", "attempts/"),
]


@pytest.mark.parametrize(("method", "suffix"), ENDPOINTS)
@pytest.mark.parametrize("who", ["colleague", "manager", "author", "org_admin", "outsider"])
def test_enrollment_is_private_to_its_learner(
    api_as, request, team, enrollment, version, method, suffix, who
):
    if who == "colleague":
        user = UserFactory(organization=enrollment.learner.organization)
    else:
        user = request.getfixturevalue(who)
    body = (
        {"personal_payoff": "Mine now"} if method == "patch" else attempt_body(steps_of(version)[0])
    )
    response = getattr(api_as(user), method)(
        f"/api/v1/enrollments/{enrollment.pk}/{suffix}", body, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.personal_payoff == "Shorter stand-ups"
    assert not PracticeAttempt.objects.exists()


def test_enrollment_list_of_manager_shows_none_of_the_team(api_as, manager, team, enrollment):
    data = api_as(manager).get("/api/v1/enrollments/").json()
    assert data["count"] == 0


@pytest.mark.parametrize(
    "path",
    ["/api/v1/enrollments/", "/api/v1/enrollments/1/", "/api/v1/practice/today/"],
)
def test_practice_api_requires_authentication(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_practice_api_is_in_the_schema(client):
    schema = client.get("/api/schema/").content
    for path in [
        b"/api/v1/enrollments/{enrollment_id}/attempts/",
        b"/api/v1/enrollments/{enrollment_id}/pause/",
        b"/api/v1/practice/today/",
    ]:
        assert path in schema


@pytest.mark.django_db(transaction=True)
def test_enrollment_create_twice_at_once_enrols_once(learner, version):
    barrier = Barrier(2)

    def enrol():
        try:
            barrier.wait()
            return services.enrollment_create(learner=learner, micromastery=version.micromastery).pk
        except ApplicationError as error:
            return error.fields["micromastery"][0]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda _: enrol(), range(2)))
    assert Enrollment.objects.count() == 1
    assert sorted(outcomes, key=str) == sorted(
        [Enrollment.objects.get().pk, "You are already enrolled in this micromastery."], key=str
    )
