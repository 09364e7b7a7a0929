"""Payoff check-ins due, for the nudge planner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from courses.models import (
    PayoffMetric,
)
from micromastery.common.batches import among
from payoff.models import (
    MeasurementKind,
    PayoffMeasurement,
)
from payoff.services import checkin_days_due
from practice.models import Enrollment, EnrollmentStatus


@dataclass(frozen=True)
class CheckinDue:
    enrollment: Enrollment
    metric: PayoffMetric
    checkin_day: int
    due_at: datetime


CHECKIN_LOOKBACK_DAYS = 14


def checkins_due(
    now: datetime | None = None, *, learner_ids: Sequence[int] | None = None
) -> list[CheckinDue]:
    """Check-ins that have come and are not answered yet, for the nudge planner.

    A check-in is due ``checkin_day`` days after completion for each metric of the learner's
    version, and answered by a check-in (learner-reported metric) or a manager confirmation
    (manager-reported: nudge the learner's managers) for that day. Only check-ins that came
    in the last ``CHECKIN_LOOKBACK_DAYS`` days are returned, so that a long-missed one is not
    nudged forever; the planner's dedupe key should include enrolment, metric and day.
    """
    now = now or timezone.now()
    # The versions of the enrolments asked about bound the window they are read in: one
    # filter, so that both conditions hold for the same enrolment.
    completed = Q(version__enrollments__completed_at__isnull=False)
    if learner_ids is not None:
        completed &= among("version__enrollments__learner_id", learner_ids)
    metrics_in_use = PayoffMetric.objects.filter(completed).order_by()
    longest = max(
        (
            max((int(day) for day in days or [0]), default=0)
            for days in metrics_in_use.values_list("checkin_days", flat=True).distinct()
        ),
        default=0,
    )
    earliest = now - timedelta(days=longest + CHECKIN_LOOKBACK_DAYS)
    enrollments_due = Enrollment.objects.filter(completed_at__gte=earliest, completed_at__lte=now)
    if learner_ids is not None:
        enrollments_due = enrollments_due.filter(among("learner_id", learner_ids))
    enrollments = list(
        enrollments_due.exclude(status=EnrollmentStatus.DROPPED)
        .select_related("learner__organization", "micromastery", "version")
        .prefetch_related("version__payoff_metrics")
    )
    answered = set(
        PayoffMeasurement.objects.filter(
            enrollment__in=[enrollment.pk for enrollment in enrollments],
            kind__in=[MeasurementKind.CHECKIN, MeasurementKind.MANAGER_CONFIRMATION],
            checkin_day__isnull=False,
        ).values_list("enrollment_id", "metric_id", "checkin_day")
    )
    due: list[CheckinDue] = []
    for enrollment in enrollments:
        for metric in enrollment.version.payoff_metrics.all():
            for day, due_at in checkin_days_due(enrollment=enrollment, metric=metric, now=now):
                if due_at < now - timedelta(days=CHECKIN_LOOKBACK_DAYS):
                    continue
                if (enrollment.pk, metric.pk, day) in answered:
                    continue
                due.append(CheckinDue(enrollment, metric, day, due_at))
    return sorted(due, key=lambda item: (item.due_at, item.enrollment.pk, item.metric.pk))
