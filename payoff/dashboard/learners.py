"""The people behind the figures: per-learner rows, one learner's detail, who is at risk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    F,
    Q,
)
from django.http import Http404

from accounts import policies
from accounts.models import Team, User
from courses.models import (
    MetricReporter,
    PayoffMetric,
)
from payoff.dashboard.aggregates import ACTIVE_DAYS
from payoff.dashboard.scope import DashboardScope
from payoff.models import (
    EnrollmentRollup,
    MetricRollup,
)
from payoff.selectors import BeforeAfter, before_after_map
from practice.models import Enrollment, EnrollmentStatus


def at_risk_list(scope: DashboardScope, limit: int = 20) -> list[EnrollmentRollup]:
    week_ago = scope.now - timedelta(days=ACTIVE_DAYS)
    return list(
        scope.filter(EnrollmentRollup.objects.all())
        .filter(completed_at__isnull=True)
        .filter(
            Q(last_practiced_at__lt=week_ago)
            | Q(last_practiced_at__isnull=True, enrolled_at__lt=week_ago)
        )
        .select_related("learner")
        .order_by(F("last_practiced_at").asc(nulls_first=True), "enrollment_id")[:limit]
    )


def learner_rows(*, scope: DashboardScope) -> Iterator[tuple[EnrollmentRollup, list[MetricRollup]]]:
    """Each enrolment in the scope with its metric rollups, streamed in bounded chunks."""
    rollups = (
        scope.filter(EnrollmentRollup.objects.all())
        .select_related("learner")
        .order_by("learner__display_name", "learner_id", "micromastery_id")
    )
    chunk: list[EnrollmentRollup] = []
    for row in rollups.iterator(chunk_size=2000):
        chunk.append(row)
        if len(chunk) == 2000:
            yield from _with_metrics(chunk)
            chunk = []
    yield from _with_metrics(chunk)


def _with_metrics(
    chunk: list[EnrollmentRollup],
) -> Iterator[tuple[EnrollmentRollup, list[MetricRollup]]]:
    if not chunk:
        return
    metrics: dict[int, list[MetricRollup]] = defaultdict(list)
    for metric_row in (
        MetricRollup.objects.filter(enrollment_id__in=[row.enrollment_id for row in chunk])
        .select_related("metric")
        .order_by("metric__order", "metric_key")
    ):
        metrics[metric_row.enrollment_id].append(metric_row)
    for row in chunk:
        yield row, metrics.get(row.enrollment_id, [])


@dataclass
class LearnerDetail:
    learner: User
    teams: list[Team]
    enrollments: list[Enrollment]
    rollups: dict[int, EnrollmentRollup]
    before_after: dict[int, list[BeforeAfter]]
    manager_metrics: dict[int, list[PayoffMetric]]
    can_confirm: bool


def learner_detail(*, scope: DashboardScope, learner_id: int) -> LearnerDetail:
    """One learner of the viewer's teams (or organization for admins and authors), or 404."""
    learner = (
        policies.people_visible_to(scope.viewer)
        .filter(organization_id=scope.organization_id, pk=learner_id)
        .first()
    )
    if learner is None:
        raise Http404("No such person in the teams you can see.")
    teams = list(learner.teams.order_by("name"))
    enrollments = list(
        Enrollment.objects.filter(learner=learner)
        .exclude(status=EnrollmentStatus.DROPPED)
        .select_related("version", "micromastery")
        .prefetch_related("version__payoff_metrics")
        .order_by("-created_at")
    )
    rollups = EnrollmentRollup.objects.in_bulk([enrollment.pk for enrollment in enrollments])
    manager_metrics = {
        enrollment.pk: [
            metric
            for metric in enrollment.version.payoff_metrics.all()
            if metric.reported_by == MetricReporter.MANAGER
        ]
        for enrollment in enrollments
    }
    return LearnerDetail(
        learner=learner,
        teams=teams,
        enrollments=enrollments,
        rollups=rollups,
        before_after=before_after_map(learner=learner, enrollments=enrollments),
        manager_metrics=manager_metrics,
        can_confirm=policies.manages(scope.viewer, learner),
    )
