"""Reads of the practice flow, always scoped to the learner who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from courses.models import PracticeStep
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from practice.progress import Progress, StepProgress, progress_compute

PROGRESS_ATTEMPT_FIELDS = (
    "pk",
    "enrollment_id",
    "step_id",
    "practiced_at",
    "counts_as_repetition",
    "is_refresher",
)


@dataclass
class EnrollmentWithProgress:
    enrollment: Enrollment
    progress: Progress


@dataclass
class PractiseItem:
    """One thing on the learner's "practise today" list."""

    enrollment: Enrollment
    step: StepProgress
    due_at: datetime | None  # None: due now, nothing to wait for
    is_refresher: bool

    def is_due(self, now: datetime) -> bool:
        return self.due_at is None or self.due_at <= now


def _with_progress_prefetch(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    return queryset.select_related("version", "micromastery").prefetch_related(
        Prefetch("version__steps", queryset=PracticeStep.objects.order_by("order", "pk")),
        Prefetch(
            "attempts",
            queryset=PracticeAttempt.objects.only(*PROGRESS_ATTEMPT_FIELDS),
            to_attr="progress_attempts",
        ),
    )


def _progress_of(enrollment: Enrollment) -> Progress:
    return progress_compute(
        steps=list(enrollment.version.steps.all()),
        attempts=getattr(enrollment, "progress_attempts", None) or [],
        completed_at=enrollment.completed_at,
    )


def enrollment_list(
    *, learner: User, statuses: tuple[str, ...] | None = None
) -> list[EnrollmentWithProgress]:
    """The learner's enrolments (not dropped unless asked) with their progress."""
    queryset = Enrollment.objects.for_learner(learner)
    queryset = queryset.filter(status__in=statuses) if statuses else queryset.current()
    return [
        EnrollmentWithProgress(enrollment, _progress_of(enrollment))
        for enrollment in _with_progress_prefetch(queryset.order_by("-created_at"))
    ]


def enrollment_get(*, learner: User, enrollment_id: int) -> EnrollmentWithProgress:
    """One of the learner's own enrolments, or 404 (never someone else's)."""
    enrollment = (
        _with_progress_prefetch(Enrollment.objects.for_learner(learner))
        .filter(pk=enrollment_id)
        .first()
    )
    if enrollment is None:
        raise Http404("No such enrolment.")
    return EnrollmentWithProgress(enrollment, _progress_of(enrollment))


def step_attempts(*, enrollment: Enrollment, step: PracticeStep) -> QuerySet[PracticeAttempt]:
    return enrollment.attempts.filter(step=step).order_by("-practiced_at", "-pk")


def end_of_local_day(now: datetime, learner: User) -> datetime:
    local = now.astimezone(learner.zone)
    return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=learner.zone)


def practise_today(
    *, learner: User, now: datetime | None = None
) -> tuple[list[PractiseItem], list[PractiseItem]]:
    """What to practise today, and what comes after.

    "Today" is the learner's own calendar day in their time zone: an item is for today
    when it is due before their local midnight. Paused and dropped enrolments are left
    out; completed ones come back when a "learn long" refresher is due.
    """
    now = now or timezone.now()
    midnight = end_of_local_day(now, learner)
    today: list[PractiseItem] = []
    later: list[PractiseItem] = []
    for row in enrollment_list(
        learner=learner, statuses=(EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
    ):
        progress = row.progress
        item: PractiseItem | None = None
        current = progress.current_step
        if current is not None:
            item = PractiseItem(row.enrollment, current, current.next_due_at, False)
        elif progress.refresher_step is not None:
            item = PractiseItem(
                row.enrollment, progress.refresher_step, progress.refresher_due_at, True
            )
        if item is None:
            continue
        (today if item.due_at is None or item.due_at < midnight else later).append(item)

    def sort_key(item: PractiseItem) -> datetime:
        return item.due_at or datetime.min.replace(tzinfo=now.tzinfo)

    return sorted(today, key=sort_key), sorted(later, key=sort_key)


def practice_streak(*, learner: User, now: datetime | None = None) -> int:
    """Consecutive working days, up to today, with at least one attempt.

    Counted in the learner's time zone. Days off (not in their working days) neither count
    nor break the streak, and a streak is still alive today until the day is over.
    """
    now = now or timezone.now()
    zone = learner.zone
    today = now.astimezone(zone).date()
    horizon = now - timedelta(days=400)
    practised: set[date] = {
        moment.astimezone(zone).date()
        for moment in PracticeAttempt.objects.filter(
            enrollment__learner=learner, practiced_at__gte=horizon, practiced_at__lte=now
        ).values_list("practiced_at", flat=True)
    }
    working_days = set(learner.working_days or [1, 2, 3, 4, 5])
    streak = 0
    day = today
    if day not in practised:
        day -= timedelta(days=1)  # today is not over yet
    for _ in range(400):
        if day in practised:
            streak += 1
        elif day.isoweekday() in working_days:
            break
        day -= timedelta(days=1)
    return streak


def recent_attempts(*, learner: User, limit: int = 5) -> list[PracticeAttempt]:
    return list(
        PracticeAttempt.objects.filter(enrollment__learner=learner)
        .select_related("step", "enrollment__version")
        .order_by("-practiced_at", "-pk")[:limit]
    )
