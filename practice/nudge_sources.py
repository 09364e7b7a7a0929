"""Practice's own nudge source: practice due, time to start, streak at risk, refreshers.

Registered with the delivery layer (``practice.nudges.sources``) by ``PracticeConfig.ready()``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import Q, prefetch_related_objects
from django.utils import translation
from django.utils.translation import gettext, ngettext

from accounts.languages import person_language
from accounts.models import User
from accounts.working_hours import work_window
from practice.models import Enrollment, EnrollmentStatus
from practice.nudges.models import NudgeKind
from practice.nudges.sources import DueItem
from practice.progress import Progress
from practice.quick_log import quick_log_path
from practice.selectors import enrollment_progress_of, enrollments_with_progress_prefetch

# Enrolled, and nothing practised a day later: time for a gentle start.
START_NUDGE_AFTER = timedelta(days=1)
# A streak counts as worth protecting from this many working days in a row.
STREAK_AT_RISK_FROM_DAYS = 2


def step_path(*, learner_id: int, enrollment_id: int, step_id: int) -> str:
    """Where a practice nudge's link lands: the step's quick log, one tap from a logged rep,
    without signing in (a signed link for this learner and step; see practice.quick_log)."""
    return quick_log_path(learner_id=learner_id, enrollment_id=enrollment_id, step_id=step_id)


class PracticeNudgeSource:
    """Practice due, start, streak at risk and refresher items. Holdout enrolments get none."""

    name = "practice"

    def recipients(self, *, now: datetime) -> Q:
        return Q(enrollments__status__in=(EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED))

    def due_items(self, *, learners: Sequence[User], now: datetime) -> dict[int, list[DueItem]]:
        by_learner: dict[int, list[Enrollment]] = defaultdict(list)
        enrollments = enrollments_with_progress_prefetch(
            Enrollment.objects.filter(
                learner__in=[learner.pk for learner in learners],
                status__in=(EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED),
                holdout=False,
            ).order_by("created_at", "pk")
        )
        for enrollment in enrollments:
            by_learner[enrollment.learner_id].append(enrollment)
        # Whoever chose no language reads their organization's: one query for the batch.
        prefetch_related_objects(list(learners), "organization")
        result: dict[int, list[DueItem]] = {}
        for learner in learners:
            # The texts are stored with the nudge: written in the learner's language.
            with translation.override(person_language(learner)):
                items = self._learner_items(learner, by_learner.get(learner.pk, []), now)
            if items:
                result[learner.pk] = items
        return result

    def _learner_items(
        self, learner: User, enrollments: list[Enrollment], now: datetime
    ) -> list[DueItem]:
        items: list[DueItem] = []
        for enrollment in enrollments:
            item = self._item(enrollment, enrollment_progress_of(enrollment), now)
            if item is not None:
                items.append(item)
        streak = self._streak_item(learner, enrollments, now)
        if streak is not None:
            items.append(streak)
        return items

    def _item(self, enrollment: Enrollment, progress: Progress, now: datetime) -> DueItem | None:
        title = enrollment.version.title
        attempts = getattr(enrollment, "progress_attempts", [])
        current = progress.current_step
        if enrollment.status == EnrollmentStatus.ACTIVE and current is not None:
            if not attempts:
                if enrollment.created_at + START_NUDGE_AFTER > now:
                    return None
                return DueItem(
                    kind=NudgeKind.START,
                    subject_ref=f"enrollment:{enrollment.pk}:start",
                    title=title,
                    text=gettext("Ready for your first try? Step 1: %(title)s.")
                    % {"title": current.step.title},
                    path=step_path(
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
                        gettext(
                            "%(done)s of %(required)s reps of “%(title)s”: "
                            "one more and this step is yours."
                        )
                        % reps
                    )
                else:
                    text = ngettext(
                        "%(done)s of %(required)s reps of “%(title)s”: %(left)s to go.",
                        "%(done)s of %(required)s reps of “%(title)s”: %(left)s to go.",
                        left,
                    ) % {**reps, "left": left}
                return DueItem(
                    kind=NudgeKind.PRACTICE_DUE,
                    subject_ref=f"enrollment:{enrollment.pk}:step:{current.step.pk}:{done}",
                    title=title,
                    text=text,
                    path=step_path(
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
                text=gettext("Learn long: a quick refresher of “%(title)s” keeps it yours.")
                % {"title": refresher.step.title},
                path=step_path(
                    learner_id=enrollment.learner_id,
                    enrollment_id=enrollment.pk,
                    step_id=refresher.step.pk,
                ),
                due_at=due_at,
                enrollment_id=enrollment.pk,
            )
        return None

    def _streak_item(
        self, learner: User, enrollments: list[Enrollment], now: datetime
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
            for attempt in getattr(enrollment, "progress_attempts", [])
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
        current = enrollment_progress_of(enrollment).current_step
        path = (
            step_path(learner_id=learner.pk, enrollment_id=enrollment.pk, step_id=current.step.pk)
            if current
            else "/"
        )
        return DueItem(
            kind=NudgeKind.STREAK_AT_RISK,
            subject_ref=f"streak:{today.isoformat()}",
            title=ngettext(
                "%(days)s working day in a row", "%(days)s working days in a row", streak
            )
            % {"days": streak},
            text=gettext("A few minutes of practice today keeps your streak going."),
            path=path,
            due_at=midday,
        )
