"""A small dataset whose every dashboard figure is computed by hand in the tests.

NOW is a Monday. Micromastery "Decide before you meet": two steps of two repetitions.
Metric "meeting" (learner-reported, lower is better, target 10 minutes, 2 EUR per minute),
metric "observed" (manager-reported, higher is better, 0.5 hours per unit at 50 EUR/hour).

- E1 Ada (team Dispatch): enrolled 30 days ago, 4 attempts 29..26 days ago, completed 26
  days ago, mastered 5 days ago; meeting 60 -> 45; observed 2 -> 4 (by the manager).
- E2 Ben (Dispatch, holdout): enrolled 20 days ago, attempts 2 days ago, yesterday, today;
  meeting 50 -> 55.
- E3 Cleo (Dispatch): enrolled 40 days ago, never practised; meeting check-in 40, no baseline.
- E4 Dev (team Field, not managed by the manager): enrolled 10 days ago, one attempt 9 days ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from payoff.models import LearningCost
from payoff.rollups import rollups_rebuild
from practice.models import Enrollment, EnrollmentStatus
from tests.factories import (
    AttemptFactory,
    EnrollmentFactory,
    MeasurementFactory,
    MetricFactory,
    TeamFactory,
    UserFactory,
    published_version,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class Dataset:
    version: object
    micromastery: object
    steps: list
    meeting: object
    observed: object
    dispatch: object
    field_team: object
    manager: object
    ada: object
    ben: object
    cleo: object
    dev: object
    e1: Enrollment
    e2: Enrollment
    e3: Enrollment
    e4: Enrollment


def _enroll(learner, version, *, enrolled, holdout=False, **fields):
    enrollment = Enrollment.objects.create(
        learner=learner,
        version=version,
        micromastery=version.micromastery,
        holdout=holdout,
        **fields,
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(created_at=enrolled)
    enrollment.refresh_from_db()
    return enrollment


@pytest.fixture
def dataset(organization, manager):
    version = published_version(organization, steps=2, metrics=0, title="Decide before you meet")
    steps = list(version.steps.order_by("order"))
    meeting = MetricFactory(
        version=version,
        key="meeting",
        name="Meeting length",
        unit="minutes",
        direction="lower",
        target_change=10,
        value_per_unit=2,
        value_basis="money",
        min_value=0,
        max_value=480,
        checkin_days=[14, 30],
    )
    observed = MetricFactory(
        version=version,
        key="observed",
        name="Decisions observed",
        unit="decisions a week",
        direction="higher",
        target_change=None,
        reported_by="manager",
        value_per_unit=Decimal("0.5"),
        value_basis="hours",
        checkin_days=[14],
    )
    ada = UserFactory(organization=organization, display_name="Ada Lovelace")
    ben = UserFactory(organization=organization, display_name="Ben Okri")
    cleo = UserFactory(organization=organization, display_name="Cleo Ndlovu")
    dev = UserFactory(organization=organization, display_name="Dev Patel")
    dispatch = TeamFactory(
        organization=organization, name="Dispatch", managers=[manager], members=[ada, ben, cleo]
    )
    field_team = TeamFactory(organization=organization, name="Field", members=[dev])
    s1, s2 = steps
    e1 = _enroll(
        ada,
        version,
        enrolled=days_ago(30),
        status=EnrollmentStatus.COMPLETED,
        started_at=days_ago(29),
        completed_at=days_ago(26),
        mastered_at=days_ago(5),
    )
    for step, day, confidence in ((s1, 29, 2), (s1, 28, 4), (s2, 27, 3), (s2, 26, 5)):
        AttemptFactory(enrollment=e1, step=step, practiced_at=days_ago(day), confidence=confidence)
    e2 = _enroll(ben, version, enrolled=days_ago(20), holdout=True, started_at=days_ago(2))
    for step, moment, confidence in (
        (s1, days_ago(2), 1),
        (s1, days_ago(1), 3),
        (s2, NOW - timedelta(hours=4), 2),
    ):
        AttemptFactory(enrollment=e2, step=step, practiced_at=moment, confidence=confidence)
    e3 = _enroll(cleo, version, enrolled=days_ago(40))
    e4 = _enroll(dev, version, enrolled=days_ago(10), started_at=days_ago(9))
    AttemptFactory(enrollment=e4, step=s1, practiced_at=days_ago(9), confidence=3)

    def measure(enrollment, metric, kind, value, when, by):
        MeasurementFactory(
            enrollment=enrollment,
            metric=metric,
            kind=kind,
            value=value,
            measured_at=when,
            reported_by=by,
            checkin_day=None if kind == "baseline" else 14,
        )

    measure(e1, meeting, "baseline", 60, days_ago(30), ada)
    measure(e1, meeting, "checkin", 45, days_ago(10), ada)
    measure(e1, observed, "baseline", 2, days_ago(30), manager)
    measure(e1, observed, "manager", 4, days_ago(9), manager)
    measure(e2, meeting, "baseline", 50, days_ago(20), ben)
    measure(e2, meeting, "checkin", 55, days_ago(5), ben)
    measure(e3, meeting, "checkin", 40, days_ago(3), cleo)
    LearningCost.objects.create(micromastery=version.micromastery, amount=10)
    rollups_rebuild()
    return Dataset(
        version=version,
        micromastery=version.micromastery,
        steps=steps,
        meeting=meeting,
        observed=observed,
        dispatch=dispatch,
        field_team=field_team,
        manager=manager,
        ada=ada,
        ben=ben,
        cleo=cleo,
        dev=dev,
        e1=e1,
        e2=e2,
        e3=e3,
        e4=e4,
    )


@pytest.fixture
def two_metrics(organization):
    """A learner who completed 20 days ago; two learner-reported metrics, check-in at 14
    days; a baseline for the first only."""
    learner = UserFactory(organization=organization, display_name="Ines Duarte")
    version = published_version(organization, metrics=0, title="Plan the day in five minutes")
    minutes = MetricFactory(
        version=version, key="minutes", name="Planning time", unit="minutes",
        direction="lower", min_value=0, max_value=120, checkin_days=[14, 30], order=1,
    )  # fmt: skip
    calls = MetricFactory(
        version=version, key="calls", name="Calls back", unit="calls",
        direction="lower", min_value=0, max_value=50, checkin_days=[14], order=2,
    )  # fmt: skip
    enrollment = EnrollmentFactory(
        learner=learner, version=version, status="completed",
        completed_at=NOW - timedelta(days=20),
    )  # fmt: skip
    MeasurementFactory(
        enrollment=enrollment, metric=minutes, kind="baseline", value=20, reported_by=learner,
        measured_at=NOW - timedelta(days=40),
    )  # fmt: skip
    return learner, enrollment, minutes, calls
