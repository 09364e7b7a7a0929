"""Shared set-up of the nudge tests: learners with something due at a known time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from practice import services
from tests.factories import published_version

# A Monday in March: London is on UTC (summer time starts on the 29th).
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def enrol(learner, version=None, *, at=MONDAY, holdout=False):
    version = version or published_version(learner.organization, steps=2, metrics=1)
    with time_machine.travel(at, tick=False):
        enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    if holdout:
        enrollment.holdout = True
        enrollment.save(update_fields=["holdout"])
    return enrollment


def practise(enrollment, *, at, step=None):
    step = step or enrollment.version.steps.order_by("order").first()
    with time_machine.travel(at, tick=False):
        return services.attempt_log(
            enrollment=enrollment, step=step, what_i_did="Tried it.", confidence=3, minutes=5
        )


def day(n, hour=10, minute=0):
    """MONDAY's date plus n days, at hour:minute UTC."""
    return (MONDAY + timedelta(days=n)).replace(hour=hour, minute=minute)
