"""Reach, practice and capability: the figures read from the enrolment rollups, and
practice by week."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateField,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts import policies
from courses.models import (
    CourseItem,
)
from payoff.dashboard.aggregates import ACTIVE_DAYS, grouped_medians, rounded, share
from payoff.dashboard.scope import DashboardScope
from payoff.figures import Figure, localized_percent
from payoff.models import (
    EnrollmentRollup,
    WeeklyPracticeRollup,
)
from payoff.rollups import week_of
from practice.cohorts.models import CohortEnrollment, CohortMembership
from practice.cohorts.selectors import due_deadline
from practice.models import PracticeAttempt


@dataclass
class WeekPoint:
    week: date
    attempts: int
    active_learners: int

    @property
    def per_learner(self) -> float | None:
        return round(self.attempts / self.active_learners, 2) if self.active_learners else None


def enrollment_figures(
    scope: DashboardScope,
) -> tuple[list[Figure], list[Figure], list[Figure], Figure]:
    now = scope.now
    week_ago = now - timedelta(days=ACTIVE_DAYS)
    rollups = scope.filter(EnrollmentRollup.objects.all())
    # The learner's own streak rule (User.streak), as the rollup saw it at the latest
    # practice, still standing now.
    on_streak = Q(streak_days__gte=2, streak_breaks_at__gt=now)
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
    median_days = grouped_medians(
        rollups.filter(completed_at__gte=scope.start), [], ["days_to_complete"]
    )[()]["days_to_complete"]
    enrolled = totals["enrolled"]
    reach = [
        Figure(
            "enrolled",
            pgettext("dashboard figure", "Enrolled"),
            enrolled,
            _(
                "Enrolments (one per person and micromastery) not dropped; %(new)d of them new "
                "in the period."
            )
            % {"new": totals["enrolled_in_period"]},
        ),
        Figure(
            "started",
            _("Started"),
            totals["started"],
            _("Enrolments with at least one practice attempt (%(percent)s of enrolled).")
            % {"percent": localized_percent(share(totals["started"], enrolled) or 0)},
        ),
        Figure(
            "active_7_days",
            _("Active in the last 7 days"),
            totals["active"],
            _("Enrolments with a practice attempt in the 7 days up to now."),
        ),
        Figure(
            "at_risk",
            _("At risk"),
            totals["at_risk"],
            _(
                "Not complete and no practice for 7 days or more (or never, 7+ days after "
                "enrolling)."
            ),
        ),
        _overdue_figure(scope),
    ]
    capability = [
        Figure(
            "steps_done_percent",
            _("Steps done"),
            share(totals["steps_done"] or 0, totals["steps_total"] or 0),
            _(
                "%(done)d of %(total)d practice steps done (all repetitions, well spaced) "
                "across the enrolments."
            )
            % {"done": totals["steps_done"] or 0, "total": totals["steps_total"] or 0},
            "%",
        ),
        Figure(
            "confidence_first",
            _("Confidence at first attempt"),
            rounded(
                (totals["first_confidence"] or 0) / totals["steps_attempted"]
                if totals["steps_attempted"]
                else None
            ),
            ngettext(
                "Mean confidence (1 to 5) at the first attempt of each of %(count)d practised "
                "step.",
                "Mean confidence (1 to 5) at the first attempt of each of %(count)d practised "
                "steps.",
                totals["steps_attempted"] or 0,
            )
            % {"count": totals["steps_attempted"] or 0},
        ),
        Figure(
            "confidence_latest",
            _("Confidence at latest attempt"),
            rounded(
                (totals["latest_confidence"] or 0) / totals["steps_attempted"]
                if totals["steps_attempted"]
                else None
            ),
            _("Mean confidence (1 to 5) at the latest attempt of the same steps."),
        ),
    ]
    practice = [
        Figure(
            "median_days_to_complete",
            _("Median days to complete"),
            rounded(median_days, 1),
            ngettext(
                "Median days from enrolling to completing, over the %(count)d enrolment "
                "completed in the period.",
                "Median days from enrolling to completing, over the %(count)d enrolments "
                "completed in the period.",
                totals["completed_in_period"],
            )
            % {"count": totals["completed_in_period"]},
            pgettext("unit of a figure", "days"),
        ),
        Figure(
            "on_streak",
            _("On a streak"),
            totals["on_streak"],
            _("Enrolments practised on 2 or more consecutive days (UTC) up to today or yesterday."),
        ),
        Figure(
            "longest_streak",
            _("Longest current streak"),
            totals["longest_streak"],
            _("The longest of those runs of consecutive practice days."),
            pgettext("unit of a figure", "days"),
        ),
    ]
    mastered = Figure(
        "mastered",
        pgettext("dashboard figure", "Mastered"),
        totals["mastered_in_period"],
        _("Enrolments marked mastered in the period (%(count)d in all).")
        % {"count": totals["mastered"]},
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
            cohort_id__in=policies.cohorts_visible_to(scope.viewer).values("pk")
        )
    if scope.teams:
        memberships = memberships.filter(learner_id__in=scope.team_member_ids())
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
    explanation = (
        _(
            "Assignments in the cohort %(cohort)s past their due date (the end of that day in "
            "the learner's time zone) and not complete."
        )
        % {"cohort": scope.cohort.name}
        if scope.cohort
        else _(
            "Assignments in the cohorts you can see past their due date (the end of that day "
            "in the learner's time zone) and not complete."
        )
    )
    return Figure("overdue", _("Overdue"), overdue, explanation)


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


def weekly_practice(scope: DashboardScope) -> list[WeekPoint]:
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


def practice_rate(scope: DashboardScope, weeks: list[WeekPoint]) -> Figure:
    attempts = sum(point.attempts for point in weeks)
    learner_weeks = sum(point.active_learners for point in weeks)
    overlap = (
        " " + _("A learner in two of the selected teams counts in each.")
        if len(scope.teams) > 1 and scope.cohort is None
        else ""
    )
    counts = {
        "attempts": ngettext("%(count)d attempt", "%(count)d attempts", attempts)
        % {"count": attempts},
        "learner_weeks": ngettext(
            "%(count)d learner-week", "%(count)d learner-weeks", learner_weeks
        )
        % {"count": learner_weeks},
        "weeks": ngettext("%(count)d week", "%(count)d weeks", len(weeks)) % {"count": len(weeks)},
    }
    return Figure(
        "attempts_per_active_learner_week",
        _("Attempts per active learner per week"),
        round(attempts / learner_weeks, 2) if learner_weeks else None,
        _(
            "%(attempts)s over %(learner_weeks)s with practice, in the %(weeks)s (Monday to "
            "Sunday, UTC) the period touches, including practice of enrolments dropped since."
        )
        % counts
        + overlap,
    )
