"""The assignment email each learner gets once, with a calendar invitation to the kickoff.

The invitation is a METHOD:REQUEST iCalendar event whose UID is stable per cohort and
learner, so a moved kickoff (a higher SEQUENCE) replaces the event in their calendar
instead of adding another one. Times are written in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from accounts.models import User
from courses.models import Micromastery
from practice.cohorts.models import Cohort, CohortMembership


def cohort_title(cohort: Cohort) -> str:
    """What the cohort practises, as a learner reads it."""
    if cohort.course_id is not None:
        assert cohort.course is not None
        return cohort.course.title
    assert cohort.micromastery_id is not None
    # Loaded with Micromastery.objects.with_title() by the cohort reports; fetched otherwise.
    title = getattr(cohort.micromastery, "title", None)
    if title is None:
        titled = Micromastery.objects.with_title().get(pk=cohort.micromastery_id)
        title = titled.title  # type: ignore[attr-defined]
    return str(title)


def kickoff_uid(cohort: Cohort, learner: User) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "micromastery"
    return f"cohort-{cohort.pk}-learner-{learner.pk}@{host}"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def kickoff_ics(*, cohort: Cohort, learner: User, title: str, now: datetime) -> bytes:
    assert cohort.kickoff_at is not None
    organizer = cohort.facilitator or cohort.assigned_by
    calendar = Calendar()
    calendar.add("prodid", "-//Micromastery//Cohort kickoff//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", kickoff_uid(cohort, learner))
    event.add("sequence", cohort.kickoff_sequence)
    event.add("dtstamp", now.astimezone(UTC))
    starts = cohort.kickoff_at.astimezone(UTC)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=cohort.kickoff_minutes))
    event.add("summary", f"Kickoff: {title}")
    description = f"Kickoff of “{title}” for {cohort.name}."
    if cohort.kickoff_url:
        description += f"\nJoin online: {cohort.kickoff_url}"
        event.add("url", cohort.kickoff_url)
    event.add("description", description)
    event.add("location", cohort.kickoff_location or cohort.kickoff_url)
    if organizer is not None:
        event.add("organizer", _address(organizer.email, str(organizer)))
    else:
        event.add("organizer", _address(settings.DEFAULT_FROM_EMAIL, "Micromastery"))
    event.add(
        "attendee",
        _address(
            learner.email,
            str(learner),
            role="REQ-PARTICIPANT",
            partstat="NEEDS-ACTION",
            rsvp="TRUE",
        ),
    )
    calendar.add_component(event)
    return calendar.to_ical()


def assignment_email(
    *, membership: CohortMembership, title: str, now: datetime, updated: bool = False
) -> mail.EmailMessage:
    cohort, learner = membership.cohort, membership.learner
    already_enrolled = all(row.already_enrolled for row in membership.cohort_enrollments.all())
    with timezone.override(learner.zone):
        context = {
            "learner": learner,
            "cohort": cohort,
            "title": title,
            "assigned_by": cohort.assigned_by,
            "already_enrolled": already_enrolled,
            "time_zone": learner.time_zone,
            "home_url": f"{settings.SITE_URL}/",
            "updated": updated,
        }
        subject = render_to_string("cohorts/email/assigned_subject.txt", context)
        body = render_to_string("cohorts/email/assigned_body.txt", context)
    message = mail.EmailMessage(subject=" ".join(subject.split()), body=body, to=[learner.email])
    if cohort.kickoff_at is not None:
        message.attach(
            "kickoff.ics",
            kickoff_ics(cohort=cohort, learner=learner, title=title, now=now).decode(),
            "text/calendar; method=REQUEST",
        )
    return message


def assignment_emails_send(membership_ids: Iterable[int], *, updated: bool = False) -> int:
    """Send the assignment emails of these memberships over one connection.

    ``updated``: the kickoff moved, and these learners had the earlier invitation.

    Called after the assignment commits (``transaction.on_commit``), so a refused or
    rolled-back assignment never emails anyone.
    """
    memberships = list(
        CohortMembership.objects.filter(pk__in=list(membership_ids), removed_at__isnull=True)
        .select_related(
            "learner",
            "cohort__micromastery",
            "cohort__course",
            "cohort__assigned_by",
            "cohort__facilitator",
        )
        .prefetch_related("cohort_enrollments")
    )
    if not memberships:
        return 0
    now = timezone.now()
    titles: dict[int, str] = {}
    messages = []
    for membership in memberships:
        if membership.cohort_id not in titles:
            titles[membership.cohort_id] = cohort_title(membership.cohort)
        messages.append(
            assignment_email(
                membership=membership,
                title=titles[membership.cohort_id],
                now=now,
                updated=updated,
            )
        )
    with mail.get_connection() as connection:
        return connection.send_messages(messages) or 0
