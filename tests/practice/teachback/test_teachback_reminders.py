"""Teach-back reminders through the nudge channels: 24 hours and 1 hour before.

The session starts on Wednesday 4 March at 08:30 London (= UTC), before working hours:
the 1-hour reminder at 07:30 is outside them and still goes out at its moment.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from practice.nudges import dispatch, planning
from practice.nudges.models import Notification, Nudge, NudgeStatus
from practice.teachback import services
from practice.teachback.models import Rsvp
from tests.factories import (
    NudgePreferenceFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    UserFactory,
)
from tests.practice.nudges.helpers import MONDAY, day, enrol

pytestmark = pytest.mark.django_db

STARTS = datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
DAY_BEFORE = STARTS - timedelta(hours=24)
HOUR_BEFORE = STARTS - timedelta(hours=1)


def plan(now):
    with time_machine.travel(now, tick=False):
        return planning.nudges_plan(now=now)


def claim_and_send(now):
    with time_machine.travel(now, tick=False):
        ids, token = dispatch.nudges_claim(now=now)
        return dispatch.nudges_send(nudge_ids=ids, token=token)


def reminders(user=None):
    nudges = Nudge.objects.filter(kind="teachback_reminder").order_by("due_at", "channel")
    return list(nudges.filter(recipient=user) if user else nudges)


@pytest.fixture
def session(organization):
    teacher = UserFactory(organization=organization, display_name="Tess", time_zone="Europe/London")
    with time_machine.travel(MONDAY, tick=False):
        session = TeachBackSessionFactory(
            enrollment__learner=teacher, starts_at=STARTS, location="Room 4"
        )
        for name, rsvp in (("Ann", Rsvp.ACCEPTED), ("Pat", Rsvp.PENDING), ("Dan", Rsvp.DECLINED)):
            TeachBackInviteFactory(
                session=session,
                invitee=UserFactory(
                    organization=organization, display_name=name, time_zone="Europe/London"
                ),
                rsvp=rsvp,
                rsvp_at=MONDAY if rsvp != Rsvp.PENDING else None,
            )
    return session


def person(session, name):
    return next(i.invitee for i in session.invites.all() if i.invitee.display_name == name)


def test_reminders_planned_at_their_exact_moments_for_teacher_and_accepted_attendees(session):
    ann = person(session, "Ann")
    plan(DAY_BEFORE - timedelta(minutes=1))
    assert reminders() == []
    plan(DAY_BEFORE)
    plan(DAY_BEFORE + timedelta(minutes=1))  # the next planner run adds nothing
    day_before = reminders()
    assert {(n.recipient, n.channel, n.due_at) for n in day_before} == {
        (who, channel, DAY_BEFORE)
        for who in (session.teacher, ann)
        for channel in ("email", "in_app")
    }
    assert claim_and_send(DAY_BEFORE).sent == 4
    plan(HOUR_BEFORE)  # 07:30: before working hours, still planned for its moment
    assert {n.due_at for n in reminders(ann)} == {DAY_BEFORE, HOUR_BEFORE}
    assert len(reminders()) == 8
    assert claim_and_send(HOUR_BEFORE).sent == 4
    (email,) = [m for m in mail.outbox if m.to == [ann.email] and "in an hour" in m.subject]
    assert "Tess's teach-back starts in an hour, 08:30 (Europe/London), Room 4." in email.body
    assert "A few minutes now" not in email.body
    note = Notification.objects.filter(recipient=session.teacher).first()
    assert "Your teach-back starts" in note.title
    with time_machine.travel(HOUR_BEFORE, tick=False):
        assert session.teacher.nudges.first().payload["items"][0]["path"] == reverse(
            "teachback:session", args=[session.pk]
        )


def test_reminders_are_outside_the_daily_cap(session, organization):
    ann = person(session, "Ann")
    enrol(ann, at=MONDAY - timedelta(days=7))
    # Tuesday 08:30: the 24-hour reminder at once, and her start nudge for 09:00 all the same.
    plan(DAY_BEFORE)
    plan(day(1, 10))
    plan(day(1, 10) + timedelta(minutes=1))
    tuesday = [(n.kind, n.due_at) for n in Nudge.objects.filter(recipient=ann, channel="email")]
    assert sorted(tuesday) == [("start_nudge", day(1, 9)), ("teachback_reminder", DAY_BEFORE)]


def test_rescheduled_session_gets_new_reminders_and_the_old_ones_are_cancelled(session):
    plan(DAY_BEFORE)
    later = STARTS + timedelta(days=1)
    with time_machine.travel(DAY_BEFORE + timedelta(minutes=2), tick=False):
        services.teachback_reschedule(session=session, by=session.teacher, starts_at=later)
    outcome = claim_and_send(DAY_BEFORE + timedelta(minutes=3))
    assert outcome.sent == 0 and outcome.cancelled == 4
    assert {n.last_error for n in reminders()} == {
        "The teach-back was cancelled, moved or has started."
    }
    plan(later - timedelta(hours=24))
    fresh = [n for n in reminders() if n.status == NudgeStatus.PLANNED]
    assert len(fresh) == 4 and all(":1:24h" in n.subject_ref for n in fresh)


def test_reminder_of_a_cancelled_or_started_session_is_never_sent(session):
    plan(HOUR_BEFORE)
    assert claim_and_send(STARTS).cancelled == 4  # the dispatcher only got to it at 08:30
    plan(DAY_BEFORE)
    Nudge.objects.all().delete()
    plan(DAY_BEFORE)
    with time_machine.travel(DAY_BEFORE, tick=False):
        services.teachback_cancel(session=session, by=session.teacher)
    assert claim_and_send(DAY_BEFORE).cancelled == 4
    assert mail.outbox == [m for m in mail.outbox if "reminder" not in m.subject.lower()]
    assert not Notification.objects.exists()


def test_reminders_respect_channels_pause_and_unsubscribe(session):
    ann = person(session, "Ann")
    NudgePreferenceFactory(user=ann, email_enabled=False)
    NudgePreferenceFactory(user=session.teacher, paused_until=DAY_BEFORE.date())
    plan(DAY_BEFORE)
    assert [n.channel for n in reminders(ann)] == ["in_app"]
    assert reminders(session.teacher) == []
    ann.nudge_preference.unsubscribed_at = DAY_BEFORE
    ann.nudge_preference.save()
    assert claim_and_send(DAY_BEFORE).sent == 0
    assert reminders(ann)[0].status == NudgeStatus.SUPPRESSED


def test_late_acceptance_skips_the_day_before_reminder(session):
    pat = person(session, "Pat")
    with time_machine.travel(DAY_BEFORE + timedelta(hours=2), tick=False):
        services.invite_respond(invite=session.invites.get(invitee=pat), accept=True)
    plan(DAY_BEFORE + timedelta(hours=2))
    assert reminders(pat) == []
    plan(HOUR_BEFORE)
    assert {n.due_at for n in reminders(pat)} == {HOUR_BEFORE}
