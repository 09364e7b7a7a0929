"""The home page's summary read: its SQL is kept per role and only run, so each call must
still answer for the person and moment it is given, as the ORM would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import policies
from micromastery.home import ENROLLMENTS_WITH_SECTIONS, SECTIONS, home_summary
from practice.nudges.models import Notification
from tests.factories import (
    EnrollmentFactory,
    MeasurementFactory,
    TeachBackSessionFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def orm_summary(user, now):
    """What the summary reads, built and compiled through the ORM."""
    rows = list(ENROLLMENTS_WITH_SECTIONS.build(user=user, now=now))
    return [
        (row.pk, row.version.title, row.status, *(getattr(row, name) for name in SECTIONS))
        for row in rows
    ]


def summary_rows(user, now):
    summary = home_summary(user=user, now=now)
    return [
        (
            row.pk,
            row.version.title,
            row.status,
            *(getattr(summary.sections, name) for name in SECTIONS),
        )
        for row in summary.enrollments
    ]


def test_home_summary_answers_each_person_of_a_role_with_their_own_rows(organization):
    now = timezone.now()
    first, second = (UserFactory(organization=organization) for _ in range(2))
    EnrollmentFactory(learner=first)
    EnrollmentFactory(learner=second)
    EnrollmentFactory(learner=second, status="dropped")
    Notification.objects.create(recipient=second, title="Time to practise", url="/")
    MeasurementFactory(enrollment=EnrollmentFactory(learner=second))
    TeamFactory(organization=organization, managers=[second], members=[first])

    assert summary_rows(first, now) == orm_summary(first, now)
    shape = policies.role_signature(first)
    assert ENROLLMENTS_WITH_SECTIONS.is_prepared(shape=shape)
    # Same role, other person: their enrolments, bell, teams and measurements, not the first's.
    rows = summary_rows(second, now)
    assert rows == orm_summary(second, now)
    assert len(rows) == 3
    sections = home_summary(user=second, now=now).sections
    assert sections.unread_notifications == 1
    assert sections.manages_teams
    assert sections.has_measurements
    assert home_summary(user=first, now=now).sections.unread_notifications == 0


def test_home_summary_follows_the_moment_it_is_given(organization):
    session = TeachBackSessionFactory(enrollment__learner__organization=organization)
    teacher = session.teacher
    soon = timezone.now()
    assert home_summary(user=teacher, now=soon).sections.has_teachbacks
    # Long after the session, once the attendance window has closed, nothing to show.
    later = session.starts_at + timedelta(days=30)
    assert not home_summary(user=teacher, now=later).sections.has_teachbacks
    assert summary_rows(teacher, later) == orm_summary(teacher, later)
    assert ENROLLMENTS_WITH_SECTIONS.is_prepared(shape=policies.role_signature(teacher))


@pytest.mark.parametrize("role", ["is_author", "is_org_admin"])
def test_home_summary_of_other_roles_matches_the_orm(organization, role):
    now = timezone.now()
    person = UserFactory(organization=organization, **{role: True})
    EnrollmentFactory(learner=person)
    learner = UserFactory(organization=organization)
    EnrollmentFactory(learner=learner)
    assert summary_rows(person, now) == orm_summary(person, now)
    assert summary_rows(learner, now) == orm_summary(learner, now)


def test_home_summary_reads_versions_without_their_long_texts(learner):
    EnrollmentFactory(learner=learner)
    (enrollment,) = home_summary(user=learner).enrollments
    deferred = enrollment.version.get_deferred_fields()
    assert "summary" in deferred
    assert "title" not in deferred
