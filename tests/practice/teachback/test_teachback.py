from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
import vobject
from django.core import signing

from micromastery.common.errors import ApplicationError
from practice import services as practice_services
from practice.teachback import services
from practice.teachback.models import Rsvp, SessionStatus, TeachBackSession
from practice.teachback.slots import Availability, slots_find
from practice.teachback.tokens import InviteTokenError, invite_token, invite_token_read
from tests.factories import TeamFactory, UserFactory, published_version

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WEEKDAYS = frozenset({1, 2, 3, 4, 5})


def nine_to_five(zone):
    from zoneinfo import ZoneInfo

    return Availability(ZoneInfo(zone), time(9), time(17), WEEKDAYS)


def test_slots_london_new_york_berlin_overlap_only_in_the_afternoon():
    people = [
        nine_to_five("Europe/London"),
        nine_to_five("America/New_York"),
        nine_to_five("Europe/Berlin"),
    ]
    slots = slots_find(people, now=MONDAY)
    # New York opens at 14:00 UTC; Berlin closes at 16:00 UTC: 14:00-15:30 starts fit.
    assert slots == [
        datetime(2026, 3, 3, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 4, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 5, 14, 0, tzinfo=UTC),
    ]


def test_slots_skip_busy_times_and_weekends():
    from zoneinfo import ZoneInfo

    busy = ((datetime(2026, 3, 3, 13, 30, tzinfo=UTC), datetime(2026, 3, 3, 16, 0, tzinfo=UTC)),)
    london = Availability(ZoneInfo("Europe/London"), time(9), time(17), WEEKDAYS, busy)
    friday = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)
    slots = slots_find([london, nine_to_five("America/New_York")], now=friday)
    assert all(slot.isoweekday() in WEEKDAYS for slot in slots)
    # Monday, not the weekend; New York moved to summer time on 8 March, so 09:00 there is
    # 13:00 UTC now.
    assert slots[0] == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    slots = slots_find([london, nine_to_five("America/New_York")], now=MONDAY)
    assert datetime(2026, 3, 3, 14, 0, tzinfo=UTC) not in slots


def test_slots_none_when_working_hours_never_meet():
    # Tokyo works 00:00-08:00 UTC, New York 14:00-22:00 UTC.
    assert (
        slots_find([nine_to_five("Asia/Tokyo"), nine_to_five("America/New_York")], now=MONDAY) == []
    )


@pytest.fixture
def completed(organization, learner):
    version = published_version(organization, steps=1, metrics=1)
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


@pytest.fixture
def colleagues(organization, learner):
    people = [
        UserFactory(
            organization=organization, display_name=f"Colleague {i}", time_zone="Europe/Berlin"
        )
        for i in range(8)
    ]
    TeamFactory(organization=organization, members=[learner, *people[:2]])
    return people


def test_propose_picks_team_first_then_org_and_skips_completers(
    completed, colleagues, other_organization
):
    UserFactory(organization=other_organization)
    finished = colleagues[2]
    version = completed.version
    other = practice_services.enrollment_create(
        learner=finished, micromastery=completed.micromastery
    )
    practice_services.attempt_log(
        enrollment=other, step=version.steps.get(), what_i_did="x", confidence=3, minutes=5
    )
    with time_machine.travel(MONDAY, tick=False):
        session = services.teachback_propose(enrollment=completed)
    audience = [invite.invitee for invite in session.invites.all()]
    assert len(audience) == 6
    assert set(colleagues[:2]) <= set(audience)
    assert finished not in audience
    assert all(person.organization == completed.learner.organization for person in audience)
    assert len(session.proposed_slots) == 3
    # Proposing again returns the same open proposal.
    assert services.teachback_propose(enrollment=completed) == session


def test_propose_refused_before_completion(organization, learner):
    version = published_version(organization)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    with pytest.raises(ApplicationError, match="complete every step"):
        services.teachback_propose(enrollment=enrollment)


def schedule(completed, colleagues, mailoutbox, django_capture_on_commit_callbacks, **kwargs):
    session = services.teachback_propose(enrollment=completed)
    starts_at = kwargs.pop("starts_at", datetime.now(UTC) + timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.teachback_confirm(
            session=session,
            by=completed.learner,
            starts_at=starts_at,
            audience=colleagues[:3],
            location="Room 4",
            **kwargs,
        )
    session.refresh_from_db()
    return session


def parse_ics(message):
    attachment = next(a for a in message.attachments if a[0] == "teach-back.ics")
    content = attachment[1]
    return vobject.readOne(content.decode() if isinstance(content, bytes) else content)


def test_confirm_sends_request_ics_that_an_independent_parser_reads(
    completed, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    starts_at = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=2)
    session = schedule(
        completed, colleagues, mailoutbox, django_capture_on_commit_callbacks, starts_at=starts_at
    )
    assert session.status == SessionStatus.SCHEDULED
    assert len(mailoutbox) == 3
    calendar = parse_ics(mailoutbox[0])
    assert calendar.method.value == "REQUEST"
    event = calendar.vevent
    assert event.uid.value == f"{session.uid}@micromastery"
    assert int(event.sequence.value) == 0
    assert event.dtstart.value == starts_at
    assert event.dtend.value == starts_at + timedelta(minutes=30)
    attendees = {a.value.lower() for a in event.contents["attendee"]}
    assert attendees == {f"mailto:{p.email}" for p in colleagues[:3]}
    assert event.organizer.value.lower() == f"mailto:{completed.learner.email}"
    assert "/accept/" in mailoutbox[0].body


def test_reschedule_and_cancel_keep_uid_and_raise_sequence(
    completed, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    session = schedule(completed, colleagues, mailoutbox, django_capture_on_commit_callbacks)
    new_time = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.teachback_reschedule(session=session, by=completed.learner, starts_at=new_time)
    update = parse_ics(mailoutbox[3]).vevent
    assert update.uid.value == f"{session.uid}@micromastery"
    assert int(update.sequence.value) == 1
    assert update.dtstart.value == new_time
    assert mailoutbox[3].subject.startswith("Updated:")
    with django_capture_on_commit_callbacks(execute=True):
        services.teachback_cancel(session=session, by=completed.learner)
    cancel = parse_ics(mailoutbox[6])
    assert cancel.method.value == "CANCEL"
    assert cancel.vevent.uid.value == f"{session.uid}@micromastery"
    assert int(cancel.vevent.sequence.value) == 2


def test_only_the_teacher_changes_a_session(
    completed, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    session = schedule(completed, colleagues, mailoutbox, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError, match="Only the teacher"):
        services.teachback_cancel(session=session, by=colleagues[0])
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_confirm_bad_input_changes_nothing(completed, colleagues, outsider):
    session = services.teachback_propose(enrollment=completed)
    cases = [
        ({"starts_at": datetime.now(UTC) - timedelta(hours=1)}, "starts_at"),
        ({"location": ""}, "location"),
        ({"audience": []}, "audience"),
        ({"audience": [outsider]}, "audience"),
    ]
    for change, field in cases:
        kwargs = {
            "starts_at": datetime.now(UTC) + timedelta(days=2),
            "audience": colleagues[:2],
            "location": "Room 1",
            **change,
        }
        with pytest.raises(ApplicationError) as refused:
            services.teachback_confirm(session=session, by=completed.learner, **kwargs)
        assert field in refused.value.fields
    session.refresh_from_db()
    assert session.status == SessionStatus.PROPOSED


def test_rsvp_twice_is_idempotent(
    completed, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    session = schedule(completed, colleagues, mailoutbox, django_capture_on_commit_callbacks)
    invite = session.invites.first()
    first = services.invite_respond(invite=invite, accept=True)
    answered_at = first.rsvp_at
    again = services.invite_respond(invite=invite, accept=True)
    assert again.rsvp == Rsvp.ACCEPTED
    assert again.rsvp_at == answered_at


def test_invite_tokens_refuse_forged_and_expired(
    completed, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    session = schedule(completed, colleagues, mailoutbox, django_capture_on_commit_callbacks)
    invite = session.invites.first()
    token = invite_token(invite)
    assert invite_token_read(token) == (invite.pk, invite.invitee_id)
    with pytest.raises(InviteTokenError, match="not valid"):
        invite_token_read(token[:-2] + "xx")
    forged = signing.dumps({"i": invite.pk, "u": invite.invitee_id}, salt="another-salt")
    with pytest.raises(InviteTokenError):
        invite_token_read(forged)
    with (
        time_machine.travel(datetime.now(UTC) + timedelta(days=31)),
        pytest.raises(InviteTokenError, match="expired"),
    ):
        invite_token_read(token)


def test_attendance_feedback_mastery_and_who_taught_whom(
    completed, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    session = schedule(completed, colleagues, mailoutbox, django_capture_on_commit_callbacks)
    attendee, absent = colleagues[0], colleagues[1]
    with pytest.raises(ApplicationError, match="once the session has started"):
        services.attendance_mark(session=session, by=completed.learner, attended=[attendee])
    TeachBackSession.objects.filter(pk=session.pk).update(
        starts_at=datetime.now(UTC) - timedelta(hours=1)
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_mark(session=session, by=completed.learner, attended=[attendee])
    assert [m.to for m in mailoutbox] == [[attendee.email]]
    absent_invite = session.invites.get(invitee=absent)
    with pytest.raises(ApplicationError, match="marks you as attended"):
        services.feedback_give(invite=absent_invite, by=absent, clarity=5, will_try=True)
    invite = session.invites.get(invitee=attendee)
    with pytest.raises(ApplicationError):
        services.feedback_give(invite=invite, by=attendee, clarity=6, will_try=True)
    completed.refresh_from_db()
    assert completed.mastered_at is None
    services.feedback_give(
        invite=invite, by=attendee, clarity=5, will_try=True, comment="Clear and short"
    )
    completed.refresh_from_db()
    assert completed.mastered_at is not None
    enrollment = services.enroll_from_teachback(invite=invite, by=attendee)
    assert enrollment.taught_by == completed.learner
    assert enrollment.taught_in == session


def test_propose_leaves_out_colleagues_on_vacation_hold(completed, colleagues):
    from practice.nudges.models import NudgePreference

    away = colleagues[0]
    NudgePreference.objects.create(
        user=away, paused_until=(datetime.now(UTC) + timedelta(days=10)).date()
    )
    session = services.teachback_propose(enrollment=completed)
    audience = [invite.invitee for invite in session.invites.all()]
    assert away not in audience
    assert colleagues[1] in audience


def test_proposal_page_search_with_nul_or_too_long_says_so(client, learner, completed, colleagues):
    session = services.teachback_propose(enrollment=completed)
    client.force_login(learner)
    page = f"/teachbacks/{session.pk}/"

    with_nul = client.get(page, {"q": "Colleague\x00"})
    too_long = client.get(page, {"q": "a" * 101})
    found = client.get(page, {"q": "Colleague 7"})

    assert with_nul.status_code == 200
    assert "Null characters are not allowed." in with_nul.content.decode()
    assert too_long.status_code == 200
    assert "at most 100 characters" in too_long.content.decode()
    assert "Colleagues matching “Colleague 7”" in found.content.decode()


def test_slots_fit_a_night_shift_across_midnight():
    from zoneinfo import ZoneInfo

    night = Availability(ZoneInfo("Asia/Tokyo"), time(22), time(6), WEEKDAYS)
    slots = slots_find([night, night], now=MONDAY, duration=timedelta(hours=1))
    tokyo = [slot.astimezone(ZoneInfo("Asia/Tokyo")) for slot in slots]
    assert len(slots) == 3
    for start in tokyo:
        assert start.hour >= 22 or start.hour < 5  # the hour ends by 06:00
        shift_day = start.date() if start.hour >= 22 else start.date() - timedelta(days=1)
        assert shift_day.isoweekday() in WEEKDAYS
