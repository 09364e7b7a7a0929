"""iCalendar invitations for teach-back sessions (RFC 5545 / iTIP).

Times are written in UTC, which every calendar converts to its owner's zone; the UID
stays the same for the life of a session and SEQUENCE grows with every change sent, so
calendars update or cancel the event they already have instead of adding a new one.
The summary and description are in the active language, which they name (LANGUAGE): each
invitee's copy is rendered in theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from icalendar import Calendar, Event, vCalAddress, vText

from accounts.models import User
from practice.teachback.models import Rsvp, TeachBackInvite, TeachBackSession

PARTSTAT = {Rsvp.PENDING: "NEEDS-ACTION", Rsvp.ACCEPTED: "ACCEPTED", Rsvp.DECLINED: "DECLINED"}


def _address(user: User, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = vText(user.display_name or user.email)
    for name, value in params.items():
        address.params[name] = vText(value)
    return address


def session_ics(
    session: TeachBackSession,
    *,
    method: str,
    invites: Iterable[TeachBackInvite],
    title: str,
    now: datetime | None = None,
) -> bytes:
    """The calendar object for ``method`` REQUEST (new or updated) or CANCEL."""
    assert method in {"REQUEST", "CANCEL"}
    assert session.starts_at is not None
    assert session.ends_at is not None
    calendar = Calendar()
    calendar.add("prodid", "-//Micromastery//Teach-back//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{session.uid}@micromastery")
    event.add("sequence", session.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    language = {"LANGUAGE": translation.get_language() or settings.LANGUAGE_CODE}
    event.add("summary", gettext("Teach-back: %(title)s") % {"title": title}, parameters=language)
    description = ngettext(
        "%(teacher)s teaches “%(title)s” in %(minutes)d minute, then asks for your feedback.",
        "%(teacher)s teaches “%(title)s” in %(minutes)d minutes, then asks for your feedback.",
        session.duration_minutes,
    ) % {
        "teacher": session.teacher.display_name,
        "title": title,
        "minutes": session.duration_minutes,
    }
    event.add("description", description, parameters=language)
    where = " · ".join(part for part in [session.location, session.video_url] if part)
    if where:
        event.add("location", where)
    event.add("url", f"{settings.SITE_URL}/teachbacks/{session.pk}/")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _address(session.teacher))
    for invite in invites:
        event.add(
            "attendee",
            _address(
                invite.invitee,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT=PARTSTAT[Rsvp(invite.rsvp)],
                RSVP="TRUE",
            ),
            encode=False,
        )
    calendar.add_component(event)
    return calendar.to_ical()
