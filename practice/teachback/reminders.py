"""Teach-back reminders as a nudge source: 24 hours and 1 hour before, to the teacher and
the accepted attendees, through the nudge channels.

A reminder is due from its moment (``starts_at - 24h`` or ``- 1h``) until the next one
takes over (the 1-hour moment) or the session starts, and only to people who were already
in at that moment: the session was scheduled (confirmed or last moved) and the attendee
had accepted before it. Someone invited or accepting later just got the invitation, so a
"tomorrow" reminder would be noise. Its subject is the session's calendar identity
(UID and SEQUENCE) and which reminder it is: a moved session gets fresh reminders, and at
send time a reminder whose session was cancelled, moved or has started is no longer due,
so the dispatcher cancels it instead of sending it. Each reminder's text is written in
its recipient's language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.languages import person_language
from accounts.models import User
from practice.nudges.models import NudgeKind
from practice.nudges.sources import DueItem
from practice.teachback.dates import moment_format
from practice.teachback.models import TeachBackSession
from practice.teachback.selectors import session_list_starting

# (label, how long before the start), earliest first.
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))


def reminder_subject_ref(session: TeachBackSession, label: str) -> str:
    return f"teachback:{session.uid}:{session.sequence}:{label}"


def _reminder_text(person: User, session: TeachBackSession, label: str) -> str:
    """ "Ann's teach-back starts tomorrow, 08:30 (Europe/London), Room 4.", in the active
    language, the time in the person's zone."""
    assert session.starts_at is not None
    values = {
        "teacher": session.teacher.display_name,
        "time": moment_format(session.starts_at, "time", person.zone),
        "zone": person.time_zone,
        "place": session.location or _("online"),
    }
    teaches = session.teacher_id == person.pk
    if label == "24h":
        if teaches:
            text = _("Your teach-back starts tomorrow, %(time)s (%(zone)s), %(place)s.")
        else:
            text = _("%(teacher)s's teach-back starts tomorrow, %(time)s (%(zone)s), %(place)s.")
    elif teaches:
        text = _("Your teach-back starts in an hour, %(time)s (%(zone)s), %(place)s.")
    else:
        text = _("%(teacher)s's teach-back starts in an hour, %(time)s (%(zone)s), %(place)s.")
    return text % values


class TeachBackReminderSource:
    name = "teachback_reminder"
    # Appointments: planned even for someone whose next practice nudge is already planned.
    time_critical = True

    def due_items(self, *, learners: Sequence[User], now: datetime) -> dict[int, list[DueItem]]:
        wanted = {learner.pk: learner for learner in learners}
        due: list[tuple[User, TeachBackSession, str, datetime]] = []
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
                if session.teacher_id in wanted:
                    due.append((wanted[session.teacher_id], session, label, moment))
                for invite in session.accepted_invites:  # type: ignore[attr-defined]
                    if invite.invitee_id in wanted and (invite.rsvp_at or moment) <= moment:
                        due.append((wanted[invite.invitee_id], session, label, moment))
        # Their organization's default language speaks for people who chose none: one query
        # for all of them, unless the caller loaded it.
        prefetch_related_objects(
            [person for person, *_rest in due if not User.organization.is_cached(person)],
            "organization",
        )
        result: dict[int, list[DueItem]] = defaultdict(list)
        for person, session, label, moment in due:
            with translation.override(person_language(person)):
                text = _reminder_text(person, session, label)
            result[person.pk].append(
                DueItem(
                    kind=NudgeKind.TEACHBACK_REMINDER,
                    subject_ref=reminder_subject_ref(session, label),
                    title=session.enrollment.version.title,
                    text=text,
                    path=reverse("teachback:session", args=[session.pk]),
                    due_at=moment,
                )
            )
        return result
