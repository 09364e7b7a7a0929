"""The learner pages' reads are compiled once per thread and only run afterwards: each
visit must still read the visitor's own rows, at the moment of the visit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import STREAK_HORIZON_DAYS
from practice import selectors
from practice.nudges.models import Notification
from tests.factories import AttemptFactory, EnrollmentFactory, UserFactory, published_version

pytestmark = pytest.mark.django_db


def practising(learner, version, *, attempts):
    enrollment = EnrollmentFactory(learner=learner, version=version)
    step = version.steps.order_by("order").first()
    now = timezone.now()
    for day in range(attempts):
        AttemptFactory(enrollment=enrollment, step=step, practiced_at=now - timedelta(days=day))
    return enrollment, step


def test_step_page_reads_each_learners_own_enrolment_history_and_bell(organization):
    version = published_version(organization, steps=2)
    first, second = (UserFactory(organization=organization) for _ in range(2))
    first_enrollment, step = practising(first, version, attempts=3)
    second_enrollment, _ = practising(second, version, attempts=1)
    Notification.objects.create(recipient=second, title="Time to practise", url="/")

    for _ in range(2):  # the second time, the version comes from the cache
        page = selectors.step_page_get(
            learner=first, enrollment_id=first_enrollment.pk, step_id=step.pk
        )
        assert page.row.enrollment == first_enrollment
        assert page.unread_notifications == 0
        assert {attempt.enrollment_id for attempt in page.history} == {first_enrollment.pk}
        assert page.history_total == 3 and len(page.history) == 3

        page = selectors.step_page_get(
            learner=second, enrollment_id=second_enrollment.pk, step_id=step.pk
        )
        assert page.row.enrollment == second_enrollment
        assert page.row.enrollment.version == version
        assert page.unread_notifications == 1
        assert [attempt.enrollment_id for attempt in page.history] == [second_enrollment.pk]
        assert page.step.repetitions_done == 1

        # Someone else's enrolment is not found, however the read was compiled.
        with pytest.raises(Http404):
            selectors.step_page_get(
                learner=second, enrollment_id=first_enrollment.pk, step_id=step.pk
            )


def test_home_counts_each_learners_attempts_and_streak_at_the_moment_given(organization):
    version = published_version(organization, steps=2)
    other_version = published_version(organization, steps=1)
    first, second = (UserFactory(organization=organization) for _ in range(2))
    first_enrollment, _ = practising(first, version, attempts=3)
    practising(second, version, attempts=1)
    practising(second, other_version, attempts=2)

    def home(learner, now=None):
        enrollments = list(selectors.enrollment_list(learner=learner, statuses=None))
        return selectors.learner_home(
            learner=learner, enrollments=[row.enrollment for row in enrollments], now=now
        )

    first_home = home(first)
    assert [
        sum(step.attempts_total for step in row.progress.steps) for row in first_home.enrollments
    ] == [3]
    assert first_home.streak == 3
    assert {attempt.enrollment.pk for attempt in first_home.recent} == {first_enrollment.pk}
    # Two enrolments: another number of ids for the counts.
    second_home = home(second)
    assert sorted(
        sum(step.attempts_total for step in row.progress.steps) for row in second_home.enrollments
    ) == [1, 2]
    assert second_home.streak == 2


def test_home_reads_the_streak_within_the_horizon_of_the_moment_given(organization):
    version = published_version(organization, steps=1)
    learner = UserFactory(organization=organization)
    enrollment = EnrollmentFactory(learner=learner, version=version)
    step = version.steps.get()
    now = timezone.now()
    long_ago = now - timedelta(days=3 * STREAK_HORIZON_DAYS)
    AttemptFactory(enrollment=enrollment, step=step, practiced_at=long_ago)

    def streak(at):
        return selectors.learner_home(learner=learner, enrollments=[enrollment], now=at).streak

    assert streak(now) == 0
    # Seen from just after that attempt, it is within the horizon: the horizon is counted
    # back from the moment given, not from the first visit's.
    assert streak(long_ago + timedelta(minutes=1)) == 1
