"""Writes of payoff measurements."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from courses.models import MetricReporter, PayoffMetric
from micromastery.common.errors import ApplicationError
from payoff.models import MeasurementKind, PayoffMeasurement
from practice.models import Enrollment


def measurement_value_problem(*, metric: PayoffMetric, value: Decimal) -> str | None:
    """Why this value cannot be a measurement of this metric, or None."""
    if not value.is_finite():
        return "Enter a number."
    if metric.min_value is not None and value < metric.min_value:
        return f"{metric.name} cannot be below {metric.min_value:g} {metric.unit}.".strip()
    if metric.max_value is not None and value > metric.max_value:
        return f"{metric.name} cannot be above {metric.max_value:g} {metric.unit}.".strip()
    if abs(value) >= Decimal("1e12"):
        return "That number is too large."
    return None


@transaction.atomic
def baseline_record(
    *, enrollment: Enrollment, metric: PayoffMetric, value: Decimal, by: User
) -> PayoffMeasurement:
    """Record (or correct) the learner's starting value for a learner-reported metric."""
    if metric.version_id != enrollment.version_id:
        raise ApplicationError(
            "This metric is not part of your version of the micromastery.",
            fields={"metric": ["This metric is not part of your version of the micromastery."]},
        )
    if metric.reported_by != MetricReporter.LEARNER:
        raise ApplicationError(
            f"Your manager reports {metric.name}; there is no baseline for you to give.",
            fields={"metric": [f"Your manager reports {metric.name}."]},
        )
    if by.pk != enrollment.learner_id:
        raise ApplicationError("Only the learner gives their own baseline.")
    problem = measurement_value_problem(metric=metric, value=value)
    if problem:
        raise ApplicationError(problem, fields={"value": [problem]})
    measurement, _ = PayoffMeasurement.objects.update_or_create(
        enrollment=enrollment,
        metric=metric,
        kind=MeasurementKind.BASELINE,
        defaults={"value": value, "measured_at": timezone.now(), "reported_by": by},
    )
    return measurement
