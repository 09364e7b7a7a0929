"""Reads of payoff: the manager dashboard, per-learner rows, check-ins due, before/after.

One selector, ``dashboard_summary``, feeds the dashboard page, its CSV export and
``GET /api/v1/dashboard/``, so the three always show the same numbers. It reads the
rollups (see payoff.rollups), plus sent nudges and attempts for the nudge figures, and runs a
fixed number of queries whatever the data size; a cohort's practice by week and the overdue
count are read from the cohort's own rows in one grouped query each.
"""

from __future__ import annotations

import statistics
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate, TruncWeek
from django.http import Http404
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import Organization, Team, User
from accounts.selectors import team_list_visible
from courses.models import (
    CourseItem,
    MetricReporter,
    Micromastery,
    MicromasteryVersion,
    PayoffMetric,
    PublicationStatus,
    ValueBasis,
)
from payoff.figures import Figure
from payoff.models import (
    EnrollmentRollup,
    LearningCost,
    MeasurementKind,
    MetricRollup,
    PayoffMeasurement,
    WeeklyPracticeRollup,
)
from payoff.rollups import week_of
from payoff.services import checkin_days_due
from payoff.spread import spread_sources
from practice.cohorts.models import Cohort, CohortEnrollment, CohortMembership
from practice.cohorts.selectors import cohort_visible, due_deadline
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from practice.nudges.models import Nudge, NudgeKind, NudgeStatus

PERIOD_CHOICES = (30, 90, 365)
DEFAULT_PERIOD_DAYS = 90
ACTIVE_DAYS = 7


class Median(Aggregate):
    """PostgreSQL's exact median; other databases get the same number in Python."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _medians(
    queryset: QuerySet[Any], group_by: list[str], fields: list[str]
) -> dict[tuple[Any, ...], dict[str, float | None]]:
    """Median of each field per group, in one query on any database."""
    result: dict[tuple[Any, ...], dict[str, float | None]] = {}
    if connection.vendor == "postgresql":
        grouped = queryset.values(*group_by) if group_by else queryset
        if group_by:
            rows = grouped.annotate(**{f"median_{name}": Median(name) for name in fields})
            for row in rows:
                key = tuple(row[name] for name in group_by)
                result[key] = {name: row[f"median_{name}"] for name in fields}
        else:
            row = grouped.aggregate(**{f"median_{name}": Median(name) for name in fields})
            result[()] = {name: row[f"median_{name}"] for name in fields}
        return result
    values: dict[tuple[Any, ...], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in queryset.values_list(*group_by, *fields):
        key = tuple(row[: len(group_by)])
        for name, value in zip(fields, row[len(group_by) :], strict=True):
            if value is not None:
                values[key][name].append(float(value))
    for key, by_field in values.items():
        result[key] = {
            name: statistics.median(by_field[name]) if by_field[name] else None for name in fields
        }
    if not group_by and () not in result:
        result[()] = dict.fromkeys(fields)
    return result


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _plain(number: Decimal) -> str:
    """2.0000 -> "2", 0.5000 -> "0.5"."""
    return f"{number.normalize():f}"


def _share(part: int | float, whole: int | float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _count(count: int, singular: str, plural: str) -> str:
    """ "1 attempt", "2 attempts": a number and its noun."""
    return ngettext(f"%(count)d {singular}", f"%(count)d {plural}", count) % {"count": count}


def _learners(count: int) -> str:
    return _count(count, "learner", "learners")


def _learners_own(count: int) -> str:
    return ngettext("%(count)d learner's", "%(count)d learners'", count) % {"count": count}


# --- Scope -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardScope:
    """What the viewer may see and chose to see: one organization, teams, micromastery, period,
    and optionally one cohort.

    ``teams`` empty means the whole organization (org admins and authors only). With a
    ``cohort``, only its current members' enrolments on its micromastery (or its course's
    micromasteries) count, among the teams in scope.
    """

    viewer: User
    organization: Organization
    teams: tuple[Team, ...]
    visible_teams: tuple[Team, ...]
    micromastery: Micromastery | None
    micromasteries: tuple[Micromastery, ...]
    period_days: int
    now: datetime
    cohort: Cohort | None = None
    visible_cohorts: tuple[Cohort, ...] = ()

    @property
    def whole_organization(self) -> bool:
        return not self.teams

    @property
    def organization_id(self) -> int:
        return self.organization.pk

    @property
    def micromastery_id(self) -> int | None:
        return self.micromastery.pk if self.micromastery else None

    @property
    def team_ids(self) -> list[int]:
        return [team.pk for team in self.teams]

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=self.period_days)

    @property
    def end(self) -> datetime:
        return self.now

    @property
    def first_week(self) -> date:
        return week_of(self.start)

    @property
    def limits_learners(self) -> bool:
        """Whether ``learner_ids()`` narrows the organization (teams or a cohort chosen)."""
        return bool(self.teams) or self.cohort is not None

    def _team_member_ids(self) -> QuerySet[Any]:
        return Team.members.through.objects.filter(team_id__in=self.team_ids).values("user_id")

    def learner_ids(self) -> QuerySet[Any]:
        """Members of the selected teams, as a subquery (distinct in effect: used with IN).

        With a cohort: its current members, among the selected teams when there are any.
        """
        if self.cohort is None:
            return self._team_member_ids()
        members = CohortMembership.objects.filter(cohort_id=self.cohort.pk, removed_at__isnull=True)
        if self.teams:
            members = members.filter(learner_id__in=self._team_member_ids())
        return members.values("learner_id")

    def cohort_micromastery_ids(self) -> list[int] | QuerySet[Any]:
        """The cohort's micromastery, or its course's micromasteries as a subquery."""
        assert self.cohort is not None
        if self.cohort.micromastery_id is not None:
            return [self.cohort.micromastery_id]
        course_id = self.cohort.course_id
        assert course_id is not None  # a cohort has a micromastery or a course (constraint)
        return CourseItem.objects.filter(course_id=course_id).values("micromastery_id")

    def filter(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Limit a rollup queryset (fields organization, micromastery, learner) to the scope."""
        queryset = queryset.filter(organization_id=self.organization_id, dropped=False)
        if self.micromastery_id:
            queryset = queryset.filter(micromastery_id=self.micromastery_id)
        if self.cohort is not None:
            queryset = queryset.filter(micromastery_id__in=self.cohort_micromastery_ids())
        if self.limits_learners:
            queryset = queryset.filter(learner_id__in=self.learner_ids())
        return queryset

    @property
    def description(self) -> str:
        teams = ", ".join(team.name for team in self.teams) or "the whole organization"
        cohort = f"; cohort {self.cohort.name}" if self.cohort else ""
        subject = self.micromastery.title if self.micromastery else "all micromasteries"  # type: ignore[attr-defined]
        return f"{teams}{cohort}; {subject}; the last {self.period_days} days"

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization.name,
            "teams": [{"id": team.pk, "name": team.name} for team in self.teams],
            "whole_organization": self.whole_organization,
            "micromastery": self.micromastery_id,
            "cohort": {"id": self.cohort.pk, "name": self.cohort.name} if self.cohort else None,
            "period_days": self.period_days,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "currency": self.organization.currency,
        }


def _sees_whole_organization(viewer: User) -> bool:
    return bool(viewer.is_org_admin or viewer.is_author)


def dashboard_offered(*, viewer: User, manages_teams: bool) -> bool:
    """Whether to point the viewer at the dashboard: the people ``dashboard_scope`` lets in
    (org admins and authors: the whole organization; managers: their teams)."""
    if viewer.organization_id is None or not viewer.is_active:
        return False
    return _sees_whole_organization(viewer) or manages_teams


def micromastery_list_reported(*, organization: Organization | int) -> list[Micromastery]:
    """The micromasteries a dashboard can report on: those ever published (drafts have no
    learners), once each, with ``title`` from their newest published version.

    Two micromasteries with the same title (a copy imported as a new one) get their slug
    beside it, so that the filter never offers two identical choices.
    """
    released = [PublicationStatus.PUBLISHED, PublicationStatus.ARCHIVED]
    newest_title = (
        MicromasteryVersion.objects.filter(micromastery=OuterRef("pk"), status__in=released)
        .order_by("-number")
        .values("title")[:1]
    )
    micromasteries = list(
        Micromastery.objects.filter(organization=organization)
        .filter(
            Exists(
                MicromasteryVersion.objects.filter(micromastery=OuterRef("pk"), status__in=released)
            )
        )
        .annotate(title=Subquery(newest_title))
        .order_by("title", "pk")
    )
    seen: dict[str, int] = defaultdict(int)
    for item in micromasteries:
        seen[item.title] += 1  # type: ignore[attr-defined]
    for item in micromasteries:
        if seen[item.title] > 1:  # type: ignore[attr-defined]
            item.title = f"{item.title} ({item.slug})"  # type: ignore[attr-defined]
    return micromasteries


def dashboard_scope(
    *,
    viewer: User,
    team_ids: list[int] | None = None,
    micromastery_id: int | None = None,
    period_days: int | None = None,
    now: datetime | None = None,
    cohort_id: int | None = None,
) -> DashboardScope:
    """Resolve the filters against what the viewer may see.

    Learners without a managed team get PermissionDenied; a team, micromastery or cohort the
    viewer may not see is a 404, never an empty answer that would confirm it exists elsewhere.
    Cohorts follow the cohorts' own visibility rule (managers: those of the teams they manage
    and those they assigned; org admins and authors: the whole organization's).
    """
    if viewer.organization_id is None or not viewer.is_active:
        raise PermissionDenied("The dashboard is for managers, organization admins and authors.")
    visible = tuple(team_list_visible(viewer=viewer).order_by("name", "pk"))
    whole = _sees_whole_organization(viewer)
    if not visible and not whole:
        raise PermissionDenied("The dashboard is for managers, organization admins and authors.")
    by_id = {team.pk: team for team in visible}
    chosen: tuple[Team, ...]
    if team_ids:
        if any(team_id not in by_id for team_id in team_ids):
            raise Http404("No such team among the teams you can see.")
        chosen = tuple(by_id[team_id] for team_id in dict.fromkeys(team_ids))
    else:
        chosen = () if whole else visible
    micromasteries = tuple(micromastery_list_reported(organization=viewer.organization_id))
    micromastery = None
    if micromastery_id is not None:
        micromastery = next((item for item in micromasteries if item.pk == micromastery_id), None)
        if micromastery is None:
            raise Http404("No such micromastery in your organization.")
    cohorts = tuple(
        cohort_visible(viewer=viewer)
        .filter(organization_id=viewer.organization_id)
        .order_by("name", "pk")
    )
    cohort = None
    if cohort_id is not None:
        cohort = next((item for item in cohorts if item.pk == cohort_id), None)
        if cohort is None:
            raise Http404("No such cohort among the cohorts you can see.")
    if period_days not in PERIOD_CHOICES:
        period_days = DEFAULT_PERIOD_DAYS
    organization = viewer.organization
    assert organization is not None
    return DashboardScope(
        viewer=viewer,
        organization=organization,
        teams=chosen,
        visible_teams=visible,
        micromastery=micromastery,
        micromasteries=micromasteries,
        period_days=period_days,
        now=now or timezone.now(),
        cohort=cohort,
        visible_cohorts=cohorts,
    )


# --- The summary -----------------------------------------------------------------------


@dataclass
class WeekPoint:
    week: date
    attempts: int
    active_learners: int

    @property
    def per_learner(self) -> float | None:
        return round(self.attempts / self.active_learners, 2) if self.active_learners else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "week": self.week.isoformat(),
            "attempts": self.attempts,
            "active_learners": self.active_learners,
            "attempts_per_active_learner": self.per_learner,
        }


@dataclass
class ResultGroup:
    label: str
    learners: int
    median_change: float | None
    median_percent_change: float | None
    with_target: int
    reached_target: int

    @property
    def target_share(self) -> float | None:
        return _share(self.reached_target, self.with_target)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.label,
            "learners_with_baseline_and_checkin": self.learners,
            "median_change": self.median_change,
            "median_percent_change": self.median_percent_change,
            "reached_target": self.reached_target,
            "reached_target_percent": self.target_share,
        }


@dataclass
class MetricResult:
    micromastery_id: int
    micromastery_title: str
    metric_key: str
    name: str
    unit: str
    direction: str
    target_change: float | None
    without_baseline: int
    groups: list[ResultGroup]
    explanation: str

    @property
    def has_holdout(self) -> bool:
        return len(self.groups) > 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "micromastery": self.micromastery_id,
            "micromastery_title": self.micromastery_title,
            "metric_key": self.metric_key,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "target_change": self.target_change,
            "checkins_without_baseline": self.without_baseline,
            "groups": [group.as_dict() for group in self.groups],
            "explanation": self.explanation,
        }


@dataclass
class ValueLine:
    micromastery_id: int
    micromastery_title: str
    metric_name: str
    learners: int
    value: float
    explanation: str
    # "2 learners' reported hours x 48.00 EUR/h": what the money is made of, in a phrase.
    basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "micromastery": self.micromastery_id,
            "micromastery_title": self.micromastery_title,
            "metric": self.metric_name,
            "learners": self.learners,
            "value": self.value,
            "explanation": self.explanation,
        }


@dataclass
class RoiLine:
    micromastery_id: int
    micromastery_title: str
    value: float
    cost: float
    roi_percent: float
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "micromastery": self.micromastery_id,
            "micromastery_title": self.micromastery_title,
            "value": self.value,
            "cost": self.cost,
            "roi_percent": self.roi_percent,
            "explanation": self.explanation,
        }


@dataclass
class DashboardSummary:
    scope: DashboardScope
    reach: list[Figure]
    practice: list[Figure]
    weeks: list[WeekPoint]
    capability: list[Figure]
    spread: list[Figure]
    results: list[MetricResult]
    value: list[Figure]
    value_lines: list[ValueLine]
    roi_lines: list[RoiLine]
    nudges: list[Figure] = field(default_factory=list)
    at_risk: list[EnrollmentRollup] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.reach[0].value

    def figure(self, key: str) -> Figure:
        for section in (
            self.reach,
            self.practice,
            self.capability,
            self.spread,
            self.value,
            self.nudges,
        ):
            for item in section:
                if item.key == key:
                    return item
        raise KeyError(key)

    @property
    def value_basis(self) -> str:
        return _value_basis(self.scope, self.value_lines)

    @property
    def story(self) -> list[StoryStep]:
        return dashboard_story(summary=self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope.as_dict(),
            "story": [step.as_dict() for step in self.story],
            "reach": [item.as_dict() for item in self.reach],
            "practice": [item.as_dict() for item in self.practice],
            "practice_by_week": [point.as_dict() for point in self.weeks],
            "capability": [item.as_dict() for item in self.capability],
            "spread": [item.as_dict() for item in self.spread],
            "results": [result.as_dict() for result in self.results],
            "value": [item.as_dict() for item in self.value],
            "value_by_metric": [line.as_dict() for line in self.value_lines],
            "roi": [line.as_dict() for line in self.roi_lines],
            "nudges": [item.as_dict() for item in self.nudges],
        }


@dataclass(frozen=True)
class StoryStep:
    """One link of the chain reach -> practice -> capability -> spread -> results -> value:
    the figure that stands for its section, in a word, and what it is made of."""

    section: str
    title: str
    figure: Figure
    word: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "title": self.title,
            "word": self.word,
            "display": self.figure.display,
            **self.figure.as_dict(),
        }


def _results_figure(results: list[MetricResult]) -> Figure:
    better = sum(
        1
        for result in results
        if result.groups[0].median_change is not None and result.groups[0].median_change > 0
    )
    measured = sum(1 for result in results if result.groups[0].median_change is not None)
    return Figure(
        "metrics_better",
        "Payoff metrics better",
        better if measured else None,
        f"Payoff metrics whose median change (latest check-in minus baseline) is better, "
        f"out of {measured} measured in the period.",
        f"of {measured}" if measured else "",
    )


def dashboard_story(*, summary: DashboardSummary) -> list[StoryStep]:
    """The six figures of the band at the top of the dashboard, from the summary (no query)."""
    try:
        spread = summary.figure("colleagues_reached")
        spread_word = "colleagues taught"
    except KeyError:
        spread = summary.figure("mastered")
        spread_word = "mastered"
    return [
        StoryStep("reach", "Reach", summary.figure("enrolled"), "enrolled"),
        StoryStep("practice", "Practice", summary.figure("active_7_days"), "practised this week"),
        StoryStep(
            "capability", "Capability", summary.figure("steps_done_percent"), "of steps done"
        ),
        StoryStep("spread", "Spread", spread, spread_word),
        StoryStep("results", "Results", _results_figure(summary.results), "metrics better"),
        StoryStep(
            "value",
            "Value",
            summary.value[0],
            # The basis comes beside the band, in full (summary.value_basis).
            f"in the last {summary.scope.period_days} days",
        ),
    ]


def _enrollment_figures(
    scope: DashboardScope,
) -> tuple[list[Figure], list[Figure], list[Figure], Figure]:
    now = scope.now
    week_ago = now - timedelta(days=ACTIVE_DAYS)
    yesterday = (now.astimezone(UTC) - timedelta(days=1)).date()
    rollups = scope.filter(EnrollmentRollup.objects.all())
    on_streak = Q(streak_days__gte=2, streak_last_day__gte=yesterday)
    at_risk = Q(completed_at__isnull=True) & (
        Q(last_practiced_at__lt=week_ago)
        | Q(last_practiced_at__isnull=True, enrolled_at__lt=week_ago)
    )
    totals = rollups.aggregate(
        enrolled=Count("pk"),
        enrolled_in_period=Count("pk", filter=Q(enrolled_at__gte=scope.start)),
        started=Count("pk", filter=Q(started_at__isnull=False)),
        active=Count("pk", filter=Q(last_practiced_at__gte=week_ago)),
        at_risk=Count("pk", filter=at_risk),
        completed_in_period=Count("pk", filter=Q(completed_at__gte=scope.start)),
        mastered=Count("pk", filter=Q(mastered_at__isnull=False)),
        mastered_in_period=Count("pk", filter=Q(mastered_at__gte=scope.start)),
        on_streak=Count("pk", filter=on_streak),
        longest_streak=Max("streak_days", filter=on_streak),
        steps_total=Sum("steps_total"),
        steps_done=Sum("steps_done"),
        steps_attempted=Sum("steps_attempted"),
        first_confidence=Sum("first_confidence_sum"),
        latest_confidence=Sum("latest_confidence_sum"),
    )
    median_days = _medians(rollups.filter(completed_at__gte=scope.start), [], ["days_to_complete"])[
        ()
    ]["days_to_complete"]
    enrolled = totals["enrolled"]
    reach = [
        Figure(
            "enrolled",
            "Enrolled",
            enrolled,
            f"Enrolments (one per person and micromastery) not dropped; "
            f"{totals['enrolled_in_period']} of them new in the period.",
        ),
        Figure(
            "started",
            "Started",
            totals["started"],
            f"Enrolments with at least one practice attempt "
            f"({_share(totals['started'], enrolled) or 0}% of enrolled).",
        ),
        Figure(
            "active_7_days",
            "Active in the last 7 days",
            totals["active"],
            "Enrolments with a practice attempt in the 7 days up to now.",
        ),
        Figure(
            "at_risk",
            "At risk",
            totals["at_risk"],
            "Not complete and no practice for 7 days or more (or never, 7+ days after enrolling).",
        ),
        _overdue_figure(scope),
    ]
    capability = [
        Figure(
            "steps_done_percent",
            "Steps done",
            _share(totals["steps_done"] or 0, totals["steps_total"] or 0),
            f"{totals['steps_done'] or 0} of {totals['steps_total'] or 0} practice steps "
            "done (all repetitions, well spaced) across the enrolments.",
            "%",
        ),
        Figure(
            "confidence_first",
            "Confidence at first attempt",
            _rounded(
                (totals["first_confidence"] or 0) / totals["steps_attempted"]
                if totals["steps_attempted"]
                else None
            ),
            f"Mean confidence (1 to 5) at the first attempt of each of "
            f"{totals['steps_attempted'] or 0} practised steps.",
        ),
        Figure(
            "confidence_latest",
            "Confidence at latest attempt",
            _rounded(
                (totals["latest_confidence"] or 0) / totals["steps_attempted"]
                if totals["steps_attempted"]
                else None
            ),
            "Mean confidence (1 to 5) at the latest attempt of the same steps.",
        ),
    ]
    practice = [
        Figure(
            "median_days_to_complete",
            "Median days to complete",
            _rounded(median_days, 1),
            f"Median days from enrolling to completing, over the {totals['completed_in_period']} "
            "enrolments completed in the period.",
            "days",
        ),
        Figure(
            "on_streak",
            "On a streak",
            totals["on_streak"],
            "Enrolments practised on 2 or more consecutive days (UTC) up to today or yesterday.",
        ),
        Figure(
            "longest_streak",
            "Longest current streak",
            totals["longest_streak"],
            "The longest of those runs of consecutive practice days.",
            "days",
        ),
    ]
    mastered = Figure(
        "mastered",
        "Mastered",
        totals["mastered_in_period"],
        f"Enrolments marked mastered in the period ({totals['mastered']} in all).",
    )
    return reach, practice, capability, mastered


def _overdue_figure(scope: DashboardScope) -> Figure:
    """Assignments past due and not complete, by the cohorts' rule: a due date is met until
    the end of that day in the learner's own time zone, and an assignment is complete when
    every enrolment it made (or found) is complete.

    One query whatever the number of members: memberships are counted per due date and
    time zone in the database, and only the deadline of each such pair is checked here.
    """
    memberships = CohortMembership.objects.filter(
        removed_at__isnull=True,
        cohort__organization_id=scope.organization_id,
        # No time zone is more than 14 hours ahead of UTC: nothing due later is overdue yet.
        cohort__due_on__lte=scope.now.astimezone(UTC).date(),
    )
    if scope.cohort is not None:
        memberships = memberships.filter(cohort_id=scope.cohort.pk)
    else:
        memberships = memberships.filter(
            cohort_id__in=cohort_visible(viewer=scope.viewer).values("pk")
        )
    if scope.teams:
        memberships = memberships.filter(learner_id__in=scope._team_member_ids())
    if scope.micromastery_id:
        memberships = memberships.filter(
            Q(cohort__micromastery_id=scope.micromastery_id)
            | Q(
                cohort__course_id__in=CourseItem.objects.filter(
                    micromastery_id=scope.micromastery_id
                ).values("course_id")
            )
        )
    links = CohortEnrollment.objects.filter(membership_id=OuterRef("pk"))
    unfinished = memberships.filter(
        Exists(links.filter(enrollment__completed_at__isnull=True)) | ~Exists(links)
    )
    overdue = 0
    for row in (
        unfinished.values("cohort__due_on", "learner__time_zone")
        .annotate(assignments=Count("pk"))
        .order_by()
    ):
        deadline = due_deadline(row["cohort__due_on"], zoneinfo.ZoneInfo(row["learner__time_zone"]))
        if scope.now >= deadline:
            overdue += row["assignments"]
    where = f"in the cohort {scope.cohort.name}" if scope.cohort else "in the cohorts you can see"
    return Figure(
        "overdue",
        "Overdue",
        overdue,
        f"Assignments {where} past their due date (the end of that day in the learner's "
        "time zone) and not complete.",
    )


def _cohort_practice_by_week(scope: DashboardScope) -> QuerySet[Any]:
    """(week, attempts, distinct learners) of the cohort's enrolments, from the attempts.

    The weekly rollups are kept per team, not per cohort; a cohort's attempts are few enough
    to count in one grouped query.
    """
    first = datetime.combine(scope.first_week, time.min, tzinfo=UTC)
    last = datetime.combine(week_of(scope.now) + timedelta(days=7), time.min, tzinfo=UTC)
    attempts = PracticeAttempt.objects.filter(
        enrollment__micromastery__organization_id=scope.organization_id,
        enrollment__micromastery_id__in=scope.cohort_micromastery_ids(),
        enrollment__learner_id__in=scope.learner_ids(),
        practiced_at__gte=first,
        practiced_at__lt=last,
    )
    if scope.micromastery_id:
        attempts = attempts.filter(enrollment__micromastery_id=scope.micromastery_id)
    return (
        attempts.annotate(week=TruncWeek("practiced_at", output_field=DateField(), tzinfo=UTC))
        .values("week")
        .annotate(
            attempt_count=Count("pk"),
            learner_count=Count("enrollment__learner_id", distinct=True),
        )
        .order_by()
        .values_list("week", "attempt_count", "learner_count")
    )


def _weeks(scope: DashboardScope) -> list[WeekPoint]:
    rows = WeeklyPracticeRollup.objects.filter(
        organization_id=scope.organization_id,
        week__gte=scope.first_week,
        week__lte=week_of(scope.now),
    )
    micromastery_id = scope.micromastery_id
    rows = (
        rows.filter(micromastery_id=micromastery_id)
        if micromastery_id
        else rows.filter(micromastery=None)
    )
    rows = rows.filter(team_id__in=scope.team_ids) if scope.teams else rows.filter(team=None)
    counts = (
        _cohort_practice_by_week(scope)
        if scope.cohort is not None
        else rows.values_list("week", "attempts", "active_learners")
    )
    by_week: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for week, attempts, learners in counts:
        by_week[week][0] += attempts
        by_week[week][1] += learners
    points = []
    week = scope.first_week
    while week <= week_of(scope.now):
        attempts, learners = by_week.get(week, [0, 0])
        points.append(WeekPoint(week, attempts, learners))
        week += timedelta(days=7)
    return points


def _practice_rate(scope: DashboardScope, weeks: list[WeekPoint]) -> Figure:
    attempts = sum(point.attempts for point in weeks)
    learner_weeks = sum(point.active_learners for point in weeks)
    overlap = (
        " A learner in two of the selected teams counts in each."
        if len(scope.teams) > 1 and scope.cohort is None
        else ""
    )
    return Figure(
        "attempts_per_active_learner_week",
        "Attempts per active learner per week",
        round(attempts / learner_weeks, 2) if learner_weeks else None,
        f"{_count(attempts, 'attempt', 'attempts')} over "
        f"{_count(learner_weeks, 'learner-week', 'learner-weeks')} with practice, in the "
        f"{_count(len(weeks), 'week', 'weeks')} (Monday to Sunday, UTC) the period touches, "
        f"including practice of enrolments dropped since.{overlap}",
    )


def _results_and_value(
    scope: DashboardScope,
) -> tuple[list[MetricResult], list[Figure], list[ValueLine], list[RoiLine]]:
    in_period = scope.filter(MetricRollup.objects.all()).filter(
        latest_at__gte=scope.start, latest_at__lte=scope.end
    )
    paired = in_period.filter(baseline_value__isnull=False)
    counts = {
        (row["micromastery_id"], row["metric_key"], row["holdout"]): row
        for row in in_period.values("micromastery_id", "metric_key", "holdout").annotate(
            checkins=Count("pk"),
            learners=Count("pk", filter=Q(baseline_value__isnull=False)),
            with_target=Count(
                "pk", filter=Q(baseline_value__isnull=False, reached_target__isnull=False)
            ),
            reached=Count("pk", filter=Q(reached_target=True)),
            value_sum=Sum("value_units", filter=Q(baseline_value__isnull=False)),
            valued=Count("pk", filter=Q(baseline_value__isnull=False, value_units__isnull=False)),
            newest_metric_id=Max("metric_id"),
        )
    }
    by_holdout = _medians(
        paired, ["micromastery_id", "metric_key", "holdout"], ["change", "percent_change"]
    )
    overall = _medians(paired, ["micromastery_id", "metric_key"], ["change", "percent_change"])
    metrics = PayoffMetric.objects.in_bulk({row["newest_metric_id"] for row in counts.values()})
    costs = {
        cost.micromastery_id: cost
        for cost in LearningCost.objects.filter(micromastery__organization_id=scope.organization_id)
    }
    titles = {item.pk: item.title for item in scope.micromasteries}  # type: ignore[attr-defined]
    rate = scope.organization.hourly_cost_rate
    currency = scope.organization.currency

    grouped: dict[tuple[int, str], dict[bool, dict[str, Any]]] = defaultdict(dict)
    for (micromastery_id, key, holdout), row in counts.items():
        grouped[(micromastery_id, key)][holdout] = row
    results: list[MetricResult] = []
    value_lines: list[ValueLine] = []
    value_by_micromastery: dict[int, float] = defaultdict(float)
    for (micromastery_id, key), sides in sorted(
        grouped.items(), key=lambda item: (titles.get(item[0][0]) or "", item[0][1])
    ):
        metric = metrics[max(row["newest_metric_id"] for row in sides.values())]

        def group(
            label: str, rows: list[dict[str, Any]], medians: dict[str, float | None]
        ) -> ResultGroup:
            return ResultGroup(
                label=label,
                learners=sum(row["learners"] for row in rows),
                median_change=_rounded(medians.get("change")),
                median_percent_change=_rounded(medians.get("percent_change"), 1),
                with_target=sum(row["with_target"] for row in rows),
                reached_target=sum(row["reached"] for row in rows),
            )

        groups = [group("All", list(sides.values()), overall.get((micromastery_id, key), {}))]
        if True in sides:
            for holdout, label in ((False, "Nudged"), (True, "Holdout")):
                side = sides.get(holdout)
                groups.append(
                    group(
                        label,
                        [side] if side else [],
                        by_holdout.get((micromastery_id, key, holdout), {}),
                    )
                )
        better = "lower" if metric.direction == "lower" else "higher"
        target = (
            f" Target: {_plain(metric.target_change)} {metric.unit} {better}."
            if metric.target_change is not None
            else ""
        )
        without = sum(row["checkins"] - row["learners"] for row in sides.values())
        results.append(
            MetricResult(
                micromastery_id=micromastery_id,
                micromastery_title=titles.get(micromastery_id) or "",
                metric_key=key,
                name=metric.name,
                unit=metric.unit,
                direction=metric.direction,
                target_change=float(metric.target_change)
                if metric.target_change is not None
                else None,
                without_baseline=without,
                groups=groups,
                explanation=(
                    f"Latest check-in in the period minus the baseline, per learner, counted "
                    f"positive when {better} (the good direction for {metric.name}); "
                    f"% change is against the baseline.{target} "
                    + ngettext(
                        "%(count)d check-in without a baseline is left out.",
                        "%(count)d check-ins without a baseline are left out.",
                        without,
                    )
                    % {"count": without}
                ),
            )
        )
        units = sum(row["value_sum"] or 0 for row in sides.values())
        valued = sum(row["valued"] for row in sides.values())
        if metric.value_per_unit is None or not valued:
            continue
        if metric.value_basis == ValueBasis.HOURS:
            money = float(Decimal(str(units)) * rate)
            how = (
                f"Sum over {_learners(valued)} of the change in {metric.unit or 'units'} x "
                f"{_plain(metric.value_per_unit)} hours per unit = {units:,.2f} hours, "
                f"x the hourly cost rate {rate:,.2f} {currency}."
            )
            basis = f"{_learners_own(valued)} reported hours x {rate:,.2f} {currency}/h"
        else:
            money = units
            how = (
                f"Sum over {_learners(valued)} of the change in {metric.unit or 'units'} x "
                f"{_plain(metric.value_per_unit)} {currency} per unit."
            )
            basis = (
                f"{_learners_own(valued)} reported {metric.unit or 'units'} x "
                f"{_plain(metric.value_per_unit)} {currency} per {metric.unit or 'unit'}"
            )
        money = round(money, 2)
        value_by_micromastery[micromastery_id] += money
        value_lines.append(
            ValueLine(
                micromastery_id=micromastery_id,
                micromastery_title=titles.get(micromastery_id) or "",
                metric_name=metric.name,
                learners=valued,
                value=money,
                explanation=how,
                basis=basis,
            )
        )
    total = round(sum(line.value for line in value_lines), 2)
    value = [
        Figure(
            "value_total",
            "Value of the change",
            total if value_lines else None,
            f"{_value_basis(scope, value_lines)}: the sum of the value lines below, each "
            "metric with a value per unit, over the learners with a baseline and a check-in "
            "in the period (a change for the worse counts against).",
            currency,
        )
    ]
    roi_lines = []
    for micromastery_id, money in sorted(value_by_micromastery.items()):
        cost = costs.get(micromastery_id)
        if cost is None:
            continue
        amount = float(cost.amount)
        roi_lines.append(
            RoiLine(
                micromastery_id=micromastery_id,
                micromastery_title=titles.get(micromastery_id) or "",
                value=round(money, 2),
                cost=amount,
                roi_percent=round((money - amount) / amount * 100, 1),
                explanation=(
                    f"(Value {money:,.2f} - L&D cost {amount:,.2f}) / L&D cost x 100 "
                    f"(Phillips ROI), in {currency}."
                ),
            )
        )
    return results, value, value_lines, roi_lines


def _value_basis(scope: DashboardScope, value_lines: list[ValueLine]) -> str:
    """The period and what the money is made of, so that a value never stands alone."""
    period = f"In the last {scope.period_days} days"
    if not value_lines:
        return period
    if len(value_lines) == 1:
        return f"{period}, from {value_lines[0].basis}"
    return f"{period}, from {len(value_lines)} payoff metrics with a value per unit"


# A nudge "worked" when the learner practised within this long after it was sent.
NUDGE_EFFECT_WINDOW = timedelta(hours=24)


def _nudge_figures(scope: DashboardScope) -> list[Figure]:
    """Practice nudges sent, opened and clicked, and practice after them vs the holdout.

    Nudged side: the learner-days (recipient and local day: one nudge a day, over each of
    their channels) whose nudge went out at least 24 hours ago, and how many of them had a
    practice attempt within 24 hours after it. Holdout side (no practice nudges): every
    UTC day a holdout enrolment was enrolled and not yet complete, up to yesterday, and how
    many of those days had an attempt. Payoff check-in reminders are not practice nudges.
    Five queries whatever the data size.
    """
    sent = Nudge.objects.filter(
        recipient__organization_id=scope.organization_id,
        status=NudgeStatus.SENT,
        sent_at__gte=scope.start,
        sent_at__lte=scope.end,
    ).exclude(kind=NudgeKind.PAYOFF_CHECKIN_DUE)
    attempts_after = PracticeAttempt.objects.filter(
        enrollment__learner_id=OuterRef("recipient_id"),
        practiced_at__gte=OuterRef("sent_at"),
        practiced_at__lte=ExpressionWrapper(
            OuterRef("sent_at") + NUDGE_EFFECT_WINDOW, output_field=DateTimeField()
        ),
    )
    if scope.limits_learners:
        sent = sent.filter(recipient_id__in=scope.learner_ids())
    # With a micromastery or a cohort chosen: nudges of learners nudged on it, practice of it.
    subjects: list[int] | QuerySet[Any] | None = None
    if scope.micromastery_id:
        subjects = [scope.micromastery_id]
    elif scope.cohort is not None:
        subjects = scope.cohort_micromastery_ids()
    if subjects is not None:
        sent = sent.filter(
            Exists(
                Enrollment.objects.filter(
                    learner_id=OuterRef("recipient_id"),
                    micromastery_id__in=subjects,
                    holdout=False,
                ).exclude(status=EnrollmentStatus.DROPPED)
            )
        )
        attempts_after = attempts_after.filter(enrollment__micromastery_id__in=subjects)
    counts = sent.aggregate(
        sent=Count("pk"),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
    )
    complete = sent.filter(sent_at__lte=scope.now - NUDGE_EFFECT_WINDOW).order_by()
    nudged_days = complete.values("recipient_id", "local_date").distinct().count()
    practised_days = (
        complete.filter(Exists(attempts_after))
        .values("recipient_id", "local_date")
        .distinct()
        .count()
    )

    start = scope.start.astimezone(UTC)
    first_day = start.date() if start.time() == time.min else start.date() + timedelta(days=1)
    last_day = scope.now.astimezone(UTC).date() - timedelta(days=1)
    holdout = scope.filter(EnrollmentRollup.objects.filter(holdout=True))
    holdout_days = 0
    for enrolled_day, completed_day, enrolments in (
        holdout.annotate(
            enrolled_day=TruncDate("enrolled_at", tzinfo=UTC),
            completed_day=TruncDate("completed_at", tzinfo=UTC),
        )
        .values("enrolled_day", "completed_day")
        .annotate(enrolments=Count("pk"))
        .order_by()
        .values_list("enrolled_day", "completed_day", "enrolments")
    ):
        until = min(completed_day or last_day, last_day)
        holdout_days += enrolments * max(0, (until - max(enrolled_day, first_day)).days + 1)
    holdout_practice_days = (
        PracticeAttempt.objects.filter(
            enrollment_id__in=holdout.values("enrollment_id"),
            practiced_at__gte=datetime.combine(first_day, time.min, tzinfo=UTC),
            practiced_at__lt=datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC),
        )
        .annotate(day=TruncDate("practiced_at", tzinfo=UTC))
        .filter(
            Q(enrollment__completed_at__isnull=True)
            | Q(day__lte=TruncDate("enrollment__completed_at", tzinfo=UTC))
        )
        .order_by()
        .values("enrollment_id", "day")
        .distinct()
        .count()
    )

    nudged_rate = _share(practised_days, nudged_days)
    holdout_rate = _share(holdout_practice_days, holdout_days)
    which = (
        " With a micromastery or cohort chosen: nudges of its nudged learners and practice of it."
        if subjects is not None
        else ""
    )
    return [
        Figure(
            "nudges_sent",
            "Practice nudges sent",
            counts["sent"],
            "Messages sent in the period, one per channel (email, in-app, team chat); "
            f"payoff check-in reminders are not counted.{which}",
        ),
        Figure(
            "nudges_opened_percent",
            "Opened",
            _share(counts["opened"], counts["sent"]),
            f"{counts['opened']} of {counts['sent']} sent nudges opened (an email's image "
            "loaded, or the nudge's link followed from any channel).",
            "%",
        ),
        Figure(
            "nudges_clicked_percent",
            "Clicked",
            _share(counts["clicked"], counts["sent"]),
            f"{counts['clicked']} of {counts['sent']} sent nudges whose link was followed.",
            "%",
        ),
        Figure(
            "nudged_days_practised_percent",
            "Practised within 24 hours of a nudge",
            nudged_rate,
            f"{practised_days} of {nudged_days} nudged learner-days (a learner's own day "
            "with a nudge sent at least 24 hours ago) had a practice attempt in the 24 "
            "hours after the nudge.",
            "%",
        ),
        Figure(
            "holdout_days_practised_percent",
            "Holdout: days with practice",
            holdout_rate,
            f"{holdout_practice_days} of {_count(holdout_days, 'day', 'days')} (UTC, from the "
            "enrolment day to "
            "completion or yesterday) of holdout enrolments, who get no practice nudges, had "
            "a practice attempt.",
            "%",
        ),
        Figure(
            "nudge_effect_points",
            "Nudged minus holdout",
            round(nudged_rate - holdout_rate, 1)
            if nudged_rate is not None and holdout_rate is not None
            else None,
            "The practice rate after a nudge minus the holdout's daily practice rate, in "
            "percentage points: above 0, nudged learners practise more often.",
            "points",
        ),
    ]


def _at_risk_list(scope: DashboardScope, limit: int = 20) -> list[EnrollmentRollup]:
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


def dashboard_summary(*, scope: DashboardScope, with_people: bool = False) -> DashboardSummary:
    """Every number of the dashboard for the scope, from the rollups."""
    reach, practice, capability, mastered = _enrollment_figures(scope)
    weeks = _weeks(scope)
    practice.insert(0, _practice_rate(scope, weeks))
    spread = [figure for source in spread_sources for figure in source.spread_figures(scope=scope)]
    spread.append(mastered)
    results, value, value_lines, roi_lines = _results_and_value(scope)
    return DashboardSummary(
        scope=scope,
        reach=reach,
        practice=practice,
        weeks=weeks,
        capability=capability,
        spread=spread,
        results=results,
        value=value,
        value_lines=value_lines,
        roi_lines=roi_lines,
        nudges=_nudge_figures(scope),
        at_risk=_at_risk_list(scope) if with_people else [],
    )


# --- Per-learner rows ------------------------------------------------------------------


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
    learners = User.objects.filter(organization_id=scope.organization_id, pk=learner_id)
    visible_team_ids = [team.pk for team in scope.visible_teams]
    if not _sees_whole_organization(scope.viewer):
        learners = learners.filter(teams__in=visible_team_ids)
    learner = learners.distinct().first()
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
    managed = set(Team.objects.managed_by(scope.viewer).values_list("pk", flat=True))
    return LearnerDetail(
        learner=learner,
        teams=teams,
        enrollments=enrollments,
        rollups=rollups,
        before_after=before_after_map(learner=learner, enrollments=enrollments),
        manager_metrics=manager_metrics,
        can_confirm=any(team.pk in managed for team in teams),
    )


# --- Before / after for the learner ----------------------------------------------------


@dataclass
class BeforeAfter:
    metric: PayoffMetric
    baseline: Decimal | None
    baseline_skipped: bool
    latest: Decimal | None
    latest_at: datetime | None
    latest_kind: str
    change: float | None
    next_checkin_at: datetime | None
    # A check-in day of this learner-reported metric has come: the check-in form is open.
    checkin_open: bool = False

    @property
    def improved(self) -> bool | None:
        return None if self.change is None else self.change > 0


def before_after_map(
    *, learner: User, enrollments: list[Enrollment], now: datetime | None = None
) -> dict[int, list[BeforeAfter]]:
    """Per enrolment, each payoff metric's baseline, latest value and change (2 queries).

    ``enrollments`` come with ``version__payoff_metrics`` prefetched (or one query each).
    """
    from payoff.models import BaselineSkip
    from payoff.rollups import metric_change

    now = now or timezone.now()
    ids = [enrollment.pk for enrollment in enrollments if enrollment.learner_id == learner.pk]
    baselines: dict[tuple[int, int], Decimal] = {}
    latest: dict[tuple[int, int], PayoffMeasurement] = {}
    for measurement in PayoffMeasurement.objects.filter(enrollment_id__in=ids).order_by(
        "measured_at", "pk"
    ):
        key = (measurement.enrollment_id, measurement.metric_id)
        if measurement.kind == MeasurementKind.BASELINE:
            baselines[key] = measurement.value
        else:
            latest[key] = measurement
    skipped = set(
        BaselineSkip.objects.filter(enrollment_id__in=ids).values_list("enrollment_id", "metric_id")
    )
    result: dict[int, list[BeforeAfter]] = {}
    for enrollment in enrollments:
        if enrollment.pk not in ids:
            continue
        rows = []
        for metric in enrollment.version.payoff_metrics.all():
            key = (enrollment.pk, metric.pk)
            after = latest.get(key)
            change = metric_change(
                metric=metric, baseline=baselines.get(key), latest=after.value if after else None
            )["change"]
            upcoming = None
            come: set[int] = set()
            if enrollment.completed_at is not None:
                come = {
                    day
                    for day, _ in checkin_days_due(enrollment=enrollment, metric=metric, now=now)
                }
                future = sorted(
                    int(day) for day in metric.checkin_days or [] if int(day) not in come
                )
                if future:
                    upcoming = enrollment.completed_at + timedelta(days=future[0])
            rows.append(
                BeforeAfter(
                    metric=metric,
                    baseline=baselines.get(key),
                    baseline_skipped=key in skipped,
                    latest=after.value if after else None,
                    latest_at=after.measured_at if after else None,
                    latest_kind=after.get_kind_display() if after else "",
                    change=change,
                    next_checkin_at=upcoming,
                    checkin_open=bool(come) and metric.reported_by == MetricReporter.LEARNER,
                )
            )
        result[enrollment.pk] = rows
    return result


# --- The learner's check-in page -------------------------------------------------------


@dataclass
class CheckinPage:
    """What the learner's check-in page shows: every metric's before/after, the metrics
    whose check-in has come (one form for all of them), and when the first one comes."""

    rows: list[BeforeAfter]
    due: list[BeforeAfter]
    first_checkin_at: datetime | None
    first_checkin_days: int | None

    @property
    def learner_reports(self) -> bool:
        return any(row.metric.reported_by == MetricReporter.LEARNER for row in self.rows)


def checkin_page_get(
    *, learner: User, enrollment: Enrollment, now: datetime | None = None
) -> CheckinPage:
    """The check-in page of the learner's own enrolment (version metrics prefetched)."""
    now = now or timezone.now()
    rows = before_after_map(learner=learner, enrollments=[enrollment], now=now).get(
        enrollment.pk, []
    )
    own = [row for row in rows if row.metric.reported_by == MetricReporter.LEARNER]
    due = [
        row for row in own if checkin_days_due(enrollment=enrollment, metric=row.metric, now=now)
    ]
    days = [int(day) for row in own for day in row.metric.checkin_days or [] if int(day) >= 0]
    first_days = min(days) if days else None
    first_at = (
        enrollment.completed_at + timedelta(days=first_days)
        if enrollment.completed_at is not None and first_days is not None
        else None
    )
    return CheckinPage(rows=rows, due=due, first_checkin_at=first_at, first_checkin_days=first_days)


# --- Check-ins due (for the nudge planner) ---------------------------------------------


@dataclass(frozen=True)
class CheckinDue:
    enrollment: Enrollment
    metric: PayoffMetric
    checkin_day: int
    due_at: datetime


CHECKIN_LOOKBACK_DAYS = 14


def checkins_due(
    now: datetime | None = None, *, learner_ids: Sequence[int] | None = None
) -> list[CheckinDue]:
    """Check-ins that have come and are not answered yet, for the nudge planner.

    A check-in is due ``checkin_day`` days after completion for each metric of the learner's
    version, and answered by a check-in (learner-reported metric) or a manager confirmation
    (manager-reported: nudge the learner's managers) for that day. Only check-ins that came
    in the last ``CHECKIN_LOOKBACK_DAYS`` days are returned, so that a long-missed one is not
    nudged forever; the planner's dedupe key should include enrolment, metric and day.
    """
    now = now or timezone.now()
    longest = max(
        (
            max((int(day) for day in days or [0]), default=0)
            for days in PayoffMetric.objects.filter(
                version__enrollments__completed_at__isnull=False
            )
            .values_list("checkin_days", flat=True)
            .distinct()
        ),
        default=0,
    )
    earliest = now - timedelta(days=longest + CHECKIN_LOOKBACK_DAYS)
    enrollments_due = Enrollment.objects.filter(completed_at__gte=earliest, completed_at__lte=now)
    if learner_ids is not None:
        enrollments_due = enrollments_due.filter(learner_id__in=learner_ids)
    enrollments = list(
        enrollments_due.exclude(status=EnrollmentStatus.DROPPED)
        .select_related("learner", "micromastery", "version")
        .prefetch_related("version__payoff_metrics")
    )
    answered = set(
        PayoffMeasurement.objects.filter(
            enrollment__in=[enrollment.pk for enrollment in enrollments],
            kind__in=[MeasurementKind.CHECKIN, MeasurementKind.MANAGER_CONFIRMATION],
            checkin_day__isnull=False,
        ).values_list("enrollment_id", "metric_id", "checkin_day")
    )
    due: list[CheckinDue] = []
    for enrollment in enrollments:
        for metric in enrollment.version.payoff_metrics.all():
            for day, due_at in checkin_days_due(enrollment=enrollment, metric=metric, now=now):
                if due_at < now - timedelta(days=CHECKIN_LOOKBACK_DAYS):
                    continue
                if (enrollment.pk, metric.pk, day) in answered:
                    continue
                due.append(CheckinDue(enrollment, metric, day, due_at))
    return sorted(due, key=lambda item: (item.due_at, item.enrollment.pk, item.metric.pk))


# --- The learner's own enrolment (API) ---------------------------------------------------


@dataclass
class Baseline:
    """A learner-reported metric of the enrolment's version and its baseline, if given."""

    metric: PayoffMetric
    measurement: PayoffMeasurement | None


def baseline_list(*, enrollment: Enrollment) -> list[Baseline]:
    """One row per metric the learner reports, in the author's order, given or not."""
    metrics = (
        PayoffMetric.objects.filter(
            version_id=enrollment.version_id, reported_by=MetricReporter.LEARNER
        )
        .order_by("order", "pk")
        .prefetch_related(
            Prefetch(
                "measurements",
                queryset=PayoffMeasurement.objects.filter(
                    enrollment=enrollment, kind=MeasurementKind.BASELINE
                ),
                to_attr="enrollment_baselines",
            )
        )
    )
    return [Baseline(metric, next(iter(metric.enrollment_baselines), None)) for metric in metrics]


def measurement_list(*, enrollment: Enrollment) -> QuerySet[PayoffMeasurement]:
    """Every measurement of the enrolment (baselines, check-ins, confirmations), oldest first."""
    return (
        PayoffMeasurement.objects.filter(enrollment=enrollment)
        .select_related("metric")
        .order_by("measured_at", "pk")
    )
