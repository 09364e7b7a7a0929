"""Nudges: what was sent, and whether nudged learners practised more than the holdout."""

from __future__ import annotations

from datetime import UTC, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from payoff.dashboard.aggregates import share
from payoff.dashboard.scope import DashboardScope
from payoff.figures import Figure
from payoff.models import EnrollmentRollup, HoldoutPracticeDay, NudgeEffectRollup
from payoff.rollups import NUDGE_EFFECT_WINDOW, practice_nudges_sent
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt


def nudge_figures(scope: DashboardScope) -> list[Figure]:
    """Practice nudges sent, opened and clicked, and practice after them vs the holdout.

    Nudged side: the learner-days (recipient and local day: one nudge a day, over each of
    their channels) whose nudge went out at least 24 hours ago, and how many of them had a
    practice attempt within 24 hours after it. Holdout side (no practice nudges): every
    UTC day a holdout enrolment was enrolled and not yet complete, up to yesterday, and how
    many of those days had an attempt. Payoff check-in reminders are not practice nudges.

    Whether a nudged day was practised, and which holdout days were, come from the rollups
    (``NudgeEffectRollup``, ``HoldoutPracticeDay``), not from the attempts. With a
    micromastery or cohort chosen only practice of it counts, which the nudge rollup does
    not record: that view looks for the attempts after each of its nudges. Four queries
    whatever the data size (five with a micromastery or cohort).
    """
    sent = practice_nudges_sent().filter(
        recipient__organization_id=scope.organization_id,
        sent_at__gte=scope.start,
        sent_at__lte=scope.end,
    )
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
    complete_until = scope.now - NUDGE_EFFECT_WINDOW
    if subjects is None:
        effects = NudgeEffectRollup.objects.filter(
            organization_id=scope.organization_id,
            sent_at__gte=scope.start,
            sent_at__lte=min(scope.end, complete_until),
        )
        if scope.limits_learners:
            effects = effects.filter(learner_id__in=scope.learner_ids())
        days = effects.aggregate(
            nudged=Count("learner_day", distinct=True),
            practised=Count("learner_day", distinct=True, filter=Q(practised=True)),
        )
        nudged_days, practised_days = days["nudged"], days["practised"]
    else:
        complete = sent.filter(sent_at__lte=complete_until).order_by()
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
        scope.filter(HoldoutPracticeDay.objects.all())
        .filter(day__gte=first_day, day__lte=last_day)
        .count()
    )

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
                "%(practised)d of %(count)d nudged learner-day (a learner's own day with a "
                "nudge sent at least 24 hours ago) had a practice attempt in the 24 hours "
                "after the nudge.",
                "%(practised)d of %(count)d nudged learner-days (a learner's own day with a "
                "nudge sent at least 24 hours ago) had a practice attempt in the 24 hours "
                "after the nudge.",
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
