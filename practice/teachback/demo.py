"""The demo's teach-back, found by its enrolment, so seeding again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from practice import services
from practice.demo import (
    FEEDBACK,
    FEEDBACK_STEPS,
    STORIES,
    Story,
    local_moment,
    routine,
    story_practise,
)
from practice.models import Enrollment
from practice.teachback import services as teachback_services
from practice.teachback.models import SessionStatus, TeachBackInvite, TeachBackSession

# Maya's teach-back: who came, who gave feedback, who started the practice from it.
TEACHER = "maya.patel@acme.example"
TEACHBACK_HELD_DAYS_AGO = 24
TEACHBACK_ATTENDEES = [
    "chloe.martin@acme.example",
    "noah.kim@acme.example",
    "fatima.zahra@acme.example",
]
TEACHBACK_FEEDBACK = {
    "chloe.martin@acme.example": (5, True, "The 'write it first' step is what I was missing."),
    "noah.kim@acme.example": (4, True, "Clear. An example of corrective feedback would help."),
}
# Chloé started the practice after the teach-back and is mid-way.
TAUGHT_STORY = Story(
    "chloe.martin@acme.example",
    FEEDBACK,
    23,
    "Praise that is specific enough to repeat.",
    routine([(22, 9), (20, 9), (17, 9), (12, 9), (4, 9)], FEEDBACK_STEPS[:5], [2, 3, 3, 4, 4]),
)

TEACHBACK_VIDEO_URL = "https://meet.acme.example/maya-feedback-teach-back"


def _teachback_hold(enrollment: Enrollment, people: dict[str, User]) -> TeachBackSession:
    """Maya proposes, confirms and holds her teach-back; two attendees give feedback."""
    teacher = people[TEACHER]
    session = teachback_services.teachback_propose_after_practice(enrollment=enrollment)
    assert session is not None
    if session.status != SessionStatus.PROPOSED:
        return session
    attendees = [people[email] for email in TEACHBACK_ATTENDEES]
    # Confirmed for tomorrow (the service accepts only future times), then moved to when
    # the story says it was held.
    session = teachback_services.teachback_confirm(
        session=session,
        by=teacher,
        starts_at=timezone.now() + timedelta(days=1),
        audience=attendees,
        video_url=TEACHBACK_VIDEO_URL,
        duration_minutes=30,
    )
    for invite in session.invites.all():
        teachback_services.invite_respond(invite=invite, accept=True)
    held_at = local_moment(teacher, days_ago=TEACHBACK_HELD_DAYS_AGO, hour=10)
    TeachBackSession.objects.filter(pk=session.pk).update(
        starts_at=held_at, confirmed_at=held_at - timedelta(days=5)
    )
    session.invites.update(rsvp_at=held_at - timedelta(days=4))
    session.refresh_from_db()
    teachback_services.attendance_mark(session=session, by=teacher, attended=attendees)
    given_at = held_at + timedelta(hours=2)
    for email, (clarity, will_try, comment) in TEACHBACK_FEEDBACK.items():
        invite = session.invites.get(invitee=people[email])
        teachback_services.feedback_give(
            invite=invite, by=people[email], clarity=clarity, will_try=will_try, comment=comment
        )
    session.invites.filter(feedback_at__isnull=False).update(feedback_at=given_at)
    Enrollment.objects.filter(pk=enrollment.pk, mastered_at__isnull=False).update(
        mastered_at=given_at
    )
    return session


def _taught_story_run(session: TeachBackSession, people: dict[str, User]) -> None:
    learner = people[TAUGHT_STORY.email]
    invite = TeachBackInvite.objects.get(session=session, invitee=learner)
    new = not Enrollment.objects.filter(learner=learner, taught_in=session).exists()
    enrollment = teachback_services.enroll_from_teachback(invite=invite, by=learner)
    if new:
        enrolled_at = local_moment(learner, days_ago=TAUGHT_STORY.enrolled_days_ago, hour=8)
        Enrollment.objects.filter(pk=enrollment.pk).update(created_at=enrolled_at)
        enrollment = services.enrollment_update_personal_payoff(
            enrollment=enrollment, personal_payoff=TAUGHT_STORY.personal_payoff
        )
        enrollment.refresh_from_db()
    story_practise(enrollment, TAUGHT_STORY)


@transaction.atomic
def seed_teachback(organization: Organization) -> None:
    """Maya's teach-back, Chloé's practice from it, and proposals for everyone who completed."""
    people = {user.email: user for user in organization.users.all()}
    teacher_story = next(story for story in STORIES if story.email == TEACHER)
    teacher_enrollment = Enrollment.objects.get(
        learner=people[TEACHER],
        micromastery__organization=organization,
        micromastery__slug=teacher_story.micromastery,
    )
    session = _teachback_hold(teacher_enrollment, people)
    _taught_story_run(session, people)
    # Everyone else who completed gets the teach-back proposal the practice leads to.
    for enrollment in Enrollment.objects.filter(
        micromastery__organization=organization, completed_at__isnull=False
    ).exclude(pk=teacher_enrollment.pk):
        teachback_services.teachback_propose_after_practice(enrollment=enrollment)
