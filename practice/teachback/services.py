"""Teach-back: proposing, confirming, rescheduling, cancelling, RSVP, attendance, feedback,
and the mastery rule."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policies
from accounts.languages import person_language
from accounts.models import Team, User
from micromastery.common.dates import PLANNING_HORIZON, PLANNING_HORIZON_YEARS
from micromastery.common.errors import ApplicationError, refuse_invalid_fields
from practice.extensions import LearningEventKind, learning_event_record
from practice.models import Enrollment, EnrollmentStatus
from practice.nudges.services import NotificationDraft, notifications_create
from practice.services import enrollment_create
from practice.teachback import emails
from practice.teachback.dates import moment_format
from practice.teachback.models import Rsvp, SessionStatus, TeachBackInvite, TeachBackSession
from practice.teachback.slots import Availability, largest_group_with_a_slot, slots_find

AUDIENCE_MAX = 6
# Colleagues weighed for the default audience: the teacher's team first, then the rest of
# the organization, at most this many (each is checked against every slot of two weeks).
AUDIENCE_CANDIDATES = 60
# Invites beyond this are a lecture, not a teach-back.
AUDIENCE_LIMIT = 20
# The sweep proposes for completions this recent: an old completion without a teach-back
# is a learner who moved on, and a proposal months later would be noise.
PROPOSAL_WINDOW = timedelta(days=30)
# The sweep leaves fresh completions to the task queued by attempt_log.
PROPOSAL_GRACE = timedelta(minutes=10)
PROPOSAL_BATCH = 100


def _availability(person: User, busy: Iterable[tuple[datetime, datetime]]) -> Availability:
    return Availability(
        zone=person.zone,
        starts=person.work_starts_at,
        ends=person.work_ends_at,
        days=person.working_weekdays,
        busy=tuple(busy),
    )


def _busy_by_person(
    people: list[User], now: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Other teach-back sessions each person teaches or is invited to (and did not decline)."""
    ids = [person.pk for person in people]
    sessions = (
        TeachBackSession.objects.filter(
            status=SessionStatus.SCHEDULED, starts_at__gte=now - timedelta(hours=3)
        )
        .filter(
            Q(teacher_id__in=ids)
            | Q(invites__invitee_id__in=ids, invites__rsvp__in=[Rsvp.PENDING, Rsvp.ACCEPTED])
        )
        .distinct()
        .prefetch_related("invites")
    )
    busy: dict[int, list[tuple[datetime, datetime]]] = {pk: [] for pk in ids}
    for session in sessions:
        assert session.starts_at is not None
        assert session.ends_at is not None
        interval = (session.starts_at, session.ends_at)
        involved = {session.teacher_id} | {
            invite.invitee_id for invite in session.invites.all() if invite.rsvp != Rsvp.DECLINED
        }
        for pk in involved & set(ids):
            busy[pk].append(interval)
    return busy


def audience_suggest(
    *, enrollment: Enrollment, size: int = AUDIENCE_MAX, now: datetime | None = None
) -> list[User]:
    """The largest group of colleagues (at most ``size``) who would gain from the teach-back
    and can meet the teacher at one time at least: a shared slot decides before the team
    (see ``largest_group_with_a_slot``); then the same team first, then the organization.

    Left out: the teacher, inactive people, anyone who completed this micromastery,
    anyone who paused or dropped it, and anyone on a vacation hold (nudges paused) today.
    With nobody free at the teacher's times, the same team first, and the teacher sets a
    time by hand.
    """
    now = now or timezone.now()
    teacher = enrollment.learner
    today = timezone.localdate(now, teacher.zone)
    skip_ids = set(
        Enrollment.objects.filter(micromastery_id=enrollment.micromastery_id)
        .filter(
            Q(completed_at__isnull=False)
            | Q(status__in=[EnrollmentStatus.PAUSED, EnrollmentStatus.DROPPED])
        )
        .values_list("learner_id", flat=True)
    ) | {teacher.pk}
    colleagues = (
        User.objects.filter(organization=teacher.organization, is_active=True)
        .exclude(nudge_preference__paused_until__gte=today)
        .exclude(pk__in=skip_ids)
    )
    team_ids = list(Team.objects.filter(members=teacher).values_list("pk", flat=True))
    teammates = list(
        colleagues.filter(teams__in=team_ids)
        .distinct()
        .order_by("display_name", "pk")[:AUDIENCE_CANDIDATES]
    )
    others = list(
        colleagues.exclude(pk__in=[person.pk for person in teammates]).order_by(
            "display_name", "pk"
        )[: max(0, AUDIENCE_CANDIDATES - len(teammates))]
    )
    candidates = teammates + others
    busy = _busy_by_person([teacher, *candidates], now)
    chosen = largest_group_with_a_slot(
        _availability(teacher, busy[teacher.pk]),
        [_availability(person, busy[person.pk]) for person in candidates],
        now=now,
        size=size,
        preferred=[index < len(teammates) for index in range(len(candidates))],
    )
    if not chosen:
        return candidates[:size]
    return [candidates[index] for index in chosen]


def slots_suggest(
    *, teacher: User, audience: list[User], now: datetime, duration_minutes: int = 30
) -> list[datetime]:
    people = [teacher, *audience]
    busy = _busy_by_person(people, now)
    return slots_find(
        [_availability(person, busy[person.pk]) for person in people],
        now=now,
        duration=timedelta(minutes=duration_minutes),
    )


@transaction.atomic
def teachback_propose_after_practice(
    *, enrollment: Enrollment, now: datetime | None = None
) -> TeachBackSession | None:
    """The automatic proposal once the practice is complete: at most one per enrolment.

    Runs from a task and from the sweep, possibly more than once: an enrolment that
    already has a teach-back (proposed, scheduled or cancelled by its teacher) keeps it,
    and one that was dropped gets none. Returns the enrolment's teach-back, if any.
    """
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    existing = TeachBackSession.objects.filter(enrollment=enrollment).order_by("-pk").first()
    if existing is not None:
        return existing
    if enrollment.completed_at is None or enrollment.status == EnrollmentStatus.DROPPED:
        return None
    return teachback_propose(enrollment=enrollment, now=now)


def teachback_propose_missing(
    *, now: datetime | None = None, limit: int = PROPOSAL_BATCH
) -> list[TeachBackSession]:
    """Propose for recent completions that have no teach-back yet, at most ``limit``.

    The safety net behind the task queued on completion: a task lost with a broker or a
    worker only delays the proposal until the next sweep.
    """
    now = now or timezone.now()
    enrollment_ids = list(
        Enrollment.objects.filter(
            completed_at__gte=now - PROPOSAL_WINDOW,
            completed_at__lte=now - PROPOSAL_GRACE,
            learner__is_active=True,
            teachback_sessions__isnull=True,
        )
        .exclude(status=EnrollmentStatus.DROPPED)
        .order_by("completed_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    proposed = []
    for enrollment in Enrollment.objects.filter(pk__in=enrollment_ids).order_by("completed_at"):
        session = teachback_propose_after_practice(enrollment=enrollment, now=now)
        if session is not None:
            proposed.append(session)
    return proposed


@transaction.atomic
def teachback_propose(*, enrollment: Enrollment, now: datetime | None = None) -> TeachBackSession:
    """Propose a teach-back to a learner who completed the practice (idempotent).

    The proposal holds an audience of 3-6 colleagues and 3 candidate slots inside
    everyone's working hours; with no common slot the list is empty and the teacher
    sets a time by hand.
    """
    now = now or timezone.now()
    enrollment = (
        Enrollment.objects.select_for_update().select_related("learner").get(pk=enrollment.pk)
    )
    if enrollment.completed_at is None:
        raise ApplicationError(_("A teach-back follows the practice: complete every step first."))
    existing = TeachBackSession.objects.filter(
        enrollment=enrollment, status=SessionStatus.PROPOSED
    ).first()
    if existing is not None:
        return existing
    audience = audience_suggest(enrollment=enrollment, now=now)
    slots = slots_suggest(teacher=enrollment.learner, audience=audience, now=now)
    session = TeachBackSession.objects.create(
        teacher=enrollment.learner,
        micromastery_id=enrollment.micromastery_id,
        enrollment=enrollment,
        proposed_slots=[slot.isoformat() for slot in slots],
    )
    # The proposed audience is stored as pending invites that are only sent on confirm.
    TeachBackInvite.objects.bulk_create(
        TeachBackInvite(session=session, invitee=person) for person in audience
    )
    return session


@transaction.atomic
def teachback_audience_change(
    *, session: TeachBackSession, by: User, audience: Iterable[User], now: datetime | None = None
) -> TeachBackSession:
    """Change who a proposal invites; the candidate slots are found again for them."""
    session = (
        TeachBackSession.objects.select_for_update().select_related("teacher").get(pk=session.pk)
    )
    _require_teacher(session, by)
    if session.status != SessionStatus.PROPOSED:
        raise ApplicationError(
            _("This teach-back is already scheduled or cancelled: its invitations went out.")
        )
    audience = _audience_validate(audience, by=by)
    session.invites.exclude(invitee__in=audience).delete()
    existing = set(session.invites.values_list("invitee_id", flat=True))
    TeachBackInvite.objects.bulk_create(
        TeachBackInvite(session=session, invitee=person)
        for person in audience
        if person.pk not in existing
    )
    slots = slots_suggest(
        teacher=session.teacher,
        audience=audience,
        now=now or timezone.now(),
        duration_minutes=session.duration_minutes,
    )
    session.proposed_slots = [slot.isoformat() for slot in slots]
    session.save(update_fields=["proposed_slots", "updated_at"])
    return session


def _audience_validate(audience: Iterable[User], *, by: User) -> list[User]:
    people = list({person.pk: person for person in audience}.values())
    if not people:
        message = _("Invite at least one colleague.")
        raise ApplicationError(message, fields={"audience": [message]})
    if len(people) > AUDIENCE_LIMIT:
        limit = {"limit": AUDIENCE_LIMIT}
        raise ApplicationError(
            ngettext(
                "Invite at most %(limit)d colleague: a teach-back works in a small group.",
                "Invite at most %(limit)d colleagues: a teach-back works in a small group.",
                AUDIENCE_LIMIT,
            )
            % limit,
            fields={
                "audience": [
                    ngettext(
                        "Invite at most %(limit)d colleague.",
                        "Invite at most %(limit)d colleagues.",
                        AUDIENCE_LIMIT,
                    )
                    % limit
                ]
            },
        )
    if any(
        p.organization_id != by.organization_id or p.pk == by.pk or not p.is_active for p in people
    ):
        message = _("Invite colleagues of your organization (not yourself).")
        raise ApplicationError(message, fields={"audience": [message]})
    return people


def _validate_schedule(
    session: TeachBackSession, *, starts_at: datetime, location: str, video_url: str
) -> None:
    fields: dict[str, list[str]] = {}
    if starts_at <= timezone.now():
        fields["starts_at"] = [_("Pick a time in the future.")]
    elif starts_at > timezone.now() + PLANNING_HORIZON:
        fields["starts_at"] = [
            ngettext(
                "Pick a time within the next %(years)d year.",
                "Pick a time within the next %(years)d years.",
                PLANNING_HORIZON_YEARS,
            )
            % {"years": PLANNING_HORIZON_YEARS}
        ]
    if not (location.strip() or video_url.strip()):
        fields["location"] = [_("Add a place or a video link so people know where to go.")]
    if video_url and not video_url.startswith(("https://", "http://")):
        fields["video_url"] = [_("Enter a web address starting with https://.")]
    if fields:
        raise ApplicationError(" ".join(m for ms in fields.values() for m in ms), fields=fields)


def _require_teacher(session: TeachBackSession, by: User) -> None:
    if not policies.can_change_teachback(by, session):
        raise ApplicationError(_("Only the teacher can change this teach-back."))


@transaction.atomic
def teachback_confirm(
    *,
    session: TeachBackSession,
    by: User,
    starts_at: datetime,
    audience: Iterable[User],
    location: str = "",
    video_url: str = "",
    duration_minutes: int | None = None,
) -> TeachBackSession:
    """Schedule the session and send the invitations (email with a calendar file)."""
    session = TeachBackSession.objects.select_for_update().get(pk=session.pk)
    _require_teacher(session, by)
    if session.status != SessionStatus.PROPOSED:
        raise ApplicationError(_("This teach-back is already scheduled or cancelled."))
    audience = _audience_validate(audience, by=by)
    _validate_schedule(session, starts_at=starts_at, location=location, video_url=video_url)
    session.invites.exclude(invitee__in=audience).delete()
    existing = set(session.invites.values_list("invitee_id", flat=True))
    TeachBackInvite.objects.bulk_create(
        TeachBackInvite(session=session, invitee=person)
        for person in audience
        if person.pk not in existing
    )
    session.starts_at = starts_at
    session.location = location.strip()
    session.video_url = video_url.strip()
    refuse_invalid_fields(session, ["location", "video_url"])
    if duration_minutes:
        session.duration_minutes = duration_minutes
    session.status = SessionStatus.SCHEDULED
    session.confirmed_at = timezone.now()
    session.save()
    emails.send_calendar_email(session, method="REQUEST", kind="invite")
    transaction.on_commit(lambda: _notify_invitees(session.pk))
    return session


def when_for(person: User, moment: datetime) -> str:
    """A session's start as the person reads it: their own time zone, named, in the active
    language's order ("Tue 3 Mar, 14:00 (Europe/London)")."""
    return f"{moment_format(moment, 'day_time', person.zone)} ({person.time_zone})"


def _notify_invitees(session_id: int) -> None:
    """The bell's copy of the invitation, for each invitee in their language, linking to
    the session page."""
    session = (
        TeachBackSession.objects.select_related("teacher", "enrollment__version")
        .prefetch_related(
            Prefetch(
                "invites",
                queryset=TeachBackInvite.objects.select_related("invitee__organization"),
            )
        )
        .get(pk=session_id)
    )
    assert session.starts_at is not None
    title = session.enrollment.version.title
    url = reverse("teachback:session", args=[session.pk])
    drafts = []
    for invite in session.invites.all():
        with translation.override(person_language(invite.invitee)):
            drafts.append(
                NotificationDraft(
                    recipient=invite.invitee,
                    title=_("%(teacher)s invites you to a teach-back: %(title)s")
                    % {"teacher": session.teacher.display_name, "title": title},
                    body=_("%(when)s. Will you come?")
                    % {"when": when_for(invite.invitee, session.starts_at)},
                    url=url,
                    key=f"teachback-invite:{session.uid}:{invite.invitee_id}",
                )
            )
    notifications_create(drafts=drafts)


@transaction.atomic
def teachback_reschedule(
    *,
    session: TeachBackSession,
    by: User,
    starts_at: datetime,
    location: str | None = None,
    video_url: str | None = None,
) -> TeachBackSession:
    """Move a scheduled session; invitees get an update with a higher SEQUENCE."""
    session = TeachBackSession.objects.select_for_update().get(pk=session.pk)
    _require_teacher(session, by)
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError(_("Only a scheduled teach-back can be moved."))
    if session.starts_at and session.starts_at <= timezone.now():
        raise ApplicationError(_("This teach-back has started; it can no longer be moved."))
    location = session.location if location is None else location
    video_url = session.video_url if video_url is None else video_url
    _validate_schedule(session, starts_at=starts_at, location=location, video_url=video_url)
    session.starts_at = starts_at
    session.location = location.strip()
    session.video_url = video_url.strip()
    refuse_invalid_fields(session, ["location", "video_url"])
    session.sequence += 1
    session.save()
    emails.send_calendar_email(session, method="REQUEST", kind="update")
    return session


@transaction.atomic
def teachback_cancel(*, session: TeachBackSession, by: User) -> TeachBackSession:
    session = TeachBackSession.objects.select_for_update().get(pk=session.pk)
    _require_teacher(session, by)
    if session.status == SessionStatus.CANCELLED:
        return session
    was_scheduled = session.status == SessionStatus.SCHEDULED
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = timezone.now()
    session.sequence += 1
    session.save()
    if was_scheduled:
        emails.send_calendar_email(session, method="CANCEL", kind="cancel")
    return session


@transaction.atomic
def invite_respond(*, invite: TeachBackInvite, accept: bool) -> TeachBackInvite:
    """Accept or decline; answering the same way twice changes nothing."""
    invite = TeachBackInvite.objects.select_for_update().select_related("session").get(pk=invite.pk)
    session = invite.session
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError(_("This teach-back is not scheduled any more."))
    if session.starts_at and session.starts_at <= timezone.now():
        raise ApplicationError(_("This teach-back has already started."))
    answer = Rsvp.ACCEPTED if accept else Rsvp.DECLINED
    if invite.rsvp != answer:
        invite.rsvp = answer
        invite.rsvp_at = timezone.now()
        invite.save(update_fields=["rsvp", "rsvp_at", "updated_at"])
    return invite


@transaction.atomic
def attendance_mark(
    *, session: TeachBackSession, by: User, attended: Iterable[User]
) -> TeachBackSession:
    """The teacher says who came; attendees are then asked for feedback (once)."""
    session = TeachBackSession.objects.select_for_update().get(pk=session.pk)
    _require_teacher(session, by)
    if session.status != SessionStatus.SCHEDULED or session.starts_at is None:
        raise ApplicationError(_("Only a scheduled teach-back has attendees."))
    if session.starts_at > timezone.now():
        raise ApplicationError(_("Mark who attended once the session has started."))
    attended_ids = {person.pk for person in attended}
    invited = set(session.invites.values_list("invitee_id", flat=True))
    if attended_ids - invited:
        message = _("Only invited colleagues can be marked as attended.")
        raise ApplicationError(message, fields={"attended": [message]})
    newly_attended = list(
        session.invites.filter(invitee_id__in=attended_ids)
        .exclude(attended=True)
        .values_list("pk", flat=True)
    )
    session.invites.filter(invitee_id__in=attended_ids).update(attended=True)
    session.invites.exclude(invitee_id__in=attended_ids).update(attended=False)
    if attended_ids:
        learning_event_record(LearningEventKind.TAUGHT_BACK, session)
    if newly_attended:
        _request_feedback(session.pk, newly_attended)
    return session


def _request_feedback(session_id: int, invite_ids: list[int]) -> None:
    """The feedback request by email, and in the bell (once per invite, whatever runs twice),
    each in the attendee's language."""
    session = TeachBackSession.objects.select_related("teacher", "enrollment__version").get(
        pk=session_id
    )
    emails.send_feedback_requests(session, invite_ids=invite_ids)
    title = session.enrollment.version.title
    drafts = []
    for invite in session.invites.filter(pk__in=invite_ids, attended=True).select_related(
        "invitee__organization"
    ):
        with translation.override(person_language(invite.invitee)):
            drafts.append(
                NotificationDraft(
                    recipient=invite.invitee,
                    title=emails.feedback_question(session.teacher.display_name),
                    body=_("Two taps on “%(title)s” help them master it.") % {"title": title},
                    # The session page, which has the feedback button: a signed link would
                    # expire.
                    url=reverse("teachback:session", args=[session.pk]),
                    key=f"teachback-feedback:{invite.pk}",
                )
            )
    notifications_create(drafts=drafts)


@transaction.atomic
def feedback_give(
    *, invite: TeachBackInvite, by: User, clarity: int, will_try: bool, comment: str = ""
) -> TeachBackInvite:
    invite = TeachBackInvite.objects.select_for_update().select_related("session").get(pk=invite.pk)
    if invite.invitee_id != by.pk:
        raise ApplicationError(_("Only the attendee can give their feedback."))
    if not invite.attended:
        raise ApplicationError(_("Feedback opens once the teacher marks you as attended."))
    if not 1 <= clarity <= 5:
        message = _("Rate clarity from 1 to 5.")
        raise ApplicationError(message, fields={"clarity": [message]})
    invite.feedback_clarity = clarity
    invite.feedback_will_try = will_try
    invite.feedback_comment = comment.strip()
    refuse_invalid_fields(invite, ["feedback_comment"])
    invite.feedback_at = timezone.now()
    invite.save()
    learning_event_record(LearningEventKind.FEEDBACK_GIVEN, invite)
    enrollment_mastery_refresh(enrollment=invite.session.enrollment)
    return invite


def enrollment_is_mastered(*, enrollment: Enrollment) -> bool:
    """The mastery rule: the practice is complete and the learner held at least one
    teach-back with at least ``TEACHBACK_MASTERY_MIN_FEEDBACK`` attendees' feedback."""
    if enrollment.completed_at is None:
        return False
    needed = settings.TEACHBACK_MASTERY_MIN_FEEDBACK
    sessions = TeachBackSession.objects.filter(
        enrollment=enrollment, status=SessionStatus.SCHEDULED
    )
    return any(
        session.invites.filter(attended=True, feedback_at__isnull=False).count() >= needed
        for session in sessions
    )


@transaction.atomic
def enrollment_mastery_refresh(*, enrollment: Enrollment) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.mastered_at is None and enrollment_is_mastered(enrollment=enrollment):
        enrollment.mastered_at = timezone.now()
        enrollment.save(update_fields=["mastered_at", "updated_at"])
        learning_event_record(LearningEventKind.MASTERED, enrollment)
    return enrollment


@transaction.atomic
def enroll_from_teachback(*, invite: TeachBackInvite, by: User) -> Enrollment:
    """An attendee starts the micromastery in one click; the enrolment records its teacher."""
    if invite.invitee_id != by.pk:
        raise ApplicationError(_("Only the attendee can enrol from their invitation."))
    session = invite.session
    if not invite.attended:
        raise ApplicationError(
            _("Starting from a teach-back opens once the teacher marks you as attended.")
        )
    # A second click (or a resent form) finds the enrolment the first one made.
    started_here = Enrollment.objects.filter(learner=by, taught_in=session).first()
    if started_here is not None:
        return started_here
    enrollment = enrollment_create(learner=by, micromastery=session.micromastery)
    if enrollment.taught_by_id is None:
        enrollment.taught_by_id = session.teacher_id
        enrollment.taught_in = session
        enrollment.save(update_fields=["taught_by", "taught_in", "updated_at"])
    return enrollment
