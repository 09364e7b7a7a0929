"""Reads of the home page, which has a section for every role a person holds.

Most people see only a few of those sections. Whether each one has anything to show (and
the bell's count) comes with the person's enrolments, in one query; only the sections
with rows then read them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.db.models import Exists, QuerySet
from django.utils import timezone

from accounts import policies
from accounts.models import User
from accounts.selectors import teams_managed
from courses.models import MicromasteryVersion
from micromastery.common.prepared import PreparedRead
from payoff.models import PayoffMeasurement
from practice.cohorts.selectors import assignment_memberships
from practice.models import Enrollment
from practice.nudges.selectors import notification_unread_count_expression
from practice.teachback.selectors import teachback_home_sessions

# What the home page never shows of a micromastery version (only its title): long texts.
VERSION_CONTENT = tuple(
    f"version__{name}"
    for name in (*MicromasteryVersion.MARKDOWN_FIELDS, "way_in_media_url", "rendered_html")
)


@dataclass(frozen=True)
class HomeSections:
    """Which sections of the home page have something to show."""

    unread_notifications: int
    manages_teams: bool
    has_teachbacks: bool
    has_assigned_work: bool
    has_measurements: bool


SECTIONS = tuple(field.name for field in fields(HomeSections))


@dataclass(frozen=True)
class HomeSummary:
    sections: HomeSections
    # All the person's enrolments, dropped ones too, newest first, with their version.
    enrollments: list[Enrollment]


def _sections(*, user: User, now: datetime) -> dict[str, Any]:
    return {
        "unread_notifications": notification_unread_count_expression(user=user),
        "manages_teams": Exists(teams_managed(viewer=user)),
        "has_teachbacks": Exists(teachback_home_sessions(user, now=now)),
        "has_assigned_work": Exists(assignment_memberships(learner=user)),
        "has_measurements": Exists(PayoffMeasurement.objects.filter(enrollment__learner=user)),
    }


def _enrollments_with_sections(*, user: User, now: datetime) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.for_learner(user)
        .select_related("version")
        .defer(*VERSION_CONTENT)
        .annotate(**_sections(user=user, now=now))
        .order_by("-created_at")
    )


# Putting the five subqueries together and compiling them cost more than the database
# takes to answer: the SQL is kept per role (policies.role_signature), only run.
ENROLLMENTS_WITH_SECTIONS = PreparedRead(_enrollments_with_sections)


def home_summary(*, user: User, now: datetime | None = None) -> HomeSummary:
    """The person's enrolments and which sections have rows, in one query.

    The sections' subqueries do not depend on the enrolment, so the database works them
    out once however many enrolments there are. Someone with no enrolment at all gets
    them from a query of their own.
    """
    now = now or timezone.now()
    enrollments = ENROLLMENTS_WITH_SECTIONS.list(
        shape=policies.role_signature(user), user=user, now=now
    )
    if enrollments:
        first = enrollments[0]
        found = {name: getattr(first, name) for name in SECTIONS}
    else:
        sections = _sections(user=user, now=now)
        found = User.objects.filter(pk=user.pk).annotate(**sections).values(*SECTIONS).get()
    return HomeSummary(HomeSections(**found), enrollments)
