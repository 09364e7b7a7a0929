"""Rollups: the derived rows the dashboard reads instead of millions of raw rows.

Five tables, each recomputed from the raw rows, never incremented:

- ``EnrollmentRollup``: one row per enrolment (where it stands, summarised from its attempts);
- ``MetricRollup``: one row per enrolment and payoff metric key (baseline, latest check-in,
  change in the good direction);
- ``WeeklyPracticeRollup``: attempts and distinct practising learners per week and
  organization x team x micromastery (null team = whole organization, null micromastery =
  all of them);
- ``HoldoutPracticeDay``: one row per holdout enrolment and UTC day with practice, up to its
  completion (the holdout side of the nudge effect);
- ``NudgeEffectRollup``: one row per sent practice nudge: opened, clicked, whether its
  recipient practised within 24 hours (the nudged side) and whether it is its learner-day's
  first. A nudge's row is recomputed, with the rest of its learner-day, when it is sent,
  opened or clicked and when its recipient's attempts of the 24 hours after it arrive;
- ``NudgeDayRollup``: the two tables above summed per organization and UTC day, recomputed
  for the days whose rows change.

Idempotency: a refresh finds the enrolments and (organization, week) buckets that new raw
rows touch and recomputes those buckets from the raw rows, replacing what was there. Running
it twice, or again after a crash (the watermark only moves in the same transaction as the
rows it covers), gives the same rows. Rows are read up to ``SETTLE`` ago so that a
transaction still in flight when a batch is read is picked up by the next run; the nightly
rebuild recomputes everything, reports drift and repairs it.

Practice never imports payoff and there are no signals: the refresh reads the raw tables.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from courses.models import MetricDirection, PayoffMetric, PracticeStep
from payoff.models import (
    BaselineSkip,
    EnrollmentRollup,
    HoldoutPracticeDay,
    MeasurementKind,
    MetricRollup,
    NudgeDayRollup,
    NudgeEffectRollup,
    PayoffMeasurement,
    RollupWatermark,
    WeeklyPracticeRollup,
)
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from practice.nudges.models import Nudge, NudgeKind, NudgeStatus

logger = logging.getLogger(__name__)

ENROLLMENT_CHUNK = 500
SETTLE = timedelta(seconds=30)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# A nudge "worked" when its recipient practised within this long after it was sent.
NUDGE_EFFECT_WINDOW = timedelta(hours=24)
LEARNER_DAY_FACTOR = 1_000_000  # above any date's ordinal

ENROLLMENT_FIELDS = [
    "organization_id",
    "micromastery_id",
    "learner_id",
    "holdout",
    "dropped",
    "enrolled_at",
    "started_at",
    "completed_at",
    "mastered_at",
    "days_to_complete",
    "last_practiced_at",
    "attempts",
    "steps_total",
    "steps_done",
    "steps_attempted",
    "first_confidence_sum",
    "latest_confidence_sum",
    "streak_days",
    "streak_last_day",
    "streak_breaks_at",
]
METRIC_FIELDS = [
    "metric_id",
    "organization_id",
    "micromastery_id",
    "learner_id",
    "holdout",
    "dropped",
    "baseline_value",
    "baseline_skipped",
    "latest_value",
    "latest_at",
    "change",
    "percent_change",
    "reached_target",
    "value_units",
    "value_basis",
]


def week_of(moment: datetime | date) -> date:
    """The Monday (UTC) of the week a moment falls in."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def metric_change(
    *, metric: PayoffMetric, baseline: Decimal | None, latest: Decimal | None
) -> dict[str, Any]:
    """Change from the baseline, positive in the metric's good direction, and what follows."""
    if baseline is None or latest is None:
        return {"change": None, "percent_change": None, "reached_target": None, "value_units": None}
    change = latest - baseline if metric.direction == MetricDirection.HIGHER else baseline - latest
    return {
        "change": float(change),
        "percent_change": float(change / abs(baseline) * 100) if baseline else None,
        "reached_target": change >= metric.target_change
        if metric.target_change is not None
        else None,
        "value_units": float(change * metric.value_per_unit)
        if metric.value_per_unit is not None
        else None,
    }


def _compute_chunk(
    enrollment_ids: Sequence[int],
) -> tuple[list[EnrollmentRollup], list[MetricRollup], list[HoldoutPracticeDay]]:
    enrollments = list(
        Enrollment.objects.filter(pk__in=enrollment_ids)
        .select_related("micromastery", "learner")
        .only(
            "pk",
            "learner_id",
            "learner__time_zone",
            "learner__working_days",
            "micromastery_id",
            "micromastery__organization_id",
            "version_id",
            "status",
            "holdout",
            "created_at",
            "started_at",
            "completed_at",
            "mastered_at",
        )
    )
    version_ids = {enrollment.version_id for enrollment in enrollments}
    required: dict[int, int] = {}
    steps_total: dict[int, int] = defaultdict(int)
    for step_id, version_id, repetitions_required in PracticeStep.objects.filter(
        version_id__in=version_ids
    ).values_list("pk", "version_id", "repetitions_required"):
        required[step_id] = repetitions_required
        steps_total[version_id] += 1
    metrics = {
        metric.pk: metric for metric in PayoffMetric.objects.filter(version_id__in=version_ids)
    }

    attempts: dict[int, list[tuple[int, datetime, int, bool]]] = defaultdict(list)
    for enrollment_id, step_id, practiced_at, confidence, counts in (
        PracticeAttempt.objects.filter(enrollment_id__in=enrollment_ids)
        .order_by("practiced_at", "pk")
        .values_list(
            "enrollment_id", "step_id", "practiced_at", "confidence", "counts_as_repetition"
        )
    ):
        attempts[enrollment_id].append((step_id, practiced_at, confidence, counts))

    measurements: dict[int, list[tuple[int, str, Decimal, datetime]]] = defaultdict(list)
    for enrollment_id, metric_id, kind, value, measured_at in (
        PayoffMeasurement.objects.filter(enrollment_id__in=enrollment_ids)
        .order_by("measured_at", "pk")
        .values_list("enrollment_id", "metric_id", "kind", "value", "measured_at")
    ):
        measurements[enrollment_id].append((metric_id, kind, value, measured_at))
    skipped = set(
        BaselineSkip.objects.filter(enrollment_id__in=enrollment_ids).values_list(
            "enrollment_id", "metric_id"
        )
    )

    skipped_by_enrollment: dict[int, set[int]] = defaultdict(set)
    for enrollment_id, metric_id in skipped:
        skipped_by_enrollment[enrollment_id].add(metric_id)

    enrollment_rows: list[EnrollmentRollup] = []
    metric_rows: list[MetricRollup] = []
    holdout_rows: list[HoldoutPracticeDay] = []
    for enrollment in enrollments:
        learner = enrollment.learner
        common = {
            "organization_id": enrollment.micromastery.organization_id,
            "micromastery_id": enrollment.micromastery_id,
            "learner_id": enrollment.learner_id,
            "holdout": enrollment.holdout,
            "dropped": enrollment.status == EnrollmentStatus.DROPPED,
        }
        first: dict[int, int] = {}
        latest: dict[int, int] = {}
        repetitions: dict[int, int] = defaultdict(int)
        days: set[date] = set()
        own_attempts = attempts.get(enrollment.pk, [])
        for step_id, practiced_at, confidence, counts in own_attempts:
            first.setdefault(step_id, confidence)
            latest[step_id] = confidence
            repetitions[step_id] += 1 if counts else 0
            days.add(practiced_at.astimezone(learner.zone).date())
        streak_last_day = max(days, default=None)
        streak_days = (
            learner.streak(practised=days, today=streak_last_day) if streak_last_day else 0
        )
        completed_at = enrollment.completed_at
        if enrollment.holdout:
            # UTC days, up to and including the day of completion.
            completed_day = completed_at.astimezone(UTC).date() if completed_at else None
            holdout_rows.extend(
                HoldoutPracticeDay(
                    enrollment_id=enrollment.pk,
                    organization_id=common["organization_id"],
                    micromastery_id=enrollment.micromastery_id,
                    learner_id=enrollment.learner_id,
                    dropped=enrollment.status == EnrollmentStatus.DROPPED,
                    day=day,
                )
                for day in sorted({attempt[1].astimezone(UTC).date() for attempt in own_attempts})
                if completed_day is None or day <= completed_day
            )
        enrollment_rows.append(
            EnrollmentRollup(
                enrollment_id=enrollment.pk,
                **common,
                enrolled_at=enrollment.created_at,
                started_at=enrollment.started_at,
                completed_at=completed_at,
                mastered_at=enrollment.mastered_at,
                days_to_complete=round(
                    (completed_at - enrollment.created_at).total_seconds() / 86400, 2
                )
                if completed_at
                else None,
                last_practiced_at=own_attempts[-1][1] if own_attempts else None,
                attempts=len(own_attempts),
                steps_total=steps_total.get(enrollment.version_id, 0),
                steps_done=sum(
                    1
                    for step_id, done in repetitions.items()
                    if step_id in required and done >= required[step_id]
                ),
                steps_attempted=len(first),
                first_confidence_sum=sum(first.values()),
                latest_confidence_sum=sum(latest.values()),
                streak_days=streak_days,
                streak_last_day=streak_last_day,
                streak_breaks_at=learner.streak_breaks_at(streak_last_day)
                if streak_last_day
                else None,
            )
        )

        baselines: dict[int, Decimal] = {}
        latest_values: dict[int, tuple[Decimal, datetime]] = {}
        for metric_id, kind, value, measured_at in measurements.get(enrollment.pk, []):
            if kind == MeasurementKind.BASELINE:
                baselines[metric_id] = value
            else:
                latest_values[metric_id] = (value, measured_at)
        metric_ids = set(baselines) | set(latest_values)
        metric_ids |= skipped_by_enrollment.get(enrollment.pk, set())
        for metric_id in sorted(metric_ids):
            metric = metrics.get(metric_id)
            if metric is None:
                continue
            baseline = baselines.get(metric_id)
            after = latest_values.get(metric_id)
            metric_rows.append(
                MetricRollup(
                    enrollment_id=enrollment.pk,
                    metric_id=metric_id,
                    metric_key=metric.key,
                    **common,
                    baseline_value=baseline,
                    baseline_skipped=(enrollment.pk, metric_id) in skipped,
                    latest_value=after[0] if after else None,
                    latest_at=after[1] if after else None,
                    value_basis=metric.value_basis if metric.value_per_unit is not None else "",
                    **metric_change(
                        metric=metric, baseline=baseline, latest=after[0] if after else None
                    ),
                )
            )
    return enrollment_rows, metric_rows, holdout_rows


# (organization, UTC day) pairs whose NudgeDayRollup row is to be recomputed.
DayKeys = set[tuple[int, date]]


def _holdout_signature(row: HoldoutPracticeDay) -> tuple[Any, ...]:
    return (
        row.enrollment_id,
        row.day,
        row.organization_id,
        row.micromastery_id,
        row.learner_id,
        row.dropped,
    )


def _enrollment_signature(row: EnrollmentRollup) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in ENROLLMENT_FIELDS)


def _metric_signature(row: MetricRollup) -> tuple[Any, ...]:
    values = [getattr(row, name) for name in METRIC_FIELDS]
    return (
        row.enrollment_id,
        row.metric_key,
        *(round(value, 6) if isinstance(value, float) else value for value in values),
    )


@transaction.atomic
def enrollment_rollups_recompute(enrollment_ids: Iterable[int], *, day_rollups: bool = True) -> int:
    """Recompute the enrolment and metric rollups of these enrolments from the raw rows.

    Returns how many rows were different from what was stored (drift, for the rebuild).
    The days whose holdout rows changed are summed again unless ``day_rollups`` is false
    (the rebuild sums every day once at the end).
    """
    drift = 0
    touched: DayKeys = set()
    for chunk in _chunks(sorted(set(enrollment_ids)), ENROLLMENT_CHUNK):
        enrollment_rows, metric_rows, holdout_rows = _compute_chunk(chunk)
        stored = {
            row.enrollment_id: _enrollment_signature(row)
            for row in EnrollmentRollup.objects.filter(enrollment_id__in=chunk)
        }
        fresh = {row.enrollment_id: _enrollment_signature(row) for row in enrollment_rows}
        drift += sum(1 for key in stored.keys() | fresh.keys() if stored.get(key) != fresh.get(key))
        stored_metrics = {
            _metric_signature(row) for row in MetricRollup.objects.filter(enrollment_id__in=chunk)
        }
        fresh_metrics = {_metric_signature(row) for row in metric_rows}
        drift += len(stored_metrics ^ fresh_metrics)
        stored_days = {
            _holdout_signature(row)
            for row in HoldoutPracticeDay.objects.filter(enrollment_id__in=chunk)
        }
        changed_days = stored_days ^ {_holdout_signature(row) for row in holdout_rows}
        drift += len(changed_days)
        touched |= {(signature[2], signature[1]) for signature in changed_days}
        EnrollmentRollup.objects.filter(enrollment_id__in=chunk).delete()
        MetricRollup.objects.filter(enrollment_id__in=chunk).delete()
        HoldoutPracticeDay.objects.filter(enrollment_id__in=chunk).delete()
        EnrollmentRollup.objects.bulk_create(enrollment_rows, batch_size=1000)
        MetricRollup.objects.bulk_create(metric_rows, batch_size=1000)
        HoldoutPracticeDay.objects.bulk_create(holdout_rows, batch_size=1000)
    if day_rollups:
        day_rollups_recompute_touched(touched)
    return drift


def practice_nudges_sent() -> QuerySet[Nudge]:
    """Practice nudges that went out: payoff check-in reminders are not practice nudges."""
    return Nudge.objects.filter(
        status=NudgeStatus.SENT, sent_at__isnull=False, recipient__organization_id__isnull=False
    ).exclude(kind=NudgeKind.PAYOFF_CHECKIN_DUE)


def _nudge_signature(row: NudgeEffectRollup) -> tuple[Any, ...]:
    return (
        row.nudge_id,
        row.organization_id,
        row.learner_id,
        row.local_date,
        row.sent_at,
        row.practised,
        row.opened,
        row.clicked,
        row.first_of_day,
    )


def _with_their_learner_days(nudge_ids: Sequence[int]) -> list[int]:
    """These nudges and every other nudge of the same recipient and local day."""
    learner_days = set(
        Nudge.objects.filter(pk__in=nudge_ids).values_list("recipient_id", "local_date")
    )
    same_days = Nudge.objects.filter(
        recipient_id__in={learner_id for learner_id, _ in learner_days},
        local_date__in={local_date for _, local_date in learner_days},
    ).values_list("pk", "recipient_id", "local_date")
    return sorted(
        set(nudge_ids)
        | {
            pk
            for pk, learner_id, local_date in same_days
            if (learner_id, local_date) in learner_days
        }
    )


def _mark_first_of_day(rows: list[NudgeEffectRollup]) -> None:
    first: dict[tuple[int, date], NudgeEffectRollup] = {}
    for row in rows:
        key = (row.learner_id, row.local_date)
        if key not in first or (row.sent_at, row.nudge_id) < (
            first[key].sent_at,
            first[key].nudge_id,
        ):
            first[key] = row
    for row in first.values():
        row.first_of_day = True


@transaction.atomic
def nudge_rollups_recompute(nudge_ids: Iterable[int], *, day_rollups: bool = True) -> int:
    """Recompute the effect rows of these nudges, and of the other nudges of their
    learner-days, from the raw rows; returns the drift.

    A nudge that is not (or no longer) a sent practice nudge loses its row. The days whose
    rows changed are summed again unless ``day_rollups`` is false.
    """
    practised_after = PracticeAttempt.objects.filter(
        enrollment__learner_id=OuterRef("recipient_id"),
        practiced_at__gte=OuterRef("sent_at"),
        practiced_at__lte=ExpressionWrapper(
            OuterRef("sent_at") + NUDGE_EFFECT_WINDOW, output_field=DateTimeField()
        ),
    )
    drift = 0
    touched: DayKeys = set()
    for given in _chunks(sorted(set(nudge_ids)), ENROLLMENT_CHUNK * 4):
        chunk = _with_their_learner_days(given)
        fresh = [
            NudgeEffectRollup(
                nudge_id=row[0],
                organization_id=row[1],
                learner_id=row[2],
                local_date=row[3],
                learner_day=row[2] * LEARNER_DAY_FACTOR + row[3].toordinal(),
                sent_at=row[4],  # type: ignore[misc]  # never None: practice_nudges_sent()
                practised=row[5],
                opened=row[6] is not None,
                clicked=row[7] is not None,
            )
            for row in practice_nudges_sent()
            .filter(pk__in=chunk)
            .annotate(practised=Exists(practised_after))
            .values_list(
                "pk",
                "recipient__organization_id",
                "recipient_id",
                "local_date",
                "sent_at",
                "practised",
                "opened_at",
                "clicked_at",
            )
        ]
        _mark_first_of_day(fresh)
        stored = NudgeEffectRollup.objects.filter(nudge_id__in=chunk)
        changed = {_nudge_signature(row) for row in stored} ^ set(map(_nudge_signature, fresh))
        drift += len(changed)
        touched |= {(signature[1], signature[4].astimezone(UTC).date()) for signature in changed}
        stored.delete()
        NudgeEffectRollup.objects.bulk_create(fresh, batch_size=1000)
    if day_rollups:
        day_rollups_recompute_touched(touched)
    return drift


def _day_rows(organization_id: int, days: set[date] | None) -> dict[date, tuple[int, ...]]:
    """UTC day -> the NudgeDayRollup counts, from the nudge effect and holdout-day rows."""
    nudges = NudgeEffectRollup.objects.filter(organization_id=organization_id)
    holdout = HoldoutPracticeDay.objects.filter(organization_id=organization_id, dropped=False)
    if days is not None:
        if not days:
            return {}
        first = datetime.combine(min(days), datetime.min.time(), tzinfo=UTC)
        last = datetime.combine(max(days) + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        nudges = nudges.filter(sent_at__gte=first, sent_at__lt=last)
        holdout = holdout.filter(day__in=days)
    first_of_day = Q(first_of_day=True)
    counts: dict[date, list[int]] = defaultdict(lambda: [0] * len(DAY_FIELDS))
    for day, *nudge_counts in (
        nudges.annotate(day=TruncDate("sent_at", tzinfo=UTC))
        .values("day")
        .annotate(
            sent=Count("pk"),
            opened=Count("pk", filter=Q(opened=True)),
            clicked=Count("pk", filter=Q(clicked=True)),
            nudged=Count("pk", filter=first_of_day),
            practised=Count("pk", filter=first_of_day & Q(practised=True)),
        )
        .order_by()
        .values_list("day", "sent", "opened", "clicked", "nudged", "practised")
    ):
        counts[day][:5] = nudge_counts
    for day, practised_days in (
        holdout.values("day").annotate(days=Count("pk")).order_by().values_list("day", "days")
    ):
        counts[day][5] = practised_days
    return {day: tuple(values) for day, values in counts.items() if days is None or day in days}


DAY_FIELDS = (
    "nudges_sent",
    "nudges_opened",
    "nudges_clicked",
    "nudged_days",
    "nudged_days_practised",
    "holdout_days_practised",
)


@transaction.atomic
def day_rollups_recompute(*, organization_id: int, days: set[date] | None) -> int:
    """Sum one organization's days (all of them when ``days`` is None) again; returns how
    many day rows differed from what was stored."""
    fresh = _day_rows(organization_id, days)
    stored_rows = NudgeDayRollup.objects.filter(organization_id=organization_id)
    if days is not None:
        stored_rows = stored_rows.filter(day__in=days)
    stored = {row[0]: tuple(row[1:]) for row in stored_rows.values_list("day", *DAY_FIELDS)}
    drift = sum(1 for day in stored.keys() | fresh.keys() if stored.get(day) != fresh.get(day))
    stored_rows.delete()
    NudgeDayRollup.objects.bulk_create(
        [
            NudgeDayRollup(
                organization_id=organization_id,
                day=day,
                **dict(zip(DAY_FIELDS, values, strict=True)),
            )
            for day, values in fresh.items()
        ],
        batch_size=1000,
    )
    return drift


def day_rollups_recompute_touched(touched: DayKeys) -> None:
    by_organization: dict[int, set[date]] = defaultdict(set)
    for organization_id, day in touched:
        by_organization[organization_id].add(day)
    for organization_id, days in by_organization.items():
        day_rollups_recompute(organization_id=organization_id, days=days)


def _nudges_before_attempts(rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Sent nudges whose 24 hours after may hold one of these attempts (learner, moment)."""
    by_learner: dict[int, list[datetime]] = defaultdict(list)
    for learner_id, practiced_at in rows:
        by_learner[learner_id].append(practiced_at)
    ids: list[int] = []
    for chunk in _chunks(sorted(by_learner), ENROLLMENT_CHUNK):
        moments = [moment for learner_id in chunk for moment in by_learner[learner_id]]
        ids.extend(
            Nudge.objects.filter(
                recipient_id__in=chunk,
                sent_at__gte=min(moments) - NUDGE_EFFECT_WINDOW,
                sent_at__lte=max(moments),
            ).values_list("pk", flat=True)
        )
    return ids


def _weekly_rows(
    organization_id: int, weeks: set[date] | None
) -> dict[tuple[int | None, int | None, date], tuple[int, int]]:
    """(team, micromastery, week) -> (attempts, distinct learners), from the raw attempts."""
    attempts = PracticeAttempt.objects.filter(
        enrollment__micromastery__organization_id=organization_id
    )
    if weeks is not None:
        if not weeks:
            return {}
        first = datetime.combine(min(weeks), datetime.min.time(), tzinfo=UTC)
        last = datetime.combine(max(weeks) + timedelta(days=7), datetime.min.time(), tzinfo=UTC)
        attempts = attempts.filter(practiced_at__gte=first, practiced_at__lt=last)
    attempts = attempts.annotate(
        week=TruncWeek("practiced_at", output_field=DateField(), tzinfo=UTC)
    )
    team = "enrollment__learner__teams"
    micromastery = "enrollment__micromastery_id"
    result: dict[tuple[int | None, int | None, date], tuple[int, int]] = {}
    for dimensions in ((), (micromastery,), (team,), (team, micromastery)):
        queryset = attempts
        if team in dimensions:
            queryset = queryset.filter(enrollment__learner__teams__organization_id=organization_id)
        for row in queryset.values("week", *dimensions).annotate(
            attempt_count=Count("pk"),
            learner_count=Count("enrollment__learner_id", distinct=True),
        ):
            week = row["week"]
            if weeks is not None and week not in weeks:
                continue
            key = (row.get(team), row.get(micromastery), week)
            result[key] = (row["attempt_count"], row["learner_count"])
    return result


@transaction.atomic
def weekly_rollups_recompute(*, organization_id: int, weeks: set[date] | None) -> int:
    """Recompute one organization's weekly buckets (all weeks when ``weeks`` is None).

    Returns how many buckets differed from what was stored.
    """
    fresh = _weekly_rows(organization_id, weeks)
    stored_rows = WeeklyPracticeRollup.objects.filter(organization_id=organization_id)
    if weeks is not None:
        stored_rows = stored_rows.filter(week__in=weeks)
    stored = {
        (row.team_id, row.micromastery_id, row.week): (row.attempts, row.active_learners)
        for row in stored_rows
    }
    drift = sum(1 for key in stored.keys() | fresh.keys() if stored.get(key) != fresh.get(key))
    stored_rows.delete()
    WeeklyPracticeRollup.objects.bulk_create(
        [
            WeeklyPracticeRollup(
                organization_id=organization_id,
                team_id=team_id,
                micromastery_id=micromastery_id,
                week=week,
                attempts=attempt_count,
                active_learners=learner_count,
            )
            for (team_id, micromastery_id, week), (attempt_count, learner_count) in fresh.items()
        ],
        batch_size=1000,
    )
    return drift


@dataclass
class RefreshReport:
    attempts: int = 0
    measurements: int = 0
    enrollments: int = 0
    nudges: int = 0
    nudge_opens: int = 0
    nudge_clicks: int = 0
    enrollments_recomputed: int = 0
    weeks_recomputed: int = 0
    nudges_recomputed: int = 0
    more_waiting: bool = False


@dataclass
class _Stream:
    name: str
    model: Any
    time_field: str
    values: list[str] = field(default_factory=list)


STREAMS = (
    _Stream(
        "attempts",
        PracticeAttempt,
        "created_at",
        [
            "enrollment_id",
            "practiced_at",
            "enrollment__micromastery__organization_id",
            "enrollment__learner_id",
        ],
    ),
    # Baselines are corrected in place, so measurements are read by their last change.
    _Stream("measurements", PayoffMeasurement, "updated_at", ["enrollment_id"]),
    _Stream("enrollments", Enrollment, "updated_at", ["pk"]),
    # A nudge joins the nudge effect when it is sent; its row changes when it is opened
    # and when it is clicked (each set once, to the moment it happened).
    _Stream("nudges", Nudge, "sent_at", ["pk"]),
    _Stream("nudge_opens", Nudge, "opened_at", ["pk"]),
    _Stream("nudge_clicks", Nudge, "clicked_at", ["pk"]),
)


def _batch(
    stream: _Stream, watermark: RollupWatermark, cutoff: datetime, size: int
) -> list[tuple[Any, ...]]:
    after = Q(**{f"{stream.time_field}__gt": watermark.last_time}) | Q(
        **{stream.time_field: watermark.last_time, "pk__gt": watermark.last_pk}
    )
    return list(
        stream.model.objects.filter(after, **{f"{stream.time_field}__lte": cutoff})
        .order_by(stream.time_field, "pk")
        .values_list("pk", stream.time_field, *stream.values)[:size]
    )


def rollups_refresh(
    *, batch_size: int = 2000, max_batches: int = 50, now: datetime | None = None
) -> RefreshReport:
    """Bring the rollups up to date with raw rows written since the last run.

    Works in batches of ``batch_size`` raw rows per stream, each in its own transaction with
    the watermark; stops after ``max_batches`` and says so (the next run goes on).
    """
    cutoff = (now or timezone.now()) - SETTLE
    report = RefreshReport()
    for stream in STREAMS:
        for _ in range(max_batches):
            with transaction.atomic():
                watermark, _ = RollupWatermark.objects.select_for_update().get_or_create(
                    stream=stream.name, defaults={"last_time": EPOCH}
                )
                rows = _batch(stream, watermark, cutoff, batch_size)
                if not rows:
                    break
                if stream.model is Nudge:
                    report.nudges_recomputed += len(rows)
                    nudge_rollups_recompute(row[0] for row in rows)
                else:
                    enrollment_ids = {row[2] for row in rows}
                    report.enrollments_recomputed += len(enrollment_ids)
                    enrollment_rollups_recompute(enrollment_ids)
                if stream.name == "attempts":
                    # Practice within 24 hours of a nudge makes the nudge count as practised.
                    nudge_ids = _nudges_before_attempts([(row[5], row[3]) for row in rows])
                    report.nudges_recomputed += len(nudge_ids)
                    nudge_rollups_recompute(nudge_ids)
                    weeks: dict[int, set[date]] = defaultdict(set)
                    for row in rows:
                        weeks[row[4]].add(week_of(row[3]))
                    for organization_id, organization_weeks in weeks.items():
                        report.weeks_recomputed += len(organization_weeks)
                        weekly_rollups_recompute(
                            organization_id=organization_id, weeks=organization_weeks
                        )
                setattr(report, stream.name, getattr(report, stream.name) + len(rows))
                watermark.last_pk, watermark.last_time = rows[-1][0], rows[-1][1]
                watermark.save(update_fields=["last_pk", "last_time"])
            if len(rows) < batch_size:
                break
        else:
            report.more_waiting = True
    return report


@dataclass
class RebuildReport:
    enrollment_rows_drifted: int = 0
    weekly_rows_drifted: int = 0
    nudge_rows_drifted: int = 0
    day_rows_drifted: int = 0
    organizations: int = 0

    @property
    def drifted(self) -> bool:
        return bool(
            self.enrollment_rows_drifted
            or self.weekly_rows_drifted
            or self.nudge_rows_drifted
            or self.day_rows_drifted
        )


def rollups_rebuild() -> RebuildReport:
    """Recompute every rollup from the raw rows, repair what differs and report the drift.

    Drift means an incremental refresh missed something (a late transaction, a deleted
    row, a team membership change); it is logged so that an operator notices a pattern.
    """
    report = RebuildReport()
    enrollment_ids = list(Enrollment.objects.order_by("pk").values_list("pk", flat=True))
    for chunk in _chunks(enrollment_ids, ENROLLMENT_CHUNK * 10):
        report.enrollment_rows_drifted += enrollment_rollups_recompute(chunk, day_rollups=False)
    # Rollups of enrolments deleted since go with them (cascade); nothing else to remove.
    organization_ids = set(
        Enrollment.objects.values_list("micromastery__organization_id", flat=True).distinct()
    ) | set(WeeklyPracticeRollup.objects.values_list("organization_id", flat=True).distinct())
    for organization_id in sorted(organization_ids):
        report.weekly_rows_drifted += weekly_rollups_recompute(
            organization_id=organization_id, weeks=None
        )
    nudge_ids = list(practice_nudges_sent().order_by("pk").values_list("pk", flat=True))
    for chunk in _chunks(nudge_ids, ENROLLMENT_CHUNK * 10):
        report.nudge_rows_drifted += nudge_rollups_recompute(chunk, day_rollups=False)
    gone, _ = NudgeEffectRollup.objects.exclude(
        nudge_id__in=practice_nudges_sent().values("pk")
    ).delete()
    report.nudge_rows_drifted += gone
    organization_ids |= set(
        NudgeEffectRollup.objects.values_list("organization_id", flat=True).distinct()
    ) | set(NudgeDayRollup.objects.values_list("organization_id", flat=True).distinct())
    for organization_id in sorted(organization_ids):
        report.day_rows_drifted += day_rollups_recompute(organization_id=organization_id, days=None)
    report.organizations = len(organization_ids)
    if report.drifted:
        logger.warning(
            "Payoff rollups drifted from the raw rows and were repaired: %s enrolment, "
            "metric or holdout-day rows, %s weekly rows, %s nudge rows, %s day rows.",
            report.enrollment_rows_drifted,
            report.weekly_rows_drifted,
            report.nudge_rows_drifted,
            report.day_rows_drifted,
        )
    return report
