from datetime import UTC, date, datetime

import pytest
import vobject
from django.core import mail

from practice.cohorts import services
from tests.factories import published_version

pytestmark = pytest.mark.django_db

KICKOFF = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def assigned(org_admin, manager, team, learner, organization, django_capture_on_commit_callbacks):
    version = published_version(organization, steps=1, title="Run a 15-minute stand-up")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.cohort_assign(
            by=org_admin,
            name="Dispatch spring",
            micromastery=version.micromastery,
            teams=[team],
            starts_on=date(2026, 3, 2),
            due_on=date(2026, 3, 10),
            kickoff_at=KICKOFF,
            kickoff_minutes=45,
            kickoff_location="Room 4, second floor",
            facilitator=manager,
        )
    return outcome.cohort


def test_assignment_email_says_who_assigned_the_due_date_and_the_kickoff(
    assigned, org_admin, learner
):
    (message,) = mail.outbox
    assert message.to == [learner.email]
    assert str(org_admin) in message.subject
    assert "Run a 15-minute stand-up" in message.subject
    assert "Due: by the end of Tuesday 10 March 2026" in message.body
    # Europe/London: 09:30 UTC is 09:30 local in early March.
    assert "Kickoff: Tuesday 3 March 2026, 09:30 (Europe/London), 45 minutes" in message.body
    assert "Room 4, second floor" in message.body


def test_kickoff_invitation_parses_as_a_request_with_stable_uid_and_utc_times(
    assigned, manager, learner
):
    (message,) = mail.outbox
    name, content, mimetype = message.attachments[0]
    assert name == "kickoff.ics"
    assert mimetype.startswith("text/calendar")
    calendar = vobject.readOne(content)
    assert calendar.method.value == "REQUEST"
    event = calendar.vevent
    assert event.uid.value == f"cohort-{assigned.pk}-learner-{learner.pk}@127.0.0.1"
    assert int(event.sequence.value) == 0
    assert event.dtstart.value == KICKOFF
    assert event.dtstart.value.utcoffset().total_seconds() == 0
    assert (event.dtend.value - event.dtstart.value).total_seconds() == 45 * 60
    assert event.organizer.value == f"mailto:{manager.email}"
    assert event.attendee.value == f"mailto:{learner.email}"
    assert event.attendee.params["RSVP"] == ["TRUE"]
    assert event.location.value == "Room 4, second floor"
    assert "DTSTART:20260303T093000Z" in content


def test_assignment_without_kickoff_has_no_invitation(
    org_admin, team, organization, django_capture_on_commit_callbacks
):
    version = published_version(organization, steps=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_assign(
            by=org_admin,
            name="No kickoff",
            micromastery=version.micromastery,
            teams=[team],
            starts_on=date(2026, 3, 2),
        )
    (message,) = mail.outbox
    assert message.attachments == []
    assert "Kickoff" not in message.body


def _calendar(message):
    name, content, mimetype = message.attachments[0]
    assert name == "kickoff.ics"
    return vobject.readOne(content), mimetype


def _update(cohort, by, team, **kickoff):
    return services.cohort_update(
        cohort=cohort,
        by=by,
        name=cohort.name,
        teams=[team],
        people=[],
        due_on=cohort.due_on,
        kickoff_minutes=45,
        kickoff_location="Room 4, second floor" if kickoff["kickoff_at"] else "",
        facilitator=cohort.facilitator if kickoff["kickoff_at"] else None,
        **kickoff,
    )


def test_removed_member_gets_a_cancel_of_the_same_event_with_a_higher_sequence(
    assigned, org_admin, learner, django_capture_on_commit_callbacks
):
    (invitation,) = mail.outbox
    invited, _ = _calendar(invitation)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_member_remove(cohort=assigned, by=org_admin, learner=learner)
    (message,) = mail.outbox
    assert message.to == [learner.email]
    assert "cancelled" in message.subject.lower()
    calendar, mimetype = _calendar(message)
    assert "method=CANCEL" in mimetype
    assert calendar.method.value == "CANCEL"
    event = calendar.vevent
    assert event.uid.value == invited.vevent.uid.value
    assert int(event.sequence.value) > int(invited.vevent.sequence.value)
    assert event.status.value == "CANCELLED"
    assert event.dtstart.value == KICKOFF


def test_cleared_kickoff_sends_everyone_invited_a_cancel(
    assigned, org_admin, team, learner, django_capture_on_commit_callbacks
):
    (invitation,) = mail.outbox
    invited, _ = _calendar(invitation)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _update(assigned, org_admin, team, kickoff_at=None)
    (message,) = mail.outbox
    assert message.to == [learner.email]
    calendar, _ = _calendar(message)
    assert calendar.method.value == "CANCEL"
    assert calendar.vevent.uid.value == invited.vevent.uid.value
    assert int(calendar.vevent.sequence.value) > int(invited.vevent.sequence.value)
    assert calendar.vevent.dtstart.value == KICKOFF  # the event it withdraws


def test_moved_kickoff_updates_the_same_event_with_a_higher_sequence(
    assigned, org_admin, team, learner, django_capture_on_commit_callbacks
):
    (invitation,) = mail.outbox
    invited, _ = _calendar(invitation)
    mail.outbox.clear()
    later = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        _update(assigned, org_admin, team, kickoff_at=later)
    (message,) = mail.outbox
    calendar, _ = _calendar(message)
    assert calendar.method.value == "REQUEST"
    assert calendar.vevent.uid.value == invited.vevent.uid.value
    assert int(calendar.vevent.sequence.value) == int(invited.vevent.sequence.value) + 1
    assert calendar.vevent.dtstart.value == later


def test_removed_member_who_was_never_invited_gets_nothing(
    org_admin, team, learner, organization, django_capture_on_commit_callbacks
):
    version = published_version(organization, steps=1)
    with django_capture_on_commit_callbacks(execute=True):
        cohort = services.cohort_assign(
            by=org_admin,
            name="No kickoff",
            micromastery=version.micromastery,
            teams=[team],
            starts_on=date(2026, 3, 2),
        ).cohort
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_member_remove(cohort=cohort, by=org_admin, learner=learner)
    assert mail.outbox == []
