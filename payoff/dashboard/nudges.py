"""Nudges: what was sent, and whether nudged learners practised more than the holdout."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from payoff.dashboard.aggregates import share
from payoff.dashboard.scope import DashboardScope
from payoff.figures import Figure
from payoff.models import (
    EnrollmentRollup,
    HoldoutPracticeDay,
    NudgeDayRollup,
    NudgeEffectRollup,
)
from payoff.rollups import NUDGE_EFFECT_WINDOW
from practice.models import PracticeAttempt


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _first_whole_day(scope: DashboardScope) -> date:
    """The period's first whole UTC day (its start, if that is a midnight)."""
    start = scope.start.astimezone(UTC)
    return start.date() if start.time() == time.min else start.date() + timedelta(days=1)


def _whole_organization_counts(scope: DashboardScope) -> dict[str, int]:
    """Sent, opened, clicked, nudged and practised learner-days, holdout days practised.

    The period's whole UTC days come summed from ``NudgeDayRollup``; the part-days at its
    ends (from the start to the next midnight, and from midnight to now, or to 24 hours
    ago for learner-days) from the per-nudge rows. Two queries, a few days of rows.
    """
    start, now = scope.start.astimezone(UTC), scope.now.astimezone(UTC)
    complete_until = now - NUDGE_EFFECT_WINDOW
    first_whole_day = _first_whole_day(scope)
    today, complete_day = now.date(), complete_until.date()
    whole_days = NudgeDayRollup.objects.filter(
        organization_id=scope.organization_id,
        day__gte=first_whole_day,
        day__lt=today,
    ).aggregate(
        sent=Sum("nudges_sent"),
        opened=Sum("nudges_opened"),
        clicked=Sum("nudges_clicked"),
        nudged=Sum("nudged_days", filter=Q(day__lt=complete_day)),
        practised=Sum("nudged_days_practised", filter=Q(day__lt=complete_day)),
        holdout_practised=Sum("holdout_days_practised"),
    )
    head = Q(sent_at__gte=start, sent_at__lt=_midnight(first_whole_day))
    sent_tail = Q(sent_at__gte=_midnight(today), sent_at__lte=now)
    complete_tail = Q(sent_at__gte=_midnight(complete_day), sent_at__lte=complete_until)
    sent = head | sent_tail
    first = Q(first_of_day=True) & (head | complete_tail)
    part_days = NudgeEffectRollup.objects.filter(
        Q(organization_id=scope.organization_id) & (head | sent_tail | complete_tail)
    ).aggregate(
        sent=Count("pk", filter=sent),
        opened=Count("pk", filter=sent & Q(opened=True)),
        clicked=Count("pk", filter=sent & Q(clicked=True)),
        nudged=Count("pk", filter=first),
        practised=Count("pk", filter=first & Q(practised=True)),
    )
    return {
        key: (whole_days[key] or 0) + part_days.get(key, 0)
        for key in ("sent", "opened", "clicked", "nudged", "practised", "holdout_practised")
    }


def _counts_from_rows(
    scope: DashboardScope, subjects: list[int] | QuerySet[Any] | None
) -> dict[str, int]:
    """The same counts from the per-nudge and holdout-day rows of the scope's learners.

    With a micromastery or cohort chosen (``subjects``): nudges of learners enrolled in it
    (not dropped, not holdout), and practice of it within 24 hours of a learner-day's first
    nudge, looked up in the attempts of those few learner-days.
    """
    effects = NudgeEffectRollup.objects.filter(
        organization_id=scope.organization_id, sent_at__gte=scope.start, sent_at__lte=scope.end
    )
    if scope.limits_learners:
        effects = effects.filter(learner_id__in=scope.learner_ids())
    practised = Q(practised=True)
    if subjects is not None:
        effects = effects.filter(
            Exists(
                EnrollmentRollup.objects.filter(
                    organization_id=scope.organization_id,
                    learner_id=OuterRef("learner_id"),
                    micromastery_id__in=subjects,
                    holdout=False,
                    dropped=False,
                )
            )
        )
        practised = Q(
            Exists(
                PracticeAttempt.objects.filter(
                    enrollment__learner_id=OuterRef("learner_id"),
                    enrollment__micromastery_id__in=subjects,
                    practiced_at__gte=OuterRef("sent_at"),
                    practiced_at__lte=ExpressionWrapper(
                        OuterRef("sent_at") + NUDGE_EFFECT_WINDOW, output_field=DateTimeField()
                    ),
                )
            )
        )
    first = Q(first_of_day=True, sent_at__lte=scope.now - NUDGE_EFFECT_WINDOW)
    counts = effects.aggregate(
        sent=Count("pk"),
        opened=Count("pk", filter=Q(opened=True)),
        clicked=Count("pk", filter=Q(clicked=True)),
        nudged=Count("pk", filter=first),
        practised=Count("pk", filter=first & practised),
    )
    counts["holdout_practised"] = (
        scope.filter(HoldoutPracticeDay.objects.all())
        .filter(day__gte=_first_whole_day(scope), day__lt=scope.now.astimezone(UTC).date())
        .count()
    )
    return counts


def nudge_figures(scope: DashboardScope) -> list[Figure]:
    """Practice nudges sent, opened and clicked, and practice after them vs the holdout.

    Nudged side: the learner-days (recipient and local day: one nudge a day, over each of
    their channels) whose first nudge went out at least 24 hours ago, and how many of them
    had a practice attempt within 24 hours after it. Holdout side (no practice nudges):
    every UTC day a holdout enrolment was enrolled and not yet complete, up to yesterday,
    and how many of those days had an attempt. Payoff check-in reminders are not practice
    nudges.

    Everything comes from the rollups (``NudgeDayRollup`` for the whole organization,
    ``NudgeEffectRollup`` and ``HoldoutPracticeDay`` for teams, a micromastery or a cohort)
    and the holdout enrolments' days from ``EnrollmentRollup``: three queries whatever the
    data size.
    """
    # With a micromastery or a cohort chosen: nudges of learners nudged on it, practice of it.
    subjects: list[int] | QuerySet[Any] | None = None
    if scope.micromastery_id:
        subjects = [scope.micromastery_id]
    elif scope.cohort is not None:
        subjects = scope.cohort_micromastery_ids()
    counts = (
        _whole_organization_counts(scope)
        if subjects is None and not scope.limits_learners
        else _counts_from_rows(scope, subjects)
    )
    nudged_days, practised_days = counts["nudged"], counts["practised"]
    holdout_practice_days = counts["holdout_practised"]

    first_day = _first_whole_day(scope)
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

    nudged_rate = share(practised_days, nudged_days)
    holdout_rate = share(holdout_practice_days, holdout_days)
    which = (
        " "
        + _(
            "With a micromastery or cohort chosen: nudges of its nudged learners and practice "
            "of it."
        )
        if subjects is not None
        else ""
    )
    return [
        Figure(
            "nudges_sent",
            _("Practice nudges sent"),
            counts["sent"],
            _(
                "Messages sent in the period, one per channel (email, in-app, team chat); "
                "payoff check-in reminders are not counted."
            )
            + which,
        ),
        Figure(
            "nudges_opened_percent",
            _("Opened"),
            share(counts["opened"], counts["sent"]),
            ngettext(
                "%(opened)d of %(count)d sent nudge opened (an email's image loaded, or the "
                "nudge's link followed from any channel).",
                "%(opened)d of %(count)d sent nudges opened (an email's image loaded, or the "
                "nudge's link followed from any channel).",
                counts["sent"],
            )
            % {"opened": counts["opened"], "count": counts["sent"]},
            "%",
        ),
        Figure(
            "nudges_clicked_percent",
            _("Clicked"),
            share(counts["clicked"], counts["sent"]),
            ngettext(
                "%(clicked)d of %(count)d sent nudge whose link was followed.",
                "%(clicked)d of %(count)d sent nudges whose link was followed.",
                counts["sent"],
            )
            % {"clicked": counts["clicked"], "count": counts["sent"]},
            "%",
        ),
        Figure(
            "nudged_days_practised_percent",
            _("Practised within 24 hours of a nudge"),
            nudged_rate,
            ngettext(
                "%(practised)d of %(count)d nudged learner-day (a learner's own day whose "
                "first nudge went out at least 24 hours ago) had a practice attempt in the 24 "
                "hours after that nudge.",
                "%(practised)d of %(count)d nudged learner-days (a learner's own day whose "
                "first nudge went out at least 24 hours ago) had a practice attempt in the 24 "
                "hours after that nudge.",
                nudged_days,
            )
            % {"practised": practised_days, "count": nudged_days},
            "%",
        ),
        Figure(
            "holdout_days_practised_percent",
            _("Holdout: days with practice"),
            holdout_rate,
            ngettext(
                "%(practised)d of %(count)d day (UTC, from the enrolment day to completion or "
                "yesterday) of holdout enrolments, who get no practice nudges, had a practice "
                "attempt.",
                "%(practised)d of %(count)d days (UTC, from the enrolment day to completion or "
                "yesterday) of holdout enrolments, who get no practice nudges, had a practice "
                "attempt.",
                holdout_days,
            )
            % {"practised": holdout_practice_days, "count": holdout_days},
            "%",
        ),
        Figure(
            "nudge_effect_points",
            _("Nudged minus holdout"),
            round(nudged_rate - holdout_rate, 1)
            if nudged_rate is not None and holdout_rate is not None
            else None,
            _(
                "The practice rate after a nudge minus the holdout's daily practice rate, in "
                "percentage points: above 0, nudged learners practise more often."
            ),
            pgettext("unit of a figure: percentage points", "points"),
        ),
    ]
