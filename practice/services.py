"""Writes of the practice flow: enrolling, logging attempts, pausing, dropping, resuming."""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from accounts import policies
from accounts.models import User
from courses.models import (
    EvidenceKind,
    Micromastery,
    MicromasteryVersion,
    PracticeStep,
    PublicationStatus,
)
from micromastery.common.errors import ApplicationError, refuse_invalid_fields
from practice.extensions import (
    ExtensionForms,
    LearningEventKind,
    completion_hooks,
    learning_event_record,
)
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from practice.progress import Progress, progress_compute

logger = logging.getLogger(__name__)

# Clocks of phones and servers disagree a little; more than this ahead is a typo.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Practice is logged soon after it happens, or in one go after a holiday; a date further
# back is a typo, and far back-dated attempts would let repetitions count without the
# spacing they stand for.
PAST_LIMIT = timedelta(days=60)


@dataclass
class AttemptLogged:
    attempt: PracticeAttempt
    progress: Progress
    created: bool
    completed_now: bool


def enrollment_progress(enrollment: Enrollment) -> Progress:
    """Progress from the database; lists use selectors that prefetch instead."""
    return progress_compute(
        steps=list(enrollment.version.steps.all()),
        attempts=list(
            enrollment.attempts.only(
                "pk", "step_id", "practiced_at", "counts_as_repetition", "is_refresher"
            )
        ),
        completed_at=enrollment.completed_at,
    )


# Where the holdout draw comes from; tests pass a random.Random of their own.
HOLDOUT_DRAW = random.Random()


@transaction.atomic
def enrollment_create(
    *,
    learner: User,
    micromastery: Micromastery,
    personal_payoff: str = "",
    draw: random.Random = HOLDOUT_DRAW,
) -> Enrollment:
    """Enrol the learner on the micromastery's published version.

    Enrolling again after dropping resumes the same enrolment (history kept). Enrolling
    twice while enrolled is refused. A new enrolment is in the holdout (no practice
    nudges) when ``draw`` falls below the micromastery's holdout share.
    """
    if micromastery.organization_id != learner.organization_id:
        raise ApplicationError(gettext("This micromastery is not offered in your organization."))
    version = (
        MicromasteryVersion.objects.filter(
            micromastery=micromastery, status=PublicationStatus.PUBLISHED
        )
        .order_by("-number")
        .first()
    )
    existing = (
        Enrollment.objects.select_for_update()
        .filter(learner=learner, micromastery=micromastery)
        .first()
    )
    if existing is not None:
        if existing.status != EnrollmentStatus.DROPPED:
            message = gettext("You are already enrolled in this micromastery.")
            raise ApplicationError(message, fields={"micromastery": [message]})
        existing.personal_payoff = personal_payoff.strip() or existing.personal_payoff
        refuse_invalid_fields(existing, ["personal_payoff"])
        return _resume(existing)
    if version is None:
        raise ApplicationError(
            gettext("This micromastery is not published, so it is not open for enrolment."),
            fields={"micromastery": [gettext("This micromastery is not open for enrolment.")]},
        )
    enrollment = Enrollment(
        learner=learner,
        micromastery=micromastery,
        version=version,
        personal_payoff=personal_payoff.strip(),
        holdout=draw.random() < float(micromastery.nudge_holdout_ratio),
    )
    refuse_invalid_fields(enrollment, ["personal_payoff"])
    try:
        # Two taps on "Enrol" at once: the lock above finds no row for either, so the
        # database's one-enrolment constraint decides, and the loser hears why.
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as error:
        message = gettext("You are already enrolled in this micromastery.")
        raise ApplicationError(message, fields={"micromastery": [message]}) from error
    learning_event_record(LearningEventKind.ENROLLED, enrollment)
    return enrollment


@transaction.atomic
def enrollment_create_with_extensions(
    *,
    learner: User,
    micromastery: Micromastery,
    personal_payoff: str = "",
    extension_forms: ExtensionForms | None = None,
) -> Enrollment:
    """Enrol and save the extensions' forms (baselines) in one transaction: all or nothing.

    The forms must be valid already; an extension that refuses its data undoes the
    enrolment too.
    """
    enrollment = enrollment_create(
        learner=learner, micromastery=micromastery, personal_payoff=personal_payoff
    )
    enrollment_extensions_save(
        enrollment=enrollment, by=learner, extension_forms=extension_forms or []
    )
    return enrollment


@transaction.atomic
def enrollment_extensions_save(
    *, enrollment: Enrollment, by: User, extension_forms: ExtensionForms
) -> Enrollment:
    """Save the extensions' forms (baselines added later) for the learner's enrolment."""
    if not policies.can_practise(by, enrollment):
        raise ApplicationError(gettext("Only the learner adds to their own enrolment."))
    for extension, form in extension_forms:
        extension.enrollment_save(form=form, enrollment=enrollment, by=by)
    return enrollment


@transaction.atomic
def enrollment_update_personal_payoff(
    *, enrollment: Enrollment, personal_payoff: str
) -> Enrollment:
    enrollment.personal_payoff = personal_payoff.strip()
    refuse_invalid_fields(enrollment, ["personal_payoff"])
    enrollment.save(update_fields=["personal_payoff", "updated_at"])
    return enrollment


def _lock(enrollment: Enrollment) -> Enrollment:
    return (
        Enrollment.objects.select_for_update()
        .select_related("version", "micromastery")
        .get(pk=enrollment.pk)
    )


@transaction.atomic
def enrollment_pause(*, enrollment: Enrollment) -> Enrollment:
    enrollment = _lock(enrollment)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise ApplicationError(gettext("Only a micromastery you are practising can be paused."))
    enrollment.status = EnrollmentStatus.PAUSED
    enrollment.paused_at = timezone.now()
    enrollment.save(update_fields=["status", "paused_at", "updated_at"])
    return enrollment


@transaction.atomic
def enrollment_drop(*, enrollment: Enrollment) -> Enrollment:
    enrollment = _lock(enrollment)
    if enrollment.status == EnrollmentStatus.DROPPED:
        return enrollment
    enrollment.status = EnrollmentStatus.DROPPED
    enrollment.dropped_at = timezone.now()
    enrollment.save(update_fields=["status", "dropped_at", "updated_at"])
    return enrollment


@transaction.atomic
def enrollment_resume(*, enrollment: Enrollment) -> Enrollment:
    enrollment = _lock(enrollment)
    if enrollment.status not in (EnrollmentStatus.PAUSED, EnrollmentStatus.DROPPED):
        raise ApplicationError(gettext("This micromastery is not paused or dropped."))
    return _resume(enrollment)


def _resume(enrollment: Enrollment) -> Enrollment:
    enrollment.status = (
        EnrollmentStatus.COMPLETED if enrollment.completed_at else EnrollmentStatus.ACTIVE
    )
    enrollment.paused_at = None
    enrollment.dropped_at = None
    enrollment.save()
    return enrollment


def evidence_problem(*, step: PracticeStep, evidence: str) -> str | None:
    """Why ``evidence`` is not what the step asks for (its evidence kind), or None.

    Evidence is optional: an empty value is always fine.
    """
    evidence = evidence.strip()
    if not evidence:
        return None
    if step.evidence_kind == EvidenceKind.NUMBER:
        try:
            number = Decimal(evidence)
        except InvalidOperation:
            return gettext("Enter the number this step asks for, such as 12 or 4.5.")
        if not number.is_finite():
            return gettext("Enter the number this step asks for, such as 12 or 4.5.")
    elif step.evidence_kind == EvidenceKind.LINK:
        try:
            URLValidator(schemes=["http", "https"])(evidence)
        except ValidationError:
            return gettext("Enter a web address starting with https://.")
    elif step.evidence_kind == EvidenceKind.CHECKBOX and evidence != "yes":
        return gettext("Tick the box if you did it.")
    return None


@transaction.atomic
def attempt_log(
    *,
    enrollment: Enrollment,
    step: PracticeStep,
    what_i_did: str,
    confidence: int,
    minutes: int,
    what_happened: str = "",
    feedback_from: str = "",
    what_i_will_tweak: str = "",
    evidence: str = "",
    practiced_at: datetime | None = None,
    submission_key: uuid.UUID | None = None,
) -> AttemptLogged:
    """Log one practice attempt and move progress on (see practice.progress for the rules).

    The enrolment row is locked so that two attempts logged at once are judged one after
    the other. The same ``submission_key`` twice returns the first attempt.
    """
    now = timezone.now()
    enrollment = _lock(enrollment)
    if submission_key is not None:
        duplicate = enrollment.attempts.filter(submission_key=submission_key).first()
        if duplicate is not None:
            return AttemptLogged(duplicate, enrollment_progress(enrollment), False, False)

    if enrollment.status == EnrollmentStatus.DROPPED:
        raise ApplicationError(
            gettext("You dropped this micromastery. Resume it to practise again.")
        )
    if step.version_id != enrollment.version_id:
        message = gettext("This step is not part of your version of the micromastery.")
        raise ApplicationError(message, fields={"step": [message]})
    practiced_at = practiced_at or now
    if practiced_at > now + FUTURE_TOLERANCE:
        message = gettext("When you practised cannot be in the future.")
        raise ApplicationError(message, fields={"practiced_at": [message]})
    if practiced_at < now - PAST_LIMIT:
        message = ngettext(
            "Log practice within %(days)d day of doing it.",
            "Log practice within %(days)d days of doing it.",
            PAST_LIMIT.days,
        ) % {"days": PAST_LIMIT.days}
        raise ApplicationError(message, fields={"practiced_at": [message]})

    problem = evidence_problem(step=step, evidence=evidence)
    if problem:
        raise ApplicationError(problem, fields={"evidence": [problem]})

    progress = enrollment_progress(enrollment)
    step_progress = progress.step_by_id(step.pk)
    assert step_progress is not None
    if not step_progress.unlocked:
        current = progress.current_step
        if current is not None:
            message = gettext(
                "This step unlocks when you have finished step %(number)s, “%(title)s”."
            ) % {"number": current.number, "title": current.step.title}
        else:
            message = gettext("This step unlocks when you have finished the earlier steps.")
        raise ApplicationError(message, fields={"step": [message]})
    counts = step_progress.counts_as_repetition(practiced_at)
    is_refresher = progress.is_refresher_due(practiced_at)

    attempt = PracticeAttempt(
        enrollment=enrollment,
        step=step,
        practiced_at=practiced_at,
        what_i_did=what_i_did.strip(),
        what_happened=what_happened.strip(),
        feedback_from=feedback_from.strip(),
        what_i_will_tweak=what_i_will_tweak.strip(),
        confidence=confidence,
        minutes=minutes,
        evidence=evidence.strip(),
        counts_as_repetition=counts,
        is_refresher=is_refresher,
        submission_key=submission_key or uuid.uuid4(),
    )
    try:
        attempt.full_clean(exclude=["enrollment", "step"])
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    if not attempt.what_i_did:
        message = gettext("Say what you did.")
        raise ApplicationError(message, fields={"what_i_did": [message]})
    attempt.save()

    updated_fields = []
    if enrollment.started_at is None:
        enrollment.started_at = practiced_at
        updated_fields.append("started_at")
    if enrollment.status == EnrollmentStatus.PAUSED:
        # Practising is the clearest way of saying "I'm back".
        enrollment.status = EnrollmentStatus.ACTIVE
        enrollment.paused_at = None
        updated_fields += ["status", "paused_at"]
    progress = enrollment_progress(enrollment)
    completed_now = progress.is_complete and enrollment.completed_at is None
    if completed_now:
        enrollment.completed_at = now
        enrollment.status = EnrollmentStatus.COMPLETED
        updated_fields += ["completed_at", "status"]
        progress.completed_at = now
    if updated_fields:
        enrollment.save(update_fields=[*set(updated_fields), "updated_at"])
    learning_event_record(LearningEventKind.PRACTISED, attempt)
    if counts and (done := progress.step_by_id(step.pk)) is not None and done.done:
        learning_event_record(LearningEventKind.STEP_COMPLETED, enrollment, step=step)
    if completed_now:
        learning_event_record(LearningEventKind.PRACTICE_COMPLETED, enrollment)
        enrollment_id = enrollment.pk
        transaction.on_commit(lambda: _completion_hooks_run(enrollment_id))
    return AttemptLogged(attempt, progress, True, completed_now)


# A quick log asks for no typing (one tap from a nudge): the step itself says what was done.
# Stored in the learner's language of the moment, like anything they type.
QUICK_LOG_WHAT_I_DID = gettext_noop("Practised the step as described.")


def attempt_quick_log(
    *,
    enrollment: Enrollment,
    step: PracticeStep,
    confidence: int,
    submission_key: uuid.UUID,
    what_happened: str = "",
    what_i_will_tweak: str = "",
    evidence: str = "",
) -> AttemptLogged:
    """Log one repetition from the quick log: a confidence tap, the rest optional.

    Minutes are the micromastery's own estimate; "what I did" is the step as described.
    Every other rule is ``attempt_log``'s, including one attempt per ``submission_key``.
    """
    return attempt_log(
        enrollment=enrollment,
        step=step,
        what_i_did=gettext(QUICK_LOG_WHAT_I_DID),
        confidence=confidence,
        minutes=enrollment.version.estimated_minutes,
        what_happened=what_happened,
        what_i_will_tweak=what_i_will_tweak,
        evidence=evidence,
        submission_key=submission_key,
    )


def _completion_hooks_run(enrollment_id: int) -> None:
    for hook in completion_hooks:
        try:
            hook.enrollment_completed(enrollment_id=enrollment_id)
        except Exception:
            # The attempt is saved; one hook failing must not keep the others from hearing.
            logger.exception("Completion hook %s failed for enrolment %s", hook.name, enrollment_id)
