"""The assignment email each learner gets once, with a calendar invitation to the kickoff.

The invitation is a METHOD:REQUEST iCalendar event whose UID is stable per cohort and
learner, so a moved kickoff (a higher SEQUENCE) replaces the event in their calendar
instead of adding another one; a cleared kickoff, or a learner taken out of the cohort,
gets a METHOD:CANCEL of the same UID. Times are written in UTC. Emails are handed to the
outbox in the caller's transaction; a worker delivers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from accounts.languages import person_language
from accounts.models import User
from courses.models import Micromastery
from micromastery.common.outbox import Attachment, MessageKind, OutgoingEmail
from practice.cohorts.models import Cohort, CohortMembership
from practice.nudges.outbox import outbox_enqueue


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


def kickoff_ics(
    *,
    cohort: Cohort,
    learner: User,
    title: str,
    now: datetime,
    cancel: bool = False,
    kickoff_at: datetime | None = None,
) -> bytes:
    """The learner's kickoff event; ``cancel`` withdraws it (``kickoff_at``: the time it had,
    for a kickoff that was cleared)."""
    kickoff_at = kickoff_at or cohort.kickoff_at
    assert kickoff_at is not None
    organizer = cohort.facilitator or cohort.assigned_by
    calendar = Calendar()
    calendar.add("prodid", "-//Micromastery//Cohort kickoff//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", kickoff_uid(cohort, learner))
    event.add("sequence", cohort.kickoff_sequence)
    event.add("dtstamp", now.astimezone(UTC))
    if cancel:
        event.add("status", "CANCELLED")
    starts = kickoff_at.astimezone(UTC)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=cohort.kickoff_minutes))
    # The learner's calendar shows these words: in their language, whoever assigned.
    with translation.override(person_language(learner)):
        event.add("summary", _("Kickoff: %(title)s") % {"title": title})
        description = _("Kickoff of “%(title)s” for %(cohort)s.") % {
            "title": title,
            "cohort": cohort.name,
        }
        if cohort.kickoff_url:
            description += "\n" + _("Join online: %(url)s") % {"url": cohort.kickoff_url}
    if cohort.kickoff_url:
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
            rsvp="FALSE" if cancel else "TRUE",
        ),
    )
    calendar.add_component(event)
    return calendar.to_ical()


def assignment_email(
    *, membership: CohortMembership, title: str, now: datetime, updated: bool = False
) -> OutgoingEmail:
    cohort, learner = membership.cohort, membership.learner
    already_enrolled = all(row.already_enrolled for row in membership.cohort_enrollments.all())
    with timezone.override(learner.zone), translation.override(person_language(learner)):
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
    attachments = []
    if cohort.kickoff_at is not None:
        attachments.append(
            Attachment(
                "kickoff.ics",
                kickoff_ics(cohort=cohort, learner=learner, title=title, now=now).decode(),
                "text/calendar; method=REQUEST",
            )
        )
    key = (
        f"cohort-kickoff:{membership.pk}:{cohort.kickoff_sequence}"
        if updated
        else f"cohort-assigned:{membership.pk}"
    )
    return OutgoingEmail(
        recipient_id=learner.pk,
        to=learner.email,
        kind=MessageKind.KICKOFF_UPDATE if updated else MessageKind.COHORT_ASSIGNMENT,
        key=key,
        subject=subject,
        text=body,
        attachments=attachments,
    )


def _memberships(membership_ids: Iterable[int], *, removed: bool = False) -> list[CohortMembership]:
    return list(
        CohortMembership.objects.filter(pk__in=list(membership_ids), removed_at__isnull=not removed)
        .select_related(
            "learner__organization",
            "cohort__micromastery",
            "cohort__course",
            "cohort__assigned_by",
            "cohort__facilitator",
        )
        .prefetch_related("cohort_enrollments")
    )


def assignment_emails_send(membership_ids: Iterable[int], *, updated: bool = False) -> int:
    """Enqueue the assignment emails of these memberships (in the caller's transaction, so
    a refused or rolled-back assignment never emails anyone).

    ``updated``: the kickoff moved, and these learners had the earlier invitation.
    """
    memberships = _memberships(membership_ids)
    if not memberships:
        return 0
    now = timezone.now()
    titles: dict[int, str] = {}
    emails = []
    for membership in memberships:
        if membership.cohort_id not in titles:
            titles[membership.cohort_id] = cohort_title(membership.cohort)
        emails.append(
            assignment_email(
                membership=membership,
                title=titles[membership.cohort_id],
                now=now,
                updated=updated,
            )
        )
    return outbox_enqueue(emails)


def kickoff_cancellations_send(
    membership_ids: Iterable[int], *, kickoff_at: datetime, removed: bool = False
) -> int:
    """Enqueue a METHOD:CANCEL of the kickoff (same UID, the cohort's current SEQUENCE) to
    these learners: the kickoff was cleared, or (``removed``) they left the cohort."""
    memberships = _memberships(membership_ids, removed=removed)
    now = timezone.now()
    emails = []
    for membership in memberships:
        cohort, learner = membership.cohort, membership.learner
        title = cohort_title(cohort)
        with timezone.override(learner.zone), translation.override(person_language(learner)):
            context = {
                "learner": learner,
                "cohort": cohort,
                "title": title,
                "removed": removed,
                "kickoff_at": kickoff_at,
                "time_zone": learner.time_zone,
                "home_url": f"{settings.SITE_URL}/",
            }
            subject = render_to_string("cohorts/email/kickoff_cancel_subject.txt", context)
            body = render_to_string("cohorts/email/kickoff_cancel_body.txt", context)
        ics = kickoff_ics(
            cohort=cohort, learner=learner, title=title, now=now, cancel=True, kickoff_at=kickoff_at
        )
        emails.append(
            OutgoingEmail(
                recipient_id=learner.pk,
                to=learner.email,
                kind=MessageKind.KICKOFF_CANCEL,
                key=f"cohort-kickoff-cancel:{membership.pk}:{cohort.kickoff_sequence}",
                subject=subject,
                text=body,
                attachments=[
                    Attachment("kickoff.ics", ics.decode(), "text/calendar; method=CANCEL")
                ],
            )
        )
    return outbox_enqueue(emails)
