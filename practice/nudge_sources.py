"""Practice's own nudge source: practice due, time to start, streak at risk, refreshers.

Registered with the delivery layer (``practice.nudges.sources``) by ``PracticeConfig.ready()``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import prefetch_related_objects
from django.utils import translation
from django.utils.translation import gettext, ngettext

from accounts.languages import person_language
from accounts.models import User
from accounts.working_hours import work_window
from courses.models import PracticeStep
from micromastery.common.batches import among
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from practice.nudges.models import NudgeKind
from practice.nudges.sources import DueItem
from practice.progress import Progress, progress_compute
from practice.quick_log import QuickLogPaths

# Enrolled, and nothing practised a day later: time for a gentle start.
START_NUDGE_AFTER = timedelta(days=1)
# A streak counts as worth protecting from this many working days in a row.
STREAK_AT_RISK_FROM_DAYS = 2


@dataclass(slots=True)
class StepRow:
    pk: int
    version_id: int
    key: str
    order: int
    title: str
    repetitions_required: int
    min_spacing_hours: int


@dataclass(slots=True)
class AttemptRow:
    enrollment_id: int
    step_id: int
    practiced_at: datetime
    counts_as_repetition: bool
    is_refresher: bool


@dataclass
class EnrollmentRow:
    """What the source reads of an enrolment: plain values, no model instances (the
    planner reads every learner's enrolments every minute)."""

    pk: int
    learner_id: int
    status: str
    created_at: datetime
    completed_at: datetime | None
    title: str
    steps: list[StepRow]
    attempts: list[AttemptRow] = field(default_factory=list)

    @property
    def progress(self) -> Progress:
        return progress_compute(
            steps=self.steps, attempts=self.attempts, completed_at=self.completed_at
        )


# The columns each row above is made from, in its fields' order.
ENROLLMENT_FIELDS = ("pk", "learner_id", "status", "created_at", "completed_at", "version_id",
                     "version__title")  # fmt: skip
STEP_FIELDS = ("pk", "version_id", "key", "order", "title", "repetitions_required",
               "min_spacing_hours")  # fmt: skip
ATTEMPT_FIELDS = ("enrollment_id", "step_id", "practiced_at", "counts_as_repetition",
                  "is_refresher")  # fmt: skip


def enrollment_rows(learner_ids: Sequence[int]) -> dict[int, list[EnrollmentRow]]:
    """Each learner's enrolments that can have something due (holdouts never do), oldest
    first, with their steps and attempts: three queries."""
    enrollments = list(
        Enrollment.objects.filter(
            among("learner_id", learner_ids),
            status__in=(EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED),
            holdout=False,
        )
        .order_by("created_at", "pk")
        .values_list(*ENROLLMENT_FIELDS)
    )
    if not enrollments:
        return {}
    steps: dict[int, list[StepRow]] = defaultdict(list)
    for step in PracticeStep.objects.filter(
        version__in={version_id for *_, version_id, _title in enrollments}
    ).values_list(*STEP_FIELDS):
        steps[step[1]].append(StepRow(*step))
    rows = {
        pk: EnrollmentRow(pk, learner_id, status, created_at, completed_at, title, steps[version])
        for pk, learner_id, status, created_at, completed_at, version, title in enrollments
    }
    for attempt in (
        PracticeAttempt.objects.filter(among("enrollment_id", list(rows)))
        .order_by()  # progress counts attempts in any order
        .values_list(*ATTEMPT_FIELDS)
    ):
        rows[attempt[0]].attempts.append(AttemptRow(*attempt))
    by_learner: dict[int, list[EnrollmentRow]] = defaultdict(list)
    for row in rows.values():
        by_learner[row.learner_id].append(row)
    return by_learner


class Sentences:
    """Our sentences in the active language, each looked up once: a source writes the same
    few sentences for thousands of learners, and each lookup in the catalogues costs more
    than the rest of an item."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str, int], str] = {}

    def gettext(self, message: str) -> str:
        key = (message, "", 0)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = gettext(message)
        return found

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        key = (singular, plural, number)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = ngettext(singular, plural, number)
        return found


class PracticeNudgeSource:
    """Practice due, start, streak at risk and refresher items. Holdout enrolments get none."""

    name = "practice"

    def due_items(self, *, learners: Sequence[User], now: datetime) -> dict[int, list[DueItem]]:
        by_learner = enrollment_rows([learner.pk for learner in learners])
        paths = QuickLogPaths()
        # Whoever chose no language reads their organization's: at most one query a batch.
        prefetch_related_objects(list(learners), "organization")
        # The texts are stored with the nudge: written in the learner's language, one
        # language at a time.
        by_language: dict[str, list[User]] = defaultdict(list)
        for learner in learners:
            by_language[person_language(learner)].append(learner)
        result: dict[int, list[DueItem]] = {}
        for language, speakers in by_language.items():
            with translation.override(language):
                words = Sentences()
                for learner in speakers:
                    enrollments = by_learner.get(learner.pk, [])
                    items: list[DueItem] = []
                    for enrollment in enrollments:
                        item = self._item(enrollment, enrollment.progress, now, paths, words)
                        if item is not None:
                            items.append(item)
                    streak = self._streak_item(learner, enrollments, now, paths, words)
                    if streak is not None:
                        items.append(streak)
                    if items:
                        result[learner.pk] = items
        return result

    def _item(
        self,
        enrollment: EnrollmentRow,
        progress: Progress,
        now: datetime,
        paths: QuickLogPaths,
        words: Sentences,
    ) -> DueItem | None:
        title = enrollment.title
        current = progress.current_step
        if enrollment.status == EnrollmentStatus.ACTIVE and current is not None:
            if not enrollment.attempts:
                if enrollment.created_at + START_NUDGE_AFTER > now:
                    return None
                return DueItem(
                    kind=NudgeKind.START,
                    subject_ref=f"enrollment:{enrollment.pk}:start",
                    title=title,
                    text=words.gettext("Ready for your first try? Step 1: %(title)s.")
                    % {"title": current.step.title},
                    path=paths.path(
                        learner_id=enrollment.learner_id,
                        enrollment_id=enrollment.pk,
                        step_id=current.step.pk,
                    ),
                    due_at=enrollment.created_at + START_NUDGE_AFTER,
                    enrollment_id=enrollment.pk,
                )
            if current.is_due(now):
                done, required = current.repetitions_done, current.repetitions_required
                left = required - done
                reps = {"done": done, "required": required, "title": current.step.title}
                if left == 1:
                    text = (
                        words.gettext(
                            "%(done)s of %(required)s reps of “%(title)s”: "
                            "one more and this step is yours."
                        )
                        % reps
                    )
                else:
                    text = words.ngettext(
                        "%(done)s of %(required)s reps of “%(title)s”: %(left)s to go.",
                        "%(done)s of %(required)s reps of “%(title)s”: %(left)s to go.",
                        left,
                    ) % {**reps, "left": left}
                return DueItem(
                    kind=NudgeKind.PRACTICE_DUE,
                    subject_ref=f"enrollment:{enrollment.pk}:step:{current.step.pk}:{done}",
                    title=title,
                    text=text,
                    path=paths.path(
                        learner_id=enrollment.learner_id,
                        enrollment_id=enrollment.pk,
                        step_id=current.step.pk,
                    ),
                    due_at=current.next_due_at or enrollment.created_at,
                    enrollment_id=enrollment.pk,
                )
            return None
        refresher = progress.refresher_step
        due_at = progress.refresher_due_at
        if refresher is not None and due_at is not None and due_at <= now:
            return DueItem(
                kind=NudgeKind.REFRESHER_DUE,
                subject_ref=f"enrollment:{enrollment.pk}:refresher:{progress.refreshers_done}",
                title=title,
                text=words.gettext("Learn long: a quick refresher of “%(title)s” keeps it yours.")
                % {"title": refresher.step.title},
                path=paths.path(
                    learner_id=enrollment.learner_id,
                    enrollment_id=enrollment.pk,
                    step_id=refresher.step.pk,
                ),
                due_at=due_at,
                enrollment_id=enrollment.pk,
            )
        return None

    def _streak_item(
        self,
        learner: User,
        enrollments: list[EnrollmentRow],
        now: datetime,
        paths: QuickLogPaths,
        words: Sentences,
    ) -> DueItem | None:
        """Due from the middle of a working day on which a running streak has no practice."""
        zone = learner.zone
        local = now.astimezone(zone)
        today = local.date()
        if today.isoweekday() not in learner.working_weekdays:
            return None
        active = [e for e in enrollments if e.status == EnrollmentStatus.ACTIVE]
        if not active:
            return None
        practised = {
            attempt.practiced_at.astimezone(zone).date()
            for enrollment in enrollments
            for attempt in enrollment.attempts
        }
        if today in practised:
            return None
        streak = learner.streak(practised=practised, today=today)
        if streak < STREAK_AT_RISK_FROM_DAYS:
            return None
        start, end = work_window(learner, today)
        midday = start + (end - start) / 2
        if now < midday:
            return None
        enrollment = active[0]
        current = enrollment.progress.current_step
        path = (
            paths.path(learner_id=learner.pk, enrollment_id=enrollment.pk, step_id=current.step.pk)
            if current
            else "/"
        )
        return DueItem(
            kind=NudgeKind.STREAK_AT_RISK,
            subject_ref=f"streak:{today.isoformat()}",
            title=words.ngettext(
                "%(days)s working day in a row", "%(days)s working days in a row", streak
            )
            % {"days": streak},
            text=words.gettext("A few minutes of practice today keeps your streak going."),
            path=path,
            due_at=midday,
        )
