"""Writes of the xAPI app: the LRS settings, statements for learning events, the backfill."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from micromastery.common.errors import ApplicationError, refuse_invalid_fields
from micromastery.common.outbox import MessageKind, OutgoingPost
from payoff.models import MeasurementKind, PayoffMeasurement
from payoff.xapi import statements
from payoff.xapi.models import LearningRecordStore, lrs_endpoint_problem
from practice.extensions import LearningEvent, LearningEventKind
from practice.models import Enrollment, PracticeAttempt
from practice.nudges.models import NudgeStatus, OutboxMessage
from practice.nudges.outbox import outbox_message_resend, outbox_posts_enqueue
from practice.services import enrollment_progress
from practice.teachback.models import TeachBackInvite, TeachBackSession

logger = logging.getLogger(__name__)

BACKFILL_BATCH_SIZE = 500


def _require_org_admin(*, organization: Organization, by: User) -> None:
    if not (by.is_superuser or (by.is_org_admin and by.organization_id == organization.pk)):
        raise ApplicationError(_("Only an org admin of this organization can change its LRS."))


@transaction.atomic
def lrs_save(
    *,
    organization: Organization,
    endpoint: str,
    username: str,
    password: str | None,
    is_enabled: bool,
    by: User,
) -> LearningRecordStore:
    """Create or change the organization's LRS. ``password=None`` keeps the stored one."""
    _require_org_admin(organization=organization, by=by)
    endpoint = endpoint.strip()
    problem = lrs_endpoint_problem(endpoint)
    if problem:
        raise ApplicationError(problem, fields={"endpoint": [problem]})
    lrs = LearningRecordStore.objects.select_for_update().filter(
        organization=organization
    ).first() or LearningRecordStore(organization=organization)
    lrs.endpoint = endpoint
    lrs.username = username.strip()
    lrs.is_enabled = is_enabled
    if password:
        lrs.password = password
    if not lrs.password_encrypted:
        message = _("Enter the LRS password (or key secret).")
        raise ApplicationError(message, fields={"password": [message]})
    refuse_invalid_fields(lrs, ["endpoint", "username"])
    lrs.save()
    return lrs


def _enabled_lrs(organization_id: int) -> LearningRecordStore | None:
    return LearningRecordStore.objects.filter(
        organization_id=organization_id, is_enabled=True
    ).first()


def _enabled_lrs_of_micromastery(micromastery_id: int) -> LearningRecordStore | None:
    # One query on every learning event, LRS or not.
    return LearningRecordStore.objects.filter(
        organization__micromasteries=micromastery_id, is_enabled=True
    ).first()


def _post(lrs: LearningRecordStore, who: User, statement: dict[str, Any]) -> OutgoingPost:
    verb = statement["verb"]["display"]["en-US"]
    return OutgoingPost(
        recipient_id=who.pk,
        to=lrs.statements_url,
        kind=MessageKind.XAPI_STATEMENT,
        # Per LRS: a store configured anew gets the whole history again from a backfill.
        key=f"xapi:{lrs.pk}:{statement['id']}",
        subject=f"{who.email} {verb} {statement['object']['id']}",
        payload=statement,
    )


def _enrollment_of(event: LearningEvent) -> Enrollment:
    subject: Any = event.subject
    if isinstance(subject, Enrollment):
        return subject
    if isinstance(subject, PracticeAttempt | PayoffMeasurement | TeachBackSession):
        return subject.enrollment
    assert isinstance(subject, TeachBackInvite)
    return subject.session.enrollment


def _attendees(session: TeachBackSession) -> list[User]:
    return [
        invite.invitee
        for invite in session.invites.filter(attended=True).select_related("invitee").order_by("pk")
    ]


def event_statement(event: LearningEvent) -> tuple[User, dict[str, Any]]:
    """The statement for a learning event, and whose it is (the actor)."""
    subject: Any = event.subject
    kind = event.kind
    if kind == LearningEventKind.ENROLLED:
        return subject.learner, statements.enrolled(subject)
    if kind == LearningEventKind.PRACTISED:
        return subject.enrollment.learner, statements.practised(subject)
    if kind == LearningEventKind.STEP_COMPLETED:
        assert event.step is not None
        step_progress = enrollment_progress(subject).step_by_id(event.step.pk)
        assert step_progress is not None
        assert step_progress.last_repetition_at is not None
        return subject.learner, statements.step_completed(
            subject, event.step, step_progress.last_repetition_at
        )
    if kind == LearningEventKind.PRACTICE_COMPLETED:
        return subject.learner, statements.practice_completed(subject)
    if kind == LearningEventKind.MASTERED:
        return subject.learner, statements.mastered(subject)
    if kind == LearningEventKind.TAUGHT_BACK:
        return subject.teacher, statements.taught_back(subject, _attendees(subject))
    if kind == LearningEventKind.FEEDBACK_GIVEN:
        return subject.invitee, statements.feedback_given(subject)
    assert kind == LearningEventKind.CHECKED_IN
    return subject.enrollment.learner, statements.checked_in(subject)


class StatementHook:
    """Queues the statement of each learning event in the outbox, in the event's own
    transaction, when the organization has an LRS switched on."""

    name = "xapi statements"

    def learning_event(self, *, event: LearningEvent) -> None:
        enrollment = _enrollment_of(event)
        lrs = _enabled_lrs_of_micromastery(enrollment.micromastery_id)
        if lrs is None:
            return
        try:
            # A statement that cannot be made must not undo the learner's event; the
            # backfill sends it once the cause is fixed.
            with transaction.atomic():
                who, statement = event_statement(event)
                outbox_posts_enqueue([_post(lrs, who, statement)])
        except Exception:
            logger.exception("Could not queue the xAPI statement of %s", event)


@transaction.atomic
def lrs_test_statement_send(*, lrs: LearningRecordStore, by: User) -> OutboxMessage:
    """Send a statement that the admin "experienced" the platform, through the outbox, to
    show that the LRS accepts ours; its outcome shows in the outbox."""
    _require_org_admin(organization=lrs.organization, by=by)
    if by.organization_id != lrs.organization_id:
        # The statement is the admin's own, and goes to the LRS of their organization.
        raise ApplicationError(_("Test the LRS of your own organization."))
    if not lrs.is_enabled:
        raise ApplicationError(_("This LRS is switched off. Switch it on to test it."))
    now = timezone.now()
    statement = statements.test_statement(
        by=by, natural_key=f"test:{lrs.pk}:{by.pk}:{now.isoformat()}", when=now
    )
    post = _post(lrs, by, statement)
    outbox_posts_enqueue([post])
    return OutboxMessage.objects.get(idempotency_key=post.key)


@dataclass
class BackfillResult:
    statements: int = 0
    queued: int = 0
    resent: int = 0


def _history(organization: Organization) -> Iterator[tuple[User, dict[str, Any]]]:
    """Every learning event of the organization's people, as statements, oldest kind first."""
    enrollments = (
        Enrollment.objects.filter(learner__organization=organization)
        .select_related("learner", "micromastery", "version")
        .prefetch_related(
            Prefetch(
                "attempts",
                queryset=PracticeAttempt.objects.select_related("step").order_by(
                    "practiced_at", "pk"
                ),
            )
        )
        .order_by("pk")
    )
    for enrollment in enrollments.iterator(chunk_size=BACKFILL_BATCH_SIZE):
        learner = enrollment.learner
        yield learner, statements.enrolled(enrollment)
        for attempt in enrollment.attempts.all():
            attempt.enrollment = enrollment
            yield learner, statements.practised(attempt)
        for step_progress in enrollment_progress(enrollment).steps:
            if step_progress.done and step_progress.last_repetition_at is not None:
                step: Any = step_progress.step
                yield (
                    learner,
                    statements.step_completed(enrollment, step, step_progress.last_repetition_at),
                )
        if enrollment.completed_at is not None:
            yield learner, statements.practice_completed(enrollment)
        if enrollment.mastered_at is not None:
            yield learner, statements.mastered(enrollment)
    sessions = (
        TeachBackSession.objects.filter(teacher__organization=organization, invites__attended=True)
        .distinct()
        .select_related("teacher", "enrollment__micromastery", "enrollment__version")
        .order_by("pk")
    )
    for session in sessions.iterator(chunk_size=BACKFILL_BATCH_SIZE):
        yield session.teacher, statements.taught_back(session, _attendees(session))
    invites = (
        TeachBackInvite.objects.filter(
            invitee__organization=organization, feedback_at__isnull=False
        )
        .select_related(
            "invitee",
            "session__teacher",
            "session__enrollment__micromastery",
            "session__enrollment__version",
        )
        .order_by("pk")
    )
    for invite in invites.iterator(chunk_size=BACKFILL_BATCH_SIZE):
        yield invite.invitee, statements.feedback_given(invite)
    measurements = (
        PayoffMeasurement.objects.filter(
            enrollment__learner__organization=organization, kind=MeasurementKind.CHECKIN
        )
        .select_related(
            "metric", "enrollment__learner", "enrollment__micromastery", "enrollment__version"
        )
        .order_by("pk")
    )
    for measurement in measurements.iterator(chunk_size=BACKFILL_BATCH_SIZE):
        yield measurement.enrollment.learner, statements.checked_in(measurement)


def _batches(items: Iterable[OutgoingPost], size: int) -> Iterator[list[OutgoingPost]]:
    batch: list[OutgoingPost] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def xapi_backfill(*, organization: Organization) -> BackfillResult:
    """Send the organization's whole history to its LRS.

    Idempotent: every event makes the statement (and id) it made live, a statement already
    in the outbox is not queued again, and the LRS keeps one statement per id; statements
    that had failed (the LRS was off, refused the credentials) are sent again.
    """
    lrs = _enabled_lrs(organization.pk)
    if lrs is None:
        raise ApplicationError(
            _(
                "%(organization)s has no Learning Record Store switched on. Configure it in "
                "the admin first."
            )
            % {"organization": organization}
        )
    result = BackfillResult()
    posts = (_post(lrs, who, statement) for who, statement in _history(organization))
    for batch in _batches(posts, BACKFILL_BATCH_SIZE):
        with transaction.atomic():
            result.statements += len(batch)
            result.queued += outbox_posts_enqueue(batch)
            failed = OutboxMessage.objects.filter(
                idempotency_key__in=[post.key for post in batch], status=NudgeStatus.FAILED
            )
            for message in failed:
                outbox_message_resend(message=message)
                result.resent += 1
    return result
