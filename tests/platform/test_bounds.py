"""Every free-text field and every list a person fills has a maximum, on every path.

Each test sends input one over the limit (refused with a message by field, nothing
written) and input exactly at the limit (accepted).
"""

from datetime import date

import pytest
import yaml
from django.urls import reverse

from accounts.models import User
from courses import services as course_services
from courses import transfer
from courses.models import Micromastery, MicromasteryVersion, PayoffMetric, PracticeStep
from micromastery.common.errors import ApplicationError
from payoff import services as payoff_services
from payoff.models import PayoffMeasurement
from practice import services as practice_services
from practice.cohorts import services as cohort_services
from practice.cohorts.models import Cohort
from practice.models import Enrollment, PracticeAttempt
from tests.factories import StepFactory, published_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(organization):
    return published_version(organization, steps=1, metrics=1, title="Run a 15-minute stand-up")


@pytest.fixture
def enrollment(learner, version):
    return practice_services.enrollment_create(learner=learner, micromastery=version.micromastery)


def fields_of(response):
    return response.json()["error"]["fields"]


# --- Enrolling: the personal payoff ---------------------------------------------------------


def test_enrol_page_refuses_a_personal_payoff_over_1000_characters(client, learner, version):
    client.force_login(learner)
    url = reverse("practice:enrol", args=[version.micromastery_id])

    response = client.post(url, {"personal_payoff": "x" * 1001})

    assert response.status_code == 200
    assert "at most 1000 characters" in response.content.decode()
    assert not Enrollment.objects.exists()

    response = client.post(url, {"personal_payoff": "x" * 1000})
    assert response.status_code == 302
    assert len(Enrollment.objects.get(learner=learner).personal_payoff) == 1000


def test_enrol_api_refuses_a_personal_payoff_over_1000_characters(api_as, learner, version):
    client = api_as(learner)
    body = {"micromastery": version.micromastery_id, "personal_payoff": "x" * 1001}

    response = client.post("/api/v1/enrollments/", body, format="json")

    assert response.status_code == 400
    assert "personal_payoff" in fields_of(response)
    assert not Enrollment.objects.exists()

    body["personal_payoff"] = "x" * 1000
    assert client.post("/api/v1/enrollments/", body, format="json").status_code == 201


def test_personal_payoff_update_refuses_over_1000_characters(api_as, learner, enrollment):
    url = f"/api/v1/enrollments/{enrollment.pk}/"

    response = api_as(learner).patch(url, {"personal_payoff": "x" * 1001}, format="json")

    assert response.status_code == 400
    assert "personal_payoff" in fields_of(response)
    enrollment.refresh_from_db()
    assert enrollment.personal_payoff == ""
    with pytest.raises(ApplicationError) as refused:
        practice_services.enrollment_update_personal_payoff(
            enrollment=enrollment, personal_payoff="x" * 1001
        )
    assert "personal_payoff" in refused.value.fields
    enrollment.refresh_from_db()
    assert enrollment.personal_payoff == ""


# --- Logging practice -----------------------------------------------------------------------


def attempt_body(step, **change):
    body = {"step": step.pk, "what_i_did": "Kept it to 15 minutes.", "confidence": 3, "minutes": 5}
    body.update(change)
    return body


@pytest.mark.parametrize("field", ["what_i_did", "what_happened", "what_i_will_tweak"])
def test_attempt_api_refuses_text_over_4000_characters(api_as, learner, enrollment, field):
    step = enrollment.version.steps.get()
    url = f"/api/v1/enrollments/{enrollment.pk}/attempts/"

    response = api_as(learner).post(url, attempt_body(step, **{field: "x" * 4001}), format="json")

    assert response.status_code == 400
    assert field in fields_of(response)
    assert not PracticeAttempt.objects.exists()

    response = api_as(learner).post(url, attempt_body(step, **{field: "x" * 4000}), format="json")
    assert response.status_code == 201
    assert len(getattr(PracticeAttempt.objects.get(), field)) == 4000


def test_attempt_page_refuses_text_over_4000_characters(client, learner, enrollment):
    step = enrollment.version.steps.get()
    client.force_login(learner)
    url = reverse("practice:step", args=[enrollment.pk, step.pk])
    data = {"what_i_did": "x" * 4001, "confidence": "3", "minutes": "5"}

    response = client.post(url, data)

    assert response.status_code == 200
    assert "at most 4000 characters" in response.content.decode()
    assert not PracticeAttempt.objects.exists()

    assert client.post(url, {**data, "what_i_did": "x" * 4000}).status_code == 302
    assert PracticeAttempt.objects.count() == 1


def test_attempt_service_refuses_text_over_4000_characters(enrollment):
    step = enrollment.version.steps.get()
    with pytest.raises(ApplicationError) as refused:
        practice_services.attempt_log(
            enrollment=enrollment, step=step, what_i_did="x" * 4001, confidence=3, minutes=5
        )
    assert "what_i_did" in refused.value.fields
    assert not PracticeAttempt.objects.exists()


# --- Authoring: API, admin, import ----------------------------------------------------------


def step_body(index):
    return {
        "title": f"Step {index}",
        "action": "Start on the minute.",
        "feedback_how": "Ask one attendee.",
        "tweak_prompt": "What will you cut?",
    }


def metric_body(index):
    return {"name": f"Metric {index}", "unit": "minutes", "how_to_measure": "Clock it."}


def create_body(*, steps=1, metrics=1, **change):
    body = {
        "title": "Run a 15-minute stand-up",
        "context": {"challenge": "Stand-ups run for 40 minutes."},
        "steps": [step_body(index) for index in range(1, steps + 1)],
        "payoff_metrics": [metric_body(index) for index in range(1, metrics + 1)],
    }
    body.update(change)
    return body


def test_author_api_refuses_21_steps_and_11_metrics(api_as, author):
    client = api_as(author)

    too_many_steps = client.post("/api/v1/micromasteries/", create_body(steps=21), format="json")
    too_many_metrics = client.post(
        "/api/v1/micromasteries/", create_body(metrics=11), format="json"
    )

    assert too_many_steps.status_code == 400
    assert fields_of(too_many_steps)["steps"] == [
        "A micromastery has at most 20 practice steps: split it into two."
    ]
    assert too_many_metrics.status_code == 400
    assert "at most 10 payoff metrics" in fields_of(too_many_metrics)["payoff_metrics"][0]
    assert not Micromastery.objects.exists()
    assert not PracticeStep.objects.exists()

    at_limit = client.post(
        "/api/v1/micromasteries/", create_body(steps=20, metrics=10), format="json"
    )
    assert at_limit.status_code == 201
    assert (PracticeStep.objects.count(), PayoffMetric.objects.count()) == (20, 10)


def test_author_api_turns_away_3000_steps_before_checking_each(api_as, author):
    body = create_body(steps=0, payoff_metrics=[{"bogus": 1}] * 3000)
    body["steps"] = [{"title": ""}] * 3000

    response = api_as(author).post("/api/v1/micromasteries/", body, format="json")

    assert response.status_code == 400
    # One message per list, none per item: the items were never looked at.
    assert sorted(fields_of(response)) == ["payoff_metrics", "steps"]
    assert not Micromastery.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"context": {"challenge": "x" * 4001}}, "context.challenge"),
        ({"way_in": {"insight": "x" * 4001}}, "way_in.insight"),
        ({"summary": "x" * 1001}, "summary"),
        ({"steps": [{**step_body(1), "action": "x" * 4001}]}, "steps.0.action"),
        ({"payoff_metrics": [{**metric_body(1), "how_to_measure": "x" * 2001}]}, None),
        (
            {"payoff_metrics": [{**metric_body(1), "checkin_days": list(range(1, 12))}]},
            "payoff_metrics.0.checkin_days",
        ),
    ],
)
def test_author_api_patch_refuses_over_long_text(api_as, author, change, field):
    draft = published_version(author.organization, status="draft", title="Keep me")
    steps_before = list(draft.steps.values_list("pk", "action"))
    url = f"/api/v1/micromasteries/{draft.micromastery_id}/draft/"

    response = api_as(author).patch(url, change, format="json")

    assert response.status_code == 400
    fields = fields_of(response)
    assert field in fields if field else any(name.startswith("payoff_metrics") for name in fields)
    draft.refresh_from_db()
    assert draft.summary != "x" * 1001
    assert len(draft.context_challenge) < 4001 and len(draft.way_in_insight) < 4001
    assert list(draft.steps.values_list("pk", "action")) == steps_before


def test_author_api_patch_accepts_text_at_the_limit(api_as, author):
    draft = published_version(author.organization, status="draft")
    url = f"/api/v1/micromasteries/{draft.micromastery_id}/draft/"
    body = {
        "summary": "x" * 1000,
        "context": {"challenge": "x" * 4000},
        "steps": [{**step_body(1), "action": "x" * 4000}],
        "payoff_metrics": [{**metric_body(1), "checkin_days": list(range(1, 11))}],
    }

    response = api_as(author).patch(url, body, format="json")

    assert response.status_code == 200
    draft.refresh_from_db()
    assert len(draft.context_challenge) == 4000
    assert len(draft.steps.get().action) == 4000
    assert draft.payoff_metrics.get().checkin_days == list(range(1, 11))
    # The draft holds it; publishing still asks for a short action.
    assert any("keep it under 1,200" in p for p in course_services.version_publish_problems(draft))


def test_admin_refuses_a_21st_step_and_saves_nothing(client, author):
    from tests.courses.test_admin import change_url, management, version_post

    draft = published_version(author.organization, status="draft", steps=1)
    before = list(PracticeStep.objects.values_list("pk", "title"))
    client.force_login(author)
    data = version_post(draft, title="Not saved")
    data.update(management("steps", 21, 1))
    for index in range(1, 21):
        data.update(
            {
                f"steps-{index}-order": str(index + 1),
                f"steps-{index}-title": f"Step {index + 1}",
                f"steps-{index}-action": "Do it.",
                f"steps-{index}-repetitions_required": "1",
                f"steps-{index}-min_spacing_hours": "0",
                f"steps-{index}-evidence_kind": "reflection",
            }
        )

    response = client.post(change_url(draft), data, follow=True)

    assert "at most 20 practice steps: split it into two" in response.content.decode()
    assert list(PracticeStep.objects.values_list("pk", "title")) == before
    draft.refresh_from_db()
    assert draft.title != "Not saved"


def test_admin_shows_a_field_error_for_an_over_long_step_action(client, author):
    from tests.courses.test_admin import change_url, version_post

    draft = published_version(author.organization, status="draft", steps=1)
    action_before = draft.steps.get().action
    client.force_login(author)

    response = client.post(change_url(draft), version_post(draft, **{"steps-0-action": "x" * 4001}))

    assert response.status_code == 200
    assert "at most 4000 characters" in response.content.decode()
    assert draft.steps.get().action == action_before


def test_admin_refuses_more_than_10_checkin_days(client, author):
    from tests.courses.test_admin import change_url, version_post

    draft = published_version(author.organization, status="draft", steps=1, metrics=1)
    days_before = draft.payoff_metrics.get().checkin_days
    client.force_login(author)
    data = version_post(draft, **{"payoff_metrics-0-checkin_days": str(list(range(1, 12)))})

    response = client.post(change_url(draft), data, follow=True)

    assert "at most 10 check-ins" in response.content.decode()
    assert draft.payoff_metrics.get().checkin_days == days_before


def test_admin_offers_no_more_than_20_step_rows(client, author):
    draft = published_version(author.organization, status="draft", steps=1)
    client.force_login(author)
    from tests.courses.test_admin import change_url

    page = client.get(change_url(draft)).content.decode()

    assert 'name="steps-MAX_NUM_FORMS" value="20"' in page
    assert 'name="payoff_metrics-MAX_NUM_FORMS" value="10"' in page


def test_import_refuses_a_file_with_21_steps(organization, author):
    document = transfer.version_document(published_version(organization, steps=1))
    document["steps"] = [
        {**document["steps"][0], "key": f"step-{index}", "title": f"Step {index}"}
        for index in range(1, 22)
    ]
    versions_before = MicromasteryVersion.objects.count()

    with pytest.raises(ApplicationError) as refused:
        transfer.micromastery_import(
            organization=organization, by=author, content=yaml.safe_dump(document)
        )

    assert "at most 20 practice steps" in refused.value.message
    assert MicromasteryVersion.objects.count() == versions_before

    document["steps"] = document["steps"][:20]
    draft = transfer.micromastery_import(
        organization=organization, by=author, content=yaml.safe_dump(document)
    )
    assert draft.steps.count() == 20


def test_new_version_of_a_long_micromastery_keeps_its_steps(organization, author):
    # Rows written before the cap (a draft copy) are not refused: only new input is.
    version = published_version(organization, steps=1)
    StepFactory.create_batch(20, version=version)
    draft = course_services.version_create_draft(version=version, by=author)
    assert draft.steps.count() == 21


# --- Teach-back, cohorts, payoff, profile ---------------------------------------------------


def test_teachback_feedback_comment_over_2000_characters_is_refused(
    learner,
):
    from practice.teachback import services as teachback_services
    from tests.factories import TeachBackInviteFactory

    invite = TeachBackInviteFactory(invitee=learner, attended=True)

    with pytest.raises(ApplicationError) as refused:
        teachback_services.feedback_give(
            invite=invite, by=learner, clarity=4, will_try=True, comment="x" * 2001
        )

    assert "feedback_comment" in refused.value.fields
    invite.refresh_from_db()
    assert invite.feedback_at is None
    teachback_services.feedback_give(
        invite=invite, by=learner, clarity=4, will_try=True, comment="x" * 2000
    )
    invite.refresh_from_db()
    assert len(invite.feedback_comment) == 2000


def test_teachback_feedback_page_refuses_a_comment_over_2000_characters(client, learner):
    from practice.teachback.tokens import invite_token
    from tests.factories import TeachBackInviteFactory

    invite = TeachBackInviteFactory(invitee=learner, attended=True)
    url = reverse("teachback:invite_feedback", args=[invite_token(invite)])

    response = client.post(url, {"clarity": "4", "comment": "x" * 2001})

    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    invite.refresh_from_db()
    assert invite.feedback_at is None


def test_assign_page_refuses_a_kickoff_link_over_2000_characters(client, manager, team, version):
    client.force_login(manager)
    link = "https://meet.example/" + "x" * (2001 - len("https://meet.example/"))
    data = {
        "teams": [team.pk],
        "work": f"m:{version.micromastery_id}",
        "starts_on": "2026-03-02",
        "kickoff_at": "2026-03-03T09:00",
        "kickoff_minutes": "60",
        "kickoff_url": link,
    }

    response = client.post(reverse("cohorts:assign"), data)

    assert response.status_code == 200
    assert "at most 2000 characters" in response.content.decode()
    assert not Cohort.objects.exists()
    assert not Enrollment.objects.exists()


def test_cohort_create_refuses_an_over_long_name_and_accepts_a_long_video_link(
    api_as, org_admin, team, version
):
    body = {
        "name": "x" * 151,
        "micromastery": version.micromastery_id,
        "teams": [team.pk],
        "starts_on": "2026-03-02",
    }
    response = api_as(org_admin).post("/api/v1/cohorts/", body, format="json")
    assert response.status_code == 400
    assert "name" in fields_of(response)
    with pytest.raises(ApplicationError) as refused:
        cohort_services.cohort_assign(
            by=org_admin,
            name="x" * 151,
            micromastery=version.micromastery,
            teams=[team],
            starts_on=date(2026, 3, 2),
        )
    assert "name" in refused.value.fields
    assert not Cohort.objects.exists()

    # Meeting links of video tools run to several hundred characters.
    link = "https://meet.example/" + "x" * (2000 - len("https://meet.example/"))
    body.update(name="Dispatch", kickoff_at="2026-03-03T09:00:00Z", kickoff_url=link)
    response = api_as(org_admin).post("/api/v1/cohorts/", body, format="json")
    assert response.status_code == 201
    assert Cohort.objects.get().kickoff_url == link


def test_payoff_note_over_1000_characters_is_refused(learner, enrollment):
    metric = enrollment.version.payoff_metrics.get()
    with pytest.raises(ApplicationError) as refused:
        payoff_services.checkin_record(
            enrollment=enrollment, metric=metric, value=5, by=learner, note="x" * 1001
        )
    assert "note" in refused.value.fields
    assert not PayoffMeasurement.objects.exists()


def test_profile_page_refuses_an_over_long_name(client, learner):
    client.force_login(learner)
    data = {
        "display_name": "x" * 151,
        "time_zone": "Europe/London",
        "work_starts_at": "09:00",
        "work_ends_at": "17:00",
        "working_days": ["1"],
    }

    response = client.post(reverse("accounts:account"), data)

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert User.objects.get(pk=learner.pk).display_name == learner.display_name


def test_profile_api_refuses_more_than_seven_working_days(api_as, learner):
    response = api_as(learner).patch(
        "/api/v1/me/", {"working_days": [1, 2, 3, 4, 5, 6, 7, 1]}, format="json"
    )
    assert response.status_code == 400
    assert "working_days" in fields_of(response)
    assert User.objects.get(pk=learner.pk).working_days == learner.working_days
