from datetime import timedelta

import pytest
from django.utils import timezone

from practice import services as practice_services
from practice.teachback.models import Rsvp, SessionStatus, TeachBackSession
from tests.factories import (
    EnrollmentFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    UserFactory,
    published_version,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/teachbacks/"


@pytest.fixture
def colleagues(organization):
    return [UserFactory(organization=organization) for _ in range(3)]


@pytest.fixture
def completed(organization, learner, colleagues):
    version = published_version(organization, steps=1)
    version.steps.update(repetitions_required=1)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    practice_services.attempt_log(
        enrollment=enrollment, step=version.steps.get(), what_i_did="x", confidence=4, minutes=5
    )
    return enrollment


@pytest.fixture
def scheduled(learner, colleagues):
    session = TeachBackSessionFactory(
        enrollment=EnrollmentFactory(
            learner=learner, completed_at=timezone.now(), status="completed"
        )
    )
    for person in colleagues[:2]:
        TeachBackInviteFactory(session=session, invitee=person)
    return session


def started(session):
    TeachBackSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )


def in_two_days():
    return (timezone.now() + timedelta(days=2)).replace(microsecond=0).isoformat()


def test_api_propose_for_my_completed_enrolment_once(api_as, learner, completed):
    client = api_as(learner)
    response = client.post(API, {"enrollment": completed.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "proposed"
    assert len(body["invites"]) == 3
    assert len(body["proposed_slots"]) == 3
    again = client.post(API, {"enrollment": completed.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_api_propose_refuses_unfinished_and_other_peoples_enrolments(
    api_as, learner, organization, completed, outsider
):
    unfinished = EnrollmentFactory(learner=learner)
    response = api_as(learner).post(API, {"enrollment": unfinished.pk}, format="json")
    assert response.status_code == 400
    assert "complete every step" in response.json()["error"]["message"]
    colleague = UserFactory(organization=organization)
    for person in (colleague, outsider):
        response = api_as(person).post(API, {"enrollment": completed.pk}, format="json")
        assert response.status_code == 404
    assert api_as(learner).post(API, {}, format="json").json()["error"]["fields"] == {
        "enrollment": ["This field is required."]
    }
    assert not TeachBackSession.objects.exists()


def test_api_list_is_mine_as_teacher_or_invitee(
    api_as, learner, completed, scheduled, colleagues, outsider, django_assert_num_queries
):
    proposal = api_as(learner).post(API, {"enrollment": completed.pk}, format="json").json()
    ids = {item["id"] for item in api_as(learner).get(API).json()["results"]}
    assert ids == {proposal["id"], scheduled.pk}
    # Invitees see the scheduled session, not the teacher's unsent proposal.
    invitee_ids = [item["id"] for item in api_as(colleagues[0]).get(API).json()["results"]]
    assert invitee_ids == [scheduled.pk]
    assert api_as(outsider).get(API).json()["results"] == []

    for _ in range(8):
        extra = TeachBackSessionFactory(teacher=colleagues[1])
        TeachBackInviteFactory(session=extra, invitee=colleagues[0])
        TeachBackInviteFactory(session=extra)
    client = api_as(colleagues[0])
    with django_assert_num_queries(3):
        assert client.get(API).json()["count"] == 9


def test_api_detail_hides_sessions_from_people_not_involved(
    api_as, organization, scheduled, colleagues, outsider
):
    url = f"{API}{scheduled.pk}/"
    assert api_as(colleagues[0]).get(url).status_code == 200
    assert api_as(colleagues[2]).get(url).status_code == 404
    assert api_as(outsider).get(url).status_code == 404


def test_api_feedback_is_for_the_teacher_and_its_author(api_as, learner, scheduled, colleagues):
    started(scheduled)
    scheduled.invites.update(attended=True)
    api_as(colleagues[0]).post(
        f"{API}{scheduled.pk}/feedback/",
        {"clarity": 4, "will_try": True, "comment": "Useful"},
        format="json",
    )

    def comments(person):
        invites = api_as(person).get(f"{API}{scheduled.pk}/").json()["invites"]
        return [invite["feedback_comment"] for invite in invites]

    assert "Useful" in comments(learner)
    assert "Useful" in comments(colleagues[0])
    assert "Useful" not in comments(colleagues[1])


def test_api_confirm_schedules_and_sends_invitations(
    api_as, learner, completed, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    client = api_as(learner)
    session_id = client.post(API, {"enrollment": completed.pk}, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{API}{session_id}/confirm/",
            {
                "starts_at": in_two_days(),
                "audience": [colleagues[0].pk],
                "video_url": "https://meet.example/x",
            },
            format="json",
        )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "scheduled"
    assert [invite["invitee"]["id"] for invite in body["invites"]] == [colleagues[0].pk]
    assert [m.to for m in mailoutbox] == [[colleagues[0].email]]


def test_api_confirm_bad_input_is_400_with_fields_and_changes_nothing(
    api_as, learner, completed, outsider
):
    client = api_as(learner)
    session_id = client.post(API, {"enrollment": completed.pk}, format="json").json()["id"]
    url = f"{API}{session_id}/confirm/"
    cases = [
        ({"starts_at": "yesterday", "location": "x"}, "starts_at"),
        ({"starts_at": in_two_days(), "location": ""}, "location"),
        ({"starts_at": in_two_days(), "location": "x", "audience": [outsider.pk]}, "audience"),
        ({"starts_at": in_two_days(), "location": "x", "duration_minutes": 5}, "duration_minutes"),
    ]
    for payload, field in cases:
        response = client.post(url, payload, format="json")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
    assert TeachBackSession.objects.get(pk=session_id).status == SessionStatus.PROPOSED


def test_api_teacher_operations_refuse_invitees_and_strangers(
    api_as, organization, scheduled, colleagues, outsider
):
    started_payloads = {
        "confirm": {"starts_at": in_two_days(), "location": "x"},
        "reschedule": {"starts_at": in_two_days()},
        "cancel": {},
        "attendance": {"attended": [colleagues[0].pk]},
    }
    for operation, payload in started_payloads.items():
        url = f"{API}{scheduled.pk}/{operation}/"
        assert api_as(colleagues[0]).post(url, payload, format="json").status_code == 403
        assert api_as(colleagues[2]).post(url, payload, format="json").status_code == 404
        assert api_as(outsider).post(url, payload, format="json").status_code == 404
    for operation in ("rsvp", "feedback"):
        url = f"{API}{scheduled.pk}/{operation}/"
        assert api_as(colleagues[2]).post(url, {}, format="json").status_code == 404
        assert api_as(outsider).post(url, {}, format="json").status_code == 404
    scheduled.refresh_from_db()
    assert scheduled.status == SessionStatus.SCHEDULED
    assert scheduled.sequence == 0


def test_api_reschedule_and_cancel_raise_the_sequence(api_as, learner, scheduled):
    client = api_as(learner)
    response = client.post(
        f"{API}{scheduled.pk}/reschedule/", {"starts_at": in_two_days()}, format="json"
    )
    assert response.status_code == 200 and response.json()["sequence"] == 1
    response = client.post(f"{API}{scheduled.pk}/cancel/", format="json")
    assert response.json()["status"] == "cancelled" and response.json()["sequence"] == 2


def test_api_rsvp_by_invitees_only_and_idempotent(api_as, learner, scheduled, colleagues):
    url = f"{API}{scheduled.pk}/rsvp/"
    client = api_as(colleagues[0])
    assert client.post(url, {"rsvp": "maybe"}, format="json").json()["error"]["fields"].keys() == {
        "rsvp"
    }
    first = client.post(url, {"rsvp": "accepted"}, format="json")
    assert first.status_code == 200
    answered_at = scheduled.invites.get(invitee=colleagues[0]).rsvp_at
    client.post(url, {"rsvp": "accepted"}, format="json")
    invite = scheduled.invites.get(invitee=colleagues[0])
    assert invite.rsvp == Rsvp.ACCEPTED and invite.rsvp_at == answered_at
    assert api_as(learner).post(url, {"rsvp": "accepted"}, format="json").status_code == 403


def test_api_attendance_then_feedback_masters_the_teacher(
    api_as, learner, scheduled, colleagues, outsider
):
    # api_as signs the one test client in as someone else: call it before each request.
    teacher = api_as(learner)
    url = f"{API}{scheduled.pk}/attendance/"
    early = teacher.post(url, {"attended": [colleagues[0].pk]}, format="json")
    assert early.status_code == 400
    started(scheduled)
    assert (
        teacher.post(url, {"attended": [outsider.pk]}, format="json").json()["error"]["fields"]
    ).keys() == {"attended"}
    assert teacher.post(url, {"attended": [colleagues[0].pk]}, format="json").status_code == 200

    feedback = f"{API}{scheduled.pk}/feedback/"
    bad = api_as(colleagues[0]).post(feedback, {"clarity": 9, "will_try": True}, format="json")
    assert bad.status_code == 400 and "clarity" in bad.json()["error"]["fields"]
    absent = api_as(colleagues[1]).post(feedback, {"clarity": 3, "will_try": False}, format="json")
    assert absent.status_code == 400
    refused = api_as(learner).post(feedback, {"clarity": 5, "will_try": True}, format="json")
    assert refused.status_code == 403, refused.json()
    response = api_as(colleagues[0]).post(
        feedback, {"clarity": 5, "will_try": True, "comment": "Clear"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["mastered"] is True


def test_api_scheduling_at_the_end_of_the_calendar_is_refused_and_changes_nothing(
    client, api_as, learner, completed, scheduled
):
    # Nearly the calendar's last minute, and far east of UTC: shown in another zone, this
    # time would overflow.
    learner.time_zone = "Pacific/Kiritimati"
    learner.save()
    api = api_as(learner)
    session_id = api.post(API, {"enrollment": completed.pk}, format="json").json()["id"]
    before = scheduled.starts_at

    confirm = api.post(
        f"{API}{session_id}/confirm/",
        {"starts_at": "9999-12-31T23:59", "location": "Room 4"},
        format="json",
    )
    reschedule = api.post(
        f"{API}{scheduled.pk}/reschedule/", {"starts_at": "9999-12-31T23:59:00Z"}, format="json"
    )
    client.force_login(learner)
    page = client.post(f"/teachbacks/{scheduled.pk}/reschedule/", {"starts_at": "9999-12-31T23:59"})

    for response in (confirm, reschedule):
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["starts_at"] == [
            "Pick a time within the next 5 years."
        ]
    assert page.status_code == 400
    assert "Pick a time within the next 5 years." in page.content.decode()
    assert TeachBackSession.objects.get(pk=session_id).status == SessionStatus.PROPOSED
    scheduled.refresh_from_db()
    assert scheduled.starts_at == before
