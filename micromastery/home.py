"""Reads of the home page, which has a section for every role a person holds.

Most people see only a few of those sections. One query asks which ones have anything
to show (and counts the bell, and brings the organization's name); only those sections
then read their rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists
from django.utils import timezone

from accounts.models import Organization, User
from accounts.selectors import teams_managed
from payoff.models import PayoffMeasurement
from practice.cohorts.selectors import assignment_memberships
from practice.nudges.selectors import notification_unread_count_expression
from practice.teachback.selectors import teachback_home_sessions


@dataclass(frozen=True)
class HomeSections:
    """Which sections of the home page have something to show."""

    unread_notifications: int
    organization: Organization | None
    manages_teams: bool
    has_teachbacks: bool
    has_assigned_work: bool
    has_measurements: bool


def home_sections(*, user: User, now: datetime | None = None) -> HomeSections:
    """One query: the bell's count, the organization, and whether each section has rows."""
    now = now or timezone.now()
    row = (
        User.objects.filter(pk=user.pk)
        .select_related("organization")
        .only("pk", "organization")
        .annotate(
            unread_notifications=notification_unread_count_expression(user=user),
            manages_teams=Exists(teams_managed(viewer=user)),
            has_teachbacks=Exists(teachback_home_sessions(user, now=now)),
            has_assigned_work=Exists(assignment_memberships(learner=user)),
            has_measurements=Exists(PayoffMeasurement.objects.filter(enrollment__learner=user)),
        )
        .get()
    )
    return HomeSections(
        unread_notifications=row.unread_notifications,
        organization=row.organization,
        manages_teams=row.manages_teams,
        has_teachbacks=row.has_teachbacks,
        has_assigned_work=row.has_assigned_work,
        has_measurements=row.has_measurements,
    )
