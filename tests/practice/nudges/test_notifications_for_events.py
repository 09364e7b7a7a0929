"""In-app notifications for events that are not nudges: invitations, assignments, feedback."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from practice import services as practice_services
from practice.cohorts import services as cohort_services
from practice.nudges.models import Notification
from practice.nudges.services import NotificationDraft, notifications_create
from practice.teachback import services
from practice.teachback.models import TeachBackSession
from tests.factories import UserFactory, published_course, published_version

pytestmark = pytest.mark.django_db


def test_notifications_create_with_a_key_creates_once(learner):
    notifications_create(
        drafts=[NotificationDraft(recipient=learner, title="Hello", url="/x/", key="event:1")]
    )
    notifications_create(
        drafts=[NotificationDraft(recipient=learner, title="Hello again", key="event:1")]
    )
    notifications_create(drafts=[NotificationDraft(recipient=learner, title="x", key="event:1")])
    assert list(Notification.objects.values_list("title", "url")) == [("Hello", "/x/")]


@pytest.fixture
def completed(organization, learner):
    version = published_version(organization, steps=1, metrics=0, title="Say no kindly")
    version.steps.update(repetitions_required=1)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    practice_services.attempt_log(
        enrollment=enrollment,
        step=version.steps.get(),
        what_i_did="Did it",
        confidence=4,
        minutes=5,
    )
    enrollment.refresh_from_db()
    return enrollment


def test_teachback_confirm_notifies_each_invitee_once_with_a_link_to_the_session(
    completed, organization, django_capture_on_commit_callbacks
):
    berlin = UserFactory(organization=organization, display_name="Bea", time_zone="Europe/Berlin")
    london = UserFactory(organization=organization, display_name="Lou", time_zone="Europe/London")
    session = services.teachback_propose(enrollment=completed)
    starts_at = datetime.now(UTC).replace(hour=13, minute=0, second=0, microsecond=0) + timedelta(
        days=3
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.teachback_confirm(
            session=session,
            by=completed.learner,
            starts_at=starts_at,
            audience=[berlin, london],
            location="Room 4",
        )
    # The callback running again (a retry) adds nothing.
    services._notify_invitees(session.pk)
    notes = {note.recipient_id: note for note in Notification.objects.all()}
    assert set(notes) == {berlin.pk, london.pk}
    url = reverse("teachback:session", args=[session.pk])
    assert all(note.url == url and "Say no kindly" in note.title for note in notes.values())
    assert "14:00 (Europe/Berlin)" in notes[berlin.pk].body
    assert "13:00 (Europe/London)" in notes[london.pk].body
    assert not Notification.objects.filter(recipient=completed.learner).exists()


def test_teachback_feedback_request_is_also_in_the_bell(
    completed, organization, mailoutbox, django_capture_on_commit_callbacks
):
    came, absent = UserFactory.create_batch(2, organization=organization)
    session = services.teachback_propose(enrollment=completed)
    with django_capture_on_commit_callbacks(execute=True):
        services.teachback_confirm(
            session=session,
            by=completed.learner,
            starts_at=datetime.now(UTC) + timedelta(days=1),
            audience=[came, absent],
            location="Room 4",
        )
    TeachBackSession.objects.filter(pk=session.pk).update(
        starts_at=datetime.now(UTC) - timedelta(hours=1)
    )
    Notification.objects.all().delete()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.attendance_mark(session=session, by=completed.learner, attended=[came])
    (note,) = Notification.objects.all()
    assert note.recipient == came
    assert note.title.startswith("How clear was")
    assert note.url == reverse("teachback:session", args=[session.pk])
    assert [message.to for message in mailoutbox if "How clear" in message.subject] == [
        [came.email]
    ]


def test_cohort_assign_twice_notifies_each_learner_once_with_their_enrolment(
    manager, team, learner, organization, django_capture_on_commit_callbacks
):
    colleague = UserFactory(organization=organization)
    team.members.add(colleague)
    version = published_version(organization, steps=1, title="Run a stand-up")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            cohort_services.cohort_assign(
                by=manager,
                name="Dispatch spring",
                micromastery=version.micromastery,
                teams=[team],
                starts_on=date(2026, 3, 2),
                due_on=date(2026, 3, 10),
            )
    notes = list(Notification.objects.order_by("recipient_id"))
    assert sorted(note.recipient_id for note in notes) == sorted([learner.pk, colleague.pk])
    for note in notes:
        enrollment = note.recipient.enrollments.get()
        assert note.url == reverse("practice:enrollment", args=[enrollment.pk])
        assert "Run a stand-up" in note.title
        assert "due 10 Mar 2026" in note.body
    # A late joiner is notified once, and the others are not notified again.
    newcomer = UserFactory(organization=organization)
    team.members.add(newcomer)
    cohort = notes[0].recipient.cohort_memberships.get().cohort
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            cohort_services.cohort_sync(cohort=cohort)
    assert Notification.objects.filter(recipient=newcomer).count() == 1
    assert Notification.objects.count() == 3


def test_cohort_assign_a_course_links_to_its_first_micromastery(
    org_admin, organization, learner, django_capture_on_commit_callbacks
):
    versions = [published_version(organization, steps=1) for _ in range(2)]
    course = published_course(organization, versions)
    with django_capture_on_commit_callbacks(execute=True):
        cohort_services.cohort_assign(
            by=org_admin,
            name="Path",
            course=course,
            people=[learner],
            starts_on=date(2026, 3, 2),
        )
    (note,) = Notification.objects.all()
    first = learner.enrollments.get(micromastery=versions[0].micromastery)
    assert note.url == reverse("practice:enrollment", args=[first.pk])
