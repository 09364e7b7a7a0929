"""The demo's payoff: baselines at enrolment and check-ins after completion.

Runs after practice.demo, on the enrolments its stories made. Values are written through
the services, in each metric's own unit; check-ins move in the metric's good direction,
the holdout learner's a little less. Seeding again adds nothing: a baseline or check-in
that exists is left as it is.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from payoff import services
from payoff.models import MeasurementKind, PayoffMeasurement
from practice.demo import EMAIL, FEEDBACK, STAND_UP
from practice.models import Enrollment

# (learner, micromastery) -> {metric key: value before the practice}
BASELINES: dict[tuple[str, str], dict[str, str]] = {
    ("ana.costa@acme.example", EMAIL): {
        "requests-needing-a-follow-up": "45",
        "time-spent-chasing-replies": "4.5",
    },
    ("tom.becker@acme.example", STAND_UP): {
        "team-hours-in-stand-ups": "29",
        "blockers-solved-within-a-day": "40",
    },
    ("sofia.rossi@acme.example", STAND_UP): {
        "team-hours-in-stand-ups": "31",
        "blockers-solved-within-a-day": "35",
    },
    ("kenji.sato@acme.example", STAND_UP): {
        "team-hours-in-stand-ups": "27",
        "blockers-solved-within-a-day": "45",
    },
    ("grace.okafor@acme.example", FEEDBACK): {"specific-feedback-given": "2"},
    ("liam.walsh@acme.example", EMAIL): {
        "requests-needing-a-follow-up": "50",
        "time-spent-chasing-replies": "5",
    },
    ("noah.kim@acme.example", EMAIL): {
        "requests-needing-a-follow-up": "40",
        "time-spent-chasing-replies": "4",
    },
    ("diego.hernandez@acme.example", EMAIL): {
        "requests-needing-a-follow-up": "55",
        "time-spent-chasing-replies": "6",
    },
    ("fatima.zahra@acme.example", FEEDBACK): {"specific-feedback-given": "3"},
    ("maya.patel@acme.example", FEEDBACK): {"specific-feedback-given": "4"},
    ("chloe.martin@acme.example", FEEDBACK): {"specific-feedback-given": "2"},
}

# (learner, micromastery) -> [(metric key, check-in day, value, note)]
CHECKINS: dict[tuple[str, str], list[tuple[str, int, str, str]]] = {
    ("sofia.rossi@acme.example", STAND_UP): [
        ("team-hours-in-stand-ups", 14, "22", "Most days we finish in 15 minutes now."),
        ("blockers-solved-within-a-day", 14, "55", ""),
        ("team-hours-in-stand-ups", 30, "18", "The parking lot does the heavy lifting."),
        ("blockers-solved-within-a-day", 30, "70", "Carriers are the blockers left."),
    ],
    ("liam.walsh@acme.example", EMAIL): [
        ("requests-needing-a-follow-up", 14, "35", ""),
        ("requests-needing-a-follow-up", 30, "25", "Defaults work: people let them stand."),
        ("time-spent-chasing-replies", 30, "3", ""),
    ],
    ("noah.kim@acme.example", EMAIL): [
        ("requests-needing-a-follow-up", 14, "36", ""),
        ("requests-needing-a-follow-up", 30, "32", ""),
        ("time-spent-chasing-replies", 30, "3.5", ""),
    ],
    ("fatima.zahra@acme.example", FEEDBACK): [
        ("specific-feedback-given", 30, "8", "Two a week, mostly praise."),
    ],
    ("maya.patel@acme.example", FEEDBACK): [
        ("specific-feedback-given", 30, "11", "Teaching it made me do it more."),
    ],
}

# A check-in is recorded a few hours after its day comes, as a learner answering the nudge.
CHECKIN_DELAY = timedelta(hours=4)


def _enrollment(organization: Organization, email: str, slug: str) -> Enrollment:
    return (
        Enrollment.objects.select_related("learner", "version")
        .prefetch_related("version__payoff_metrics")
        .get(
            micromastery__organization=organization,
            micromastery__slug=slug,
            learner__email=email,
        )
    )


def _baselines_record(enrollment: Enrollment, values: dict[str, str]) -> None:
    metrics = {metric.key: metric for metric in enrollment.version.payoff_metrics.all()}
    for key, value in values.items():
        metric = metrics[key]
        exists = PayoffMeasurement.objects.filter(
            enrollment=enrollment, metric=metric, kind=MeasurementKind.BASELINE
        ).exists()
        if exists:
            continue
        measurement = services.baseline_record(
            enrollment=enrollment, metric=metric, value=Decimal(value), by=enrollment.learner
        )
        # Given with the enrolment, as the enrolment page asks for it.
        PayoffMeasurement.objects.filter(pk=measurement.pk).update(
            measured_at=enrollment.created_at + timedelta(minutes=5)
        )


def _checkins_record(enrollment: Enrollment, checkins: list[tuple[str, int, str, str]]) -> None:
    assert enrollment.completed_at is not None, f"{enrollment} has check-ins but is not complete"
    metrics = {metric.key: metric for metric in enrollment.version.payoff_metrics.all()}
    now = timezone.now()
    for key, day, value, note in checkins:
        metric = metrics[key]
        answered_at = enrollment.completed_at + timedelta(days=day) + CHECKIN_DELAY
        exists = PayoffMeasurement.objects.filter(
            enrollment=enrollment, metric=metric, kind=MeasurementKind.CHECKIN, checkin_day=day
        ).exists()
        if exists or answered_at > now:
            continue
        services.checkin_record(
            enrollment=enrollment,
            metric=metric,
            value=Decimal(value),
            by=enrollment.learner,
            note=note,
            now=answered_at,
        )


@transaction.atomic
def seed_payoff(organization: Organization) -> None:
    """Record the demo learners' baselines and check-ins once."""
    for (email, slug), values in BASELINES.items():
        _baselines_record(_enrollment(organization, email, slug), values)
    for (email, slug), checkins in CHECKINS.items():
        _checkins_record(_enrollment(organization, email, slug), checkins)
