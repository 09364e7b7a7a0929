"""Payoff's nudge source: check-ins that are due (metric check-in days after completion).

The rule of what is due lives in ``payoff.dashboard.checkins.checkins_due``; this source turns it
into one nudge line per enrolment and check-in day, for the learner-reported metrics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.languages import person_language
from accounts.models import User
from courses.models import MetricReporter
from payoff.dashboard.checkins import CheckinDue, checkins_due
from practice.nudges.models import NudgeKind
from practice.nudges.sources import DueItem, link_path


class PayoffCheckinNudgeSource:
    name = "payoff_checkin"

    def due_items(self, *, learners: Sequence[User], now: datetime) -> dict[int, list[DueItem]]:
        grouped: dict[tuple[int, int], list[CheckinDue]] = defaultdict(list)
        for due in checkins_due(now, learner_ids=[learner.pk for learner in learners]):
            if due.metric.reported_by == MetricReporter.LEARNER:
                grouped[(due.enrollment.pk, due.checkin_day)].append(due)
        result: dict[int, list[DueItem]] = defaultdict(list)
        for (enrollment_id, day), items in grouped.items():
            enrollment = items[0].enrollment
            names = ", ".join(item.metric.name for item in items)
            # The nudge line is stored with the nudge: in the learner's language, not the
            # language of whatever runs the planner.
            with translation.override(person_language(enrollment.learner)):
                text = _("%(day)d-day check-in: how is it paying off? Report %(metrics)s.") % {
                    "day": day,
                    "metrics": names,
                }
            result[enrollment.learner_id].append(
                DueItem(
                    kind=NudgeKind.PAYOFF_CHECKIN_DUE,
                    subject_ref=f"checkin:{enrollment_id}:{day}",
                    title=enrollment.version.title,
                    text=text,
                    path=link_path(
                        "payoff:checkin",
                        f"/enrollments/{enrollment_id}/checkin/",
                        enrollment_id=enrollment_id,
                    ),
                    due_at=min(item.due_at for item in items),
                    enrollment_id=enrollment_id,
                )
            )
        return result
