"""Payoff's nudge source: check-ins that are due (metric check-in days after completion)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from accounts.models import User
from courses.models import MetricReporter, PayoffMetric
from payoff.models import MeasurementKind, PayoffMeasurement
from practice.models import Enrollment
from practice.nudges.sources import DueItem, link_path

# A check-in not answered by then gives way to the next one instead of piling up.
CHECKIN_OPEN_DAYS = 14


class PayoffCheckinNudgeSource:
    name = "payoff_checkin"

    def due_items(self, *, learners: Sequence[User], now: datetime) -> dict[int, list[DueItem]]:
        enrollments = list(
            Enrollment.objects.filter(
                learner__in=[learner.pk for learner in learners],
                completed_at__isnull=False,
                completed_at__lte=now,
            )
            .exclude(status="dropped")
            .select_related("version")
        )
        if not enrollments:
            return {}
        metrics: dict[int, list[PayoffMetric]] = defaultdict(list)
        for metric in PayoffMetric.objects.filter(
            version__in={enrollment.version_id for enrollment in enrollments},
            reported_by=MetricReporter.LEARNER,
        ).order_by("order", "pk"):
            metrics[metric.version_id].append(metric)
        answered = set(
            PayoffMeasurement.objects.filter(
                enrollment__in=enrollments, kind=MeasurementKind.CHECKIN
            ).values_list("enrollment_id", "metric_id", "checkin_day")
        )
        result: dict[int, list[DueItem]] = defaultdict(list)
        for enrollment in enrollments:
            assert enrollment.completed_at is not None
            for day in self._open_days(metrics[enrollment.version_id], enrollment, now):
                missing = [
                    metric
                    for metric in metrics[enrollment.version_id]
                    if day in (metric.checkin_days or [])
                    and (enrollment.pk, metric.pk, day) not in answered
                ]
                if not missing:
                    continue
                names = ", ".join(metric.name for metric in missing)
                result[enrollment.learner_id].append(
                    DueItem(
                        kind="payoff_checkin_due",
                        subject_ref=f"checkin:{enrollment.pk}:{day}",
                        title=enrollment.version.title,
                        text=f"{day}-day check-in: how is it paying off? Report {names}.",
                        path=link_path(
                            "practice:enrollment",
                            f"/enrollments/{enrollment.pk}/",
                            enrollment_id=enrollment.pk,
                        ),
                        due_at=enrollment.completed_at + timedelta(days=day),
                        enrollment_id=enrollment.pk,
                    )
                )
        return result

    def _open_days(
        self, metrics: list[PayoffMetric], enrollment: Enrollment, now: datetime
    ) -> list[int]:
        assert enrollment.completed_at is not None
        days = sorted({day for metric in metrics for day in (metric.checkin_days or [])})
        return [
            day
            for day in days
            if enrollment.completed_at + timedelta(days=day)
            <= now
            < enrollment.completed_at + timedelta(days=day + CHECKIN_OPEN_DAYS)
        ]
