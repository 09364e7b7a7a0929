"""Teach-back reminders as a nudge source: 24 hours and 1 hour before, to the teacher and
the accepted attendees, through the nudge channels.

A reminder is due from its moment (``starts_at - 24h`` or ``- 1h``) until the next one
takes over (the 1-hour moment) or the session starts, and only to people who were already
in at that moment: the session was scheduled (confirmed or last moved) and the attendee
had accepted before it. Someone invited or accepting later just got the invitation, so a
"tomorrow" reminder would be noise. Its subject is the session's calendar identity
(UID and SEQUENCE) and which reminder it is: a moved session gets fresh reminders, and at
send time a reminder whose session was cancelled, moved or has started is no longer due,
so the dispatcher cancels it instead of sending it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.urls import reverse

from accounts.models import User
from practice.nudges.models import NudgeKind
from practice.nudges.sources import DueItem
from practice.teachback.models import TeachBackSession
from practice.teachback.selectors import session_list_starting

# (label, how long before the start), earliest first.
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))


def reminder_subject_ref(session: TeachBackSession, label: str) -> str:
    return f"teachback:{session.uid}:{session.sequence}:{label}"


def _when(person: User, session: TeachBackSession, label: str) -> str:
    assert session.starts_at is not None
    local = session.starts_at.astimezone(person.zone)
    day = "tomorrow" if label == "24h" else "in an hour"
    place = session.location or "online"
    return f"{day}, {local:%H:%M} ({person.time_zone}), {place}"


class TeachBackReminderSource:
    name = "teachback_reminder"
    # Appointments: planned even for someone whose next practice nudge is already planned.
    time_critical = True

    def due_items(self, *, learners: Sequence[User], now: datetime) -> dict[int, list[DueItem]]:
        wanted = {learner.pk: learner for learner in learners}
        result: dict[int, list[DueItem]] = defaultdict(list)
        sessions = session_list_starting(starts_after=now, starts_before=now + REMINDERS[0][1])
        for session in sessions:
            assert session.starts_at is not None
            for index, (label, before) in enumerate(REMINDERS):
                moment = session.starts_at - before
                superseded_at = (
                    session.starts_at - REMINDERS[index + 1][1]
                    if index + 1 < len(REMINDERS)
                    else session.starts_at
                )
                if not moment <= now < superseded_at or session.updated_at > moment:
                    continue
                people: list[tuple[User, str]] = []
                if session.teacher_id in wanted:
                    people.append((wanted[session.teacher_id], "Your teach-back"))
                for invite in session.accepted_invites:  # type: ignore[attr-defined]
                    if invite.invitee_id in wanted and (invite.rsvp_at or moment) <= moment:
                        teacher = session.teacher.display_name
                        people.append((wanted[invite.invitee_id], f"{teacher}'s teach-back"))
                for person, whose in people:
                    result[person.pk].append(
                        DueItem(
                            kind=NudgeKind.TEACHBACK_REMINDER,
                            subject_ref=reminder_subject_ref(session, label),
                            title=session.enrollment.version.title,
                            text=f"{whose} starts {_when(person, session, label)}.",
                            path=reverse("teachback:session", args=[session.pk]),
                            due_at=moment,
                        )
                    )
        return result
