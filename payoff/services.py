"""Writes of payoff measurements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import policies
from accounts.models import User
from courses.models import MetricReporter, Micromastery, PayoffMetric
from micromastery.common.errors import ApplicationError, refuse_invalid_fields
from payoff.figures import localized_number
from payoff.models import BaselineSkip, LearningCost, MeasurementKind, PayoffMeasurement
from practice.extensions import LearningEventKind, learning_event_record
from practice.models import Enrollment


def measurement_value_problem(*, metric: PayoffMetric, value: Decimal) -> str | None:
    """Why this value cannot be a measurement of this metric, or None."""
    if not value.is_finite():
        return _("Enter a number.")
    if metric.min_value is not None and value < metric.min_value:
        limit = {
            "metric": metric.name,
            "limit": localized_number(metric.min_value),
            "unit": metric.unit,
        }
        if metric.unit:
            return _("%(metric)s cannot be below %(limit)s %(unit)s.") % limit
        return _("%(metric)s cannot be below %(limit)s.") % limit
    if metric.max_value is not None and value > metric.max_value:
        limit = {
            "metric": metric.name,
            "limit": localized_number(metric.max_value),
            "unit": metric.unit,
        }
        if metric.unit:
            return _("%(metric)s cannot be above %(limit)s %(unit)s.") % limit
        return _("%(metric)s cannot be above %(limit)s.") % limit
    if abs(value) >= Decimal("1e12"):
        return _("That number is too large.")
    return None


@transaction.atomic
def baseline_record(
    *, enrollment: Enrollment, metric: PayoffMetric, value: Decimal, by: User
) -> PayoffMeasurement:
    """Record (or correct) the learner's starting value for a learner-reported metric."""
    if metric.version_id != enrollment.version_id:
        message = _("This metric is not part of your version of the micromastery.")
        raise ApplicationError(message, fields={"metric": [message]})
    if metric.reported_by != MetricReporter.LEARNER:
        raise ApplicationError(
            _("Your manager reports %(metric)s; there is no baseline for you to give.")
            % {"metric": metric.name},
            fields={"metric": [_("Your manager reports %(metric)s.") % {"metric": metric.name}]},
        )
    if not policies.can_practise(by, enrollment):
        raise ApplicationError(_("Only the learner gives their own baseline."))
    problem = measurement_value_problem(metric=metric, value=value)
    if problem:
        raise ApplicationError(problem, fields={"value": [problem]})
    measurement, _created = PayoffMeasurement.objects.update_or_create(
        enrollment=enrollment,
        metric=metric,
        kind=MeasurementKind.BASELINE,
        defaults={"value": value, "measured_at": timezone.now(), "reported_by": by},
    )
    return measurement


def _metric_of_enrollment_problem(*, enrollment: Enrollment, metric: PayoffMetric) -> str | None:
    if metric.version_id != enrollment.version_id:
        return _("This metric is not part of this version of the micromastery.")
    return None


def checkin_days_due(
    *, enrollment: Enrollment, metric: PayoffMetric, now: datetime
) -> list[tuple[int, datetime]]:
    """The metric's check-in days that have come for this enrolment, with when each came."""
    if enrollment.completed_at is None:
        return []
    days = sorted({int(day) for day in metric.checkin_days or [] if int(day) >= 0})
    return [
        (day, enrollment.completed_at + timedelta(days=day))
        for day in days
        if enrollment.completed_at + timedelta(days=day) <= now
    ]


def _has_baseline_or_skip(*, enrollment: Enrollment, metric: PayoffMetric) -> bool:
    return (
        PayoffMeasurement.objects.filter(
            enrollment=enrollment, metric=metric, kind=MeasurementKind.BASELINE
        ).exists()
        or BaselineSkip.objects.filter(enrollment=enrollment, metric=metric).exists()
    )


def _validated(*, metric: PayoffMetric, value: Decimal) -> None:
    problem = measurement_value_problem(metric=metric, value=value)
    if problem:
        raise ApplicationError(problem, fields={"value": [problem]})


@transaction.atomic
def baseline_skip(*, enrollment: Enrollment, metric: PayoffMetric, by: User) -> BaselineSkip:
    """Record that there is no baseline for this metric, so that check-ins may go ahead.

    The learner skips their own metrics; a manager of the learner skips a manager-reported one.
    """
    problem = _metric_of_enrollment_problem(enrollment=enrollment, metric=metric)
    if problem:
        raise ApplicationError(problem, fields={"metric": [problem]})
    if metric.reported_by == MetricReporter.LEARNER and not policies.can_practise(by, enrollment):
        raise ApplicationError(_("Only the learner can skip their own baseline."))
    if metric.reported_by == MetricReporter.MANAGER and not policies.manages(
        by, enrollment.learner_id
    ):
        raise ApplicationError(_("Only a manager of this learner can skip this baseline."))
    if PayoffMeasurement.objects.filter(
        enrollment=enrollment, metric=metric, kind=MeasurementKind.BASELINE
    ).exists():
        raise ApplicationError(
            _("%(metric)s already has a baseline; there is nothing to skip.")
            % {"metric": metric.name}
        )
    skip, _created = BaselineSkip.objects.get_or_create(
        enrollment=enrollment, metric=metric, defaults={"skipped_by": by}
    )
    return skip


@transaction.atomic
def checkin_record(
    *,
    enrollment: Enrollment,
    metric: PayoffMetric,
    value: Decimal,
    by: User,
    note: str = "",
    now: datetime | None = None,
) -> PayoffMeasurement:
    """Record the learner's value of a metric at its latest check-in day that has come.

    Recording the same check-in day again corrects it. Refused before completion (check-in
    days count from completion), and before the baseline unless the learner skipped it.
    """
    now = now or timezone.now()
    refuse_invalid_fields(PayoffMeasurement(note=note.strip()), ["note"])
    problem = _metric_of_enrollment_problem(enrollment=enrollment, metric=metric)
    if problem:
        raise ApplicationError(problem, fields={"metric": [problem]})
    if metric.reported_by != MetricReporter.LEARNER:
        message = _("Your manager reports %(metric)s; there is no check-in for you to give.") % {
            "metric": metric.name
        }
        raise ApplicationError(message, fields={"metric": [message]})
    if not policies.can_practise(by, enrollment):
        raise ApplicationError(_("Only the learner records their own check-in."))
    _validated(metric=metric, value=value)
    due = checkin_days_due(enrollment=enrollment, metric=metric, now=now)
    if not due:
        if enrollment.completed_at is None:
            message = _("Check-ins start after you complete the micromastery.")
        else:
            first = min(int(day) for day in metric.checkin_days or [0])
            when = enrollment.completed_at + timedelta(days=first)
            message = _("Your first check-in is on %(date)s.") % {
                "date": formats.date_format(timezone.localtime(when), "DATE_FORMAT")
            }
        raise ApplicationError(message, fields={"value": [message]})
    if not _has_baseline_or_skip(enrollment=enrollment, metric=metric):
        message = _(
            "Give your baseline for %(metric)s first (your value before you started), "
            "or say that you have none."
        ) % {"metric": metric.name}
        raise ApplicationError(message, fields={"value": [message]})
    checkin_day = due[-1][0]
    measurement, _created = PayoffMeasurement.objects.update_or_create(
        enrollment=enrollment,
        metric=metric,
        kind=MeasurementKind.CHECKIN,
        checkin_day=checkin_day,
        defaults={"value": value, "measured_at": now, "reported_by": by, "note": note.strip()},
    )
    learning_event_record(LearningEventKind.CHECKED_IN, measurement)
    return measurement


@dataclass(frozen=True)
class CheckinAnswer:
    """One metric's answer on the check-in page: the value now, and, when the metric has no
    baseline yet, the value before or the learner's word that there is none."""

    metric: PayoffMetric
    value: Decimal
    note: str = ""
    baseline: Decimal | None = None
    no_baseline: bool = False


@transaction.atomic
def checkins_record(
    *,
    enrollment: Enrollment,
    answers: Sequence[CheckinAnswer],
    by: User,
    now: datetime | None = None,
) -> list[PayoffMeasurement]:
    """Every value of one check-in at once: all are saved, or none (a refusal names the
    metric, and ``fields`` maps the metric's id to the messages about its value)."""
    if not answers:
        raise ApplicationError(_("Give a value now for at least one payoff metric."))
    saved = []
    for answer in answers:
        metric = answer.metric
        try:
            if answer.baseline is not None:
                baseline_record(enrollment=enrollment, metric=metric, value=answer.baseline, by=by)
            elif answer.no_baseline and not _has_baseline_or_skip(
                enrollment=enrollment, metric=metric
            ):
                baseline_skip(enrollment=enrollment, metric=metric, by=by)
            saved.append(
                checkin_record(
                    enrollment=enrollment,
                    metric=metric,
                    value=answer.value,
                    note=answer.note,
                    by=by,
                    now=now,
                )
            )
        except ApplicationError as error:
            messages = [text for texts in error.fields.values() for text in texts]
            raise ApplicationError(
                _("%(metric)s: %(problem)s") % {"metric": metric.name, "problem": error.message},
                fields={str(metric.pk): messages or [error.message]},
            ) from error
    return saved


@transaction.atomic
def manager_confirmation_record(
    *,
    enrollment: Enrollment,
    metric: PayoffMetric,
    value: Decimal,
    by: User,
    before: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> PayoffMeasurement:
    """A manager's own observation of a manager-reported metric for a learner they manage.

    ``before`` records the value before the practice (the baseline); otherwise the value now,
    which answers the latest check-in day that has come (or none before completion) and
    needs the baseline first unless it was skipped.
    """
    now = now or timezone.now()
    refuse_invalid_fields(PayoffMeasurement(note=note.strip()), ["note"])
    problem = _metric_of_enrollment_problem(enrollment=enrollment, metric=metric)
    if problem:
        raise ApplicationError(problem, fields={"metric": [problem]})
    if metric.reported_by != MetricReporter.MANAGER:
        message = _("The learner reports %(metric)s themselves.") % {"metric": metric.name}
        raise ApplicationError(message, fields={"metric": [message]})
    if not policies.manages(by, enrollment.learner_id):
        raise ApplicationError(_("You can confirm values only for people in teams you manage."))
    _validated(metric=metric, value=value)
    if before:
        measurement, _created = PayoffMeasurement.objects.update_or_create(
            enrollment=enrollment,
            metric=metric,
            kind=MeasurementKind.BASELINE,
            defaults={"value": value, "measured_at": now, "reported_by": by, "note": note},
        )
        BaselineSkip.objects.filter(enrollment=enrollment, metric=metric).delete()
        return measurement
    if not _has_baseline_or_skip(enrollment=enrollment, metric=metric):
        message = _(
            "Record %(metric)s before the practice first (the baseline), or skip the baseline."
        ) % {"metric": metric.name}
        raise ApplicationError(message, fields={"value": [message]})
    due = checkin_days_due(enrollment=enrollment, metric=metric, now=now)
    return PayoffMeasurement.objects.create(
        enrollment=enrollment,
        metric=metric,
        kind=MeasurementKind.MANAGER_CONFIRMATION,
        checkin_day=due[-1][0] if due else None,
        value=value,
        measured_at=now,
        reported_by=by,
        note=note.strip(),
    )


@transaction.atomic
def learning_cost_set(
    *, micromastery: Micromastery, amount: Decimal | None, by: User, note: str = ""
) -> LearningCost | None:
    """Enter (or clear, with None) what L&D spent on a micromastery, for its ROI."""
    if not policies.can_view_micromastery(by, micromastery):
        raise ApplicationError(_("This micromastery is not in your organization."))
    if not policies.sees_whole_organization(by):
        raise ApplicationError(_("Only authors and organization admins enter L&D costs."))
    if amount is None:
        LearningCost.objects.filter(micromastery=micromastery).delete()
        return None
    if not amount.is_finite() or amount <= 0:
        message = _("Enter the cost as a positive amount.")
        raise ApplicationError(message, fields={"amount": [message]})
    refuse_invalid_fields(LearningCost(note=note.strip()), ["note"])
    cost, _created = LearningCost.objects.update_or_create(
        micromastery=micromastery, defaults={"amount": amount, "note": note.strip()}
    )
    return cost
