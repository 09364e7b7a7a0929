"""Reads of cohorts: a learner's assigned work, and reach and completion for managers."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policies
from accounts.models import Team, User
from courses.models import Micromastery
from practice.cohorts.invitations import cohort_title
from practice.cohorts.models import Cohort, CohortEnrollment, CohortMembership
from practice.models import Enrollment


def due_deadline(due_on: date, zone: zoneinfo.ZoneInfo) -> datetime:
    """A due date is met until the end of that day where the learner is."""
    return datetime.combine(due_on + timedelta(days=1), time.min, tzinfo=zone)


def _is_overdue(
    due_on: date | None, zone: zoneinfo.ZoneInfo, enrollments: list[Enrollment], now: datetime
) -> bool:
    if due_on is None or now < due_deadline(due_on, zone):
        return False
    return not enrollments or any(row.completed_at is None for row in enrollments)


@dataclass
class AssignedWork:
    """One cohort the learner is in, as their home page shows it."""

    cohort: Cohort
    title: str
    enrollments: list[Enrollment]
    is_started: bool
    is_complete: bool
    is_overdue: bool

    @property
    def assigned_by(self) -> User | None:
        return self.cohort.assigned_by


def _cohort_enrollments_prefetch() -> Any:
    return Prefetch(
        "cohort_enrollments",
        queryset=CohortEnrollment.objects.select_related("enrollment__version").order_by("pk"),
    )


def _title(cohort: Cohort, enrollments: list[Enrollment]) -> str:
    """A learner's assigned micromastery is titled as the version they practise."""
    if cohort.course_id is None and enrollments:
        return enrollments[0].version.title
    return cohort_title(cohort)


def assignment_memberships(*, learner: User) -> QuerySet[CohortMembership]:
    """The cohorts the learner is in now: where their assigned work comes from."""
    return CohortMembership.objects.filter(learner=learner, removed_at__isnull=True)


def assignment_list(*, learner: User, now: datetime | None = None) -> list[AssignedWork]:
    """The learner's assigned work: overdue first, then by due date, finished work last.

    Overdue means the due date has passed at the end of the learner's own day (in their
    time zone) and the work is not complete. Two queries, however many cohorts.
    """
    now = now or timezone.now()
    memberships = (
        assignment_memberships(learner=learner)
        .select_related(
            "cohort__micromastery",
            "cohort__course",
            "cohort__assigned_by",
            "cohort__facilitator",
        )
        .prefetch_related(_cohort_enrollments_prefetch())
    )
    work = []
    for membership in memberships:
        enrollments = [row.enrollment for row in membership.cohort_enrollments.all()]
        complete = bool(enrollments) and all(row.completed_at for row in enrollments)
        work.append(
            AssignedWork(
                cohort=membership.cohort,
                title=_title(membership.cohort, enrollments),
                enrollments=enrollments,
                is_started=any(row.started_at for row in enrollments),
                is_complete=complete,
                is_overdue=_is_overdue(membership.cohort.due_on, learner.zone, enrollments, now),
            )
        )
    return sorted(
        work,
        key=lambda item: (
            item.is_complete,
            not item.is_overdue,
            item.cohort.due_on or date.max,
            item.cohort.starts_on,
        ),
    )


@dataclass
class LearnerStatus:
    membership: CohortMembership
    enrollments: list[Enrollment]
    already_enrolled: bool
    is_started: bool
    is_complete: bool
    is_overdue: bool

    @property
    def learner(self) -> User:
        return self.membership.learner


@dataclass
class CohortReport:
    """Reach and completion of one cohort, and where each learner is."""

    cohort: Cohort
    title: str
    learners: list[LearnerStatus] = field(default_factory=list)
    removed: list[CohortMembership] = field(default_factory=list)

    @property
    def member_count(self) -> int:
        return len(self.learners)

    @property
    def enrolled_count(self) -> int:
        return sum(1 for row in self.learners if row.enrollments)

    @property
    def started_count(self) -> int:
        return sum(1 for row in self.learners if row.is_started)

    @property
    def completed_count(self) -> int:
        return sum(1 for row in self.learners if row.is_complete)

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.learners if row.is_overdue)


def _reports(cohorts: QuerySet[Cohort], now: datetime) -> list[CohortReport]:
    cohorts = cohorts.select_related("course", "assigned_by", "facilitator").prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name")),
        Prefetch("micromastery", queryset=Micromastery.objects.with_title()),
        Prefetch(
            "memberships",
            queryset=CohortMembership.objects.select_related("learner")
            .prefetch_related(_cohort_enrollments_prefetch())
            .order_by("learner__display_name", "learner__email"),
        ),
    )
    reports = []
    for cohort in cohorts:
        report = CohortReport(cohort=cohort, title="")
        for membership in cohort.memberships.all():
            if membership.removed_at is not None:
                report.removed.append(membership)
                continue
            rows = list(membership.cohort_enrollments.all())
            enrollments = [row.enrollment for row in rows]
            report.learners.append(
                LearnerStatus(
                    membership=membership,
                    enrollments=enrollments,
                    already_enrolled=bool(rows) and all(row.already_enrolled for row in rows),
                    is_started=any(row.started_at for row in enrollments),
                    is_complete=bool(enrollments) and all(row.completed_at for row in enrollments),
                    is_overdue=_is_overdue(
                        cohort.due_on, membership.learner.zone, enrollments, now
                    ),
                )
            )
        report.title = cohort_title(cohort)
        reports.append(report)
    return reports


def cohort_report_list(
    *, viewer: User, cohort_ids: list[int] | None = None, now: datetime | None = None
) -> list[CohortReport]:
    """The viewer's cohorts (or those of ``cohort_ids`` among them, for a page of a list)
    with their counts; a fixed number of queries however many cohorts and members."""
    cohorts = policies.cohorts_visible_to(viewer).order_by("-starts_on", "name")
    if cohort_ids is not None:
        cohorts = cohorts.filter(pk__in=cohort_ids)
    return _reports(cohorts, now or timezone.now())


def cohort_report_get(*, viewer: User, cohort_id: int, now: datetime | None = None) -> CohortReport:
    """One cohort the viewer may see, or 404 (another organization's never leaks)."""
    reports = _reports(
        policies.cohorts_visible_to(viewer).filter(pk=cohort_id), now or timezone.now()
    )
    if not reports:
        raise Http404(_("No such cohort."))
    return reports[0]


def cohort_get(*, viewer: User, cohort_id: int) -> Cohort:
    cohort = policies.cohorts_visible_to(viewer).filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404(_("No such cohort."))
    return cohort
