"""Reads of payoff for the learner: before/after, baselines and measurements of one's own
enrolment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone

from accounts.models import User
from courses.models import (
    MetricReporter,
    PayoffMetric,
)
from payoff.models import (
    MeasurementKind,
    PayoffMeasurement,
)
from payoff.services import checkin_days_due
from practice.models import Enrollment

# --- Before / after for the learner ----------------------------------------------------


@dataclass
class BeforeAfter:
    metric: PayoffMetric
    baseline: Decimal | None
    baseline_skipped: bool
    latest: Decimal | None
    latest_at: datetime | None
    latest_kind: str
    change: float | None
    next_checkin_at: datetime | None
    # A check-in day of this learner-reported metric has come: the check-in form is open.
    checkin_open: bool = False

    @property
    def improved(self) -> bool | None:
        return None if self.change is None else self.change > 0


def before_after_map(
    *, learner: User, enrollments: list[Enrollment], now: datetime | None = None
) -> dict[int, list[BeforeAfter]]:
    """Per enrolment, each payoff metric's baseline, latest value and change (2 queries).

    ``enrollments`` come with ``version__payoff_metrics`` prefetched (or one query each).
    """
    ids = [enrollment.pk for enrollment in enrollments if enrollment.learner_id == learner.pk]
    measurements = list(
        PayoffMeasurement.objects.filter(enrollment_id__in=ids).order_by("measured_at", "pk")
    )
    return _before_after(
        enrollments=[enrollment for enrollment in enrollments if enrollment.pk in ids],
        measurements=measurements,
        now=now or timezone.now(),
    )


def before_after_measured(
    *, learner: User, enrollments: list[Enrollment], now: datetime | None = None
) -> dict[int, list[BeforeAfter]]:
    """``before_after_map`` of the enrolments where the learner measured something (a
    baseline or a later value), as the home page shows them: one query while nothing is
    measured, then the metrics and skipped baselines of the measured enrolments only."""
    ids = [enrollment.pk for enrollment in enrollments if enrollment.learner_id == learner.pk]
    measurements = list(
        PayoffMeasurement.objects.filter(enrollment_id__in=ids).order_by("measured_at", "pk")
    )
    measured = {measurement.enrollment_id for measurement in measurements}
    enrollments = [enrollment for enrollment in enrollments if enrollment.pk in measured]
    if not enrollments:
        return {}
    prefetch_related_objects(enrollments, "version__payoff_metrics")
    rows = _before_after(
        enrollments=enrollments, measurements=measurements, now=now or timezone.now()
    )
    return {
        pk: metric_rows
        for pk, metric_rows in rows.items()
        if any(row.baseline is not None or row.latest is not None for row in metric_rows)
    }


def _before_after(
    *, enrollments: list[Enrollment], measurements: list[PayoffMeasurement], now: datetime
) -> dict[int, list[BeforeAfter]]:
    from payoff.models import BaselineSkip
    from payoff.rollups import metric_change

    ids = [enrollment.pk for enrollment in enrollments]
    baselines: dict[tuple[int, int], Decimal] = {}
    latest: dict[tuple[int, int], PayoffMeasurement] = {}
    for measurement in measurements:
        key = (measurement.enrollment_id, measurement.metric_id)
        if measurement.kind == MeasurementKind.BASELINE:
            baselines[key] = measurement.value
        else:
            latest[key] = measurement
    skipped = set(
        BaselineSkip.objects.filter(enrollment_id__in=ids).values_list("enrollment_id", "metric_id")
    )
    result: dict[int, list[BeforeAfter]] = {}
    for enrollment in enrollments:
        rows = []
        for metric in enrollment.version.payoff_metrics.all():
            key = (enrollment.pk, metric.pk)
            after = latest.get(key)
            change = metric_change(
                metric=metric, baseline=baselines.get(key), latest=after.value if after else None
            )["change"]
            upcoming = None
            come: set[int] = set()
            if enrollment.completed_at is not None:
                come = {
                    day
                    for day, _ in checkin_days_due(enrollment=enrollment, metric=metric, now=now)
                }
                future = sorted(
                    int(day) for day in metric.checkin_days or [] if int(day) not in come
                )
                if future:
                    upcoming = enrollment.completed_at + timedelta(days=future[0])
            rows.append(
                BeforeAfter(
                    metric=metric,
                    baseline=baselines.get(key),
                    baseline_skipped=key in skipped,
                    latest=after.value if after else None,
                    latest_at=after.measured_at if after else None,
                    latest_kind=after.get_kind_display() if after else "",
                    change=change,
                    next_checkin_at=upcoming,
                    checkin_open=bool(come) and metric.reported_by == MetricReporter.LEARNER,
                )
            )
        result[enrollment.pk] = rows
    return result


# --- The learner's check-in page -------------------------------------------------------


@dataclass
class CheckinPage:
    """What the learner's check-in page shows: every metric's before/after, the metrics
    whose check-in has come (one form for all of them), and when the first one comes."""

    rows: list[BeforeAfter]
    due: list[BeforeAfter]
    first_checkin_at: datetime | None
    first_checkin_days: int | None

    @property
    def learner_reports(self) -> bool:
        return any(row.metric.reported_by == MetricReporter.LEARNER for row in self.rows)


def checkin_page_get(
    *, learner: User, enrollment: Enrollment, now: datetime | None = None
) -> CheckinPage:
    """The check-in page of the learner's own enrolment (version metrics prefetched)."""
    now = now or timezone.now()
    rows = before_after_map(learner=learner, enrollments=[enrollment], now=now).get(
        enrollment.pk, []
    )
    own = [row for row in rows if row.metric.reported_by == MetricReporter.LEARNER]
    due = [
        row for row in own if checkin_days_due(enrollment=enrollment, metric=row.metric, now=now)
    ]
    days = [int(day) for row in own for day in row.metric.checkin_days or [] if int(day) >= 0]
    first_days = min(days) if days else None
    first_at = (
        enrollment.completed_at + timedelta(days=first_days)
        if enrollment.completed_at is not None and first_days is not None
        else None
    )
    return CheckinPage(rows=rows, due=due, first_checkin_at=first_at, first_checkin_days=first_days)


# --- The learner's own enrolment (API) ---------------------------------------------------


@dataclass
class Baseline:
    """A learner-reported metric of the enrolment's version and its baseline, if given."""

    metric: PayoffMetric
    measurement: PayoffMeasurement | None


def baseline_list(*, enrollment: Enrollment) -> list[Baseline]:
    """One row per metric the learner reports, in the author's order, given or not."""
    metrics = (
        PayoffMetric.objects.filter(
            version_id=enrollment.version_id, reported_by=MetricReporter.LEARNER
        )
        .order_by("order", "pk")
        .prefetch_related(
            Prefetch(
                "measurements",
                queryset=PayoffMeasurement.objects.filter(
                    enrollment=enrollment, kind=MeasurementKind.BASELINE
                ),
                to_attr="enrollment_baselines",
            )
        )
    )
    return [Baseline(metric, next(iter(metric.enrollment_baselines), None)) for metric in metrics]


def measurement_list(*, enrollment: Enrollment) -> QuerySet[PayoffMeasurement]:
    """Every measurement of the enrolment (baselines, check-ins, confirmations), oldest first."""
    return (
        PayoffMeasurement.objects.filter(enrollment=enrollment)
        .select_related("metric")
        .order_by("measured_at", "pk")
    )
