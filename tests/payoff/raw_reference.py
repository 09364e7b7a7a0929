"""The dashboard's figures computed straight from the raw rows, the slow and obvious way.

An oracle for the rollups: it shares no code with payoff.rollups or payoff.dashboard.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, time, timedelta
from zoneinfo import ZoneInfo

from accounts.models import Team
from payoff.models import BaselineSkip, PayoffMeasurement
from practice.models import Enrollment, PracticeAttempt
from practice.nudges.models import Nudge


def raw_figures(scope):
    now = scope.now
    start = now - timedelta(days=scope.period_days)
    enrollments = Enrollment.objects.filter(micromastery__organization=scope.organization).exclude(
        status="dropped"
    )
    if scope.micromastery_id:
        enrollments = enrollments.filter(micromastery_id=scope.micromastery_id)
    members = set()
    if scope.teams:
        for team in Team.objects.filter(pk__in=scope.team_ids):
            members |= set(team.members.values_list("pk", flat=True))
        enrollments = enrollments.filter(learner_id__in=members)
    enrollments = list(enrollments.select_related("version", "learner"))
    attempts = defaultdict(list)
    for attempt in PracticeAttempt.objects.filter(enrollment__in=enrollments).order_by(
        "practiced_at", "pk"
    ):
        attempts[attempt.enrollment_id].append(attempt)

    week_ago = now - timedelta(days=7)
    out = {"enrolled": len(enrollments)}
    out["started"] = sum(1 for e in enrollments if e.started_at)
    out["active_7_days"] = sum(
        1 for e in enrollments if attempts[e.pk] and attempts[e.pk][-1].practiced_at >= week_ago
    )
    out["at_risk"] = sum(
        1
        for e in enrollments
        if e.completed_at is None
        and (
            (attempts[e.pk] and attempts[e.pk][-1].practiced_at < week_ago)
            or (not attempts[e.pk] and e.created_at < week_ago)
        )
    )
    completed = [
        (e.completed_at - e.created_at).total_seconds() / 86400
        for e in enrollments
        if e.completed_at and e.completed_at >= start
    ]
    out["median_days_to_complete"] = (
        round(statistics.median([round(days, 2) for days in completed]), 1) if completed else None
    )
    streaks = []
    steps_total = steps_done = attempted = first_sum = latest_sum = 0
    for e in enrollments:
        # The learner's streak: their working days, in their time zone; today is not over.
        zone = ZoneInfo(e.learner.time_zone)
        days = {a.practiced_at.astimezone(zone).date() for a in attempts[e.pk]}
        day = now.astimezone(zone).date()
        if day not in days:
            day -= timedelta(days=1)
        run = 0
        while days and day >= min(days):
            if day in days:
                run += 1
            elif day.isoweekday() in e.learner.working_days:
                break
            day -= timedelta(days=1)
        if run >= 2:
            streaks.append(run)
        steps = list(e.version.steps.all())
        steps_total += len(steps)
        for step in steps:
            own = [a for a in attempts[e.pk] if a.step_id == step.pk]
            if sum(1 for a in own if a.counts_as_repetition) >= step.repetitions_required:
                steps_done += 1
            if own:
                attempted += 1
                first_sum += own[0].confidence
                latest_sum += own[-1].confidence
    out["on_streak"] = len(streaks)
    out["longest_streak"] = max(streaks) if streaks else None
    out["steps_done_percent"] = round(100 * steps_done / steps_total, 1) if steps_total else None
    out["confidence_first"] = round(first_sum / attempted, 2) if attempted else None
    out["confidence_latest"] = round(latest_sum / attempted, 2) if attempted else None
    out["mastered"] = sum(1 for e in enrollments if e.mastered_at and e.mastered_at >= start)

    # Practice by week: per team, summed over the selected teams (whole org: everyone once).
    first_week = start.date() - timedelta(days=start.date().weekday())
    groups = (
        [set(Team.objects.get(pk=pk).members.values_list("pk", flat=True)) for pk in scope.team_ids]
        if scope.teams
        else [None]
    )
    # Attempts of enrolments dropped since still happened: they count here.
    practised = Enrollment.objects.filter(micromastery__organization=scope.organization)
    if scope.micromastery_id:
        practised = practised.filter(micromastery_id=scope.micromastery_id)
    total_attempts = learner_weeks = 0
    for group in groups:
        by_week = defaultdict(set)
        for e in practised:
            if group is not None and e.learner_id not in group:
                continue
            for a in PracticeAttempt.objects.filter(enrollment=e):
                day = a.practiced_at.astimezone(UTC).date()
                week = day - timedelta(days=day.weekday())
                if week >= first_week:
                    total_attempts += 1
                    by_week[week].add(e.learner_id)
        learner_weeks += sum(len(learners) for learners in by_week.values())
    out["attempts_per_active_learner_week"] = (
        round(total_attempts / learner_weeks, 2) if learner_weeks else None
    )

    # Results: per (micromastery, metric key), latest non-baseline value in the period.
    results = {}
    baselines, latest = {}, {}
    for m in (
        PayoffMeasurement.objects.filter(enrollment__in=enrollments)
        .select_related("metric")
        .order_by("measured_at", "pk")
    ):
        key = (m.enrollment_id, m.metric_id)
        if m.kind == "baseline":
            baselines[key] = m
        else:
            latest[key] = m
    holdout = {e.pk: e.holdout for e in enrollments}
    micromastery = {e.pk: e.micromastery_id for e in enrollments}
    changes = defaultdict(list)
    for key, after in latest.items():
        if not (start <= after.measured_at <= now):
            continue
        metric = after.metric
        group = (micromastery[key[0]], metric.key)
        results.setdefault(group, {"without_baseline": 0})
        before = baselines.get(key)
        if before is None:
            results[group]["without_baseline"] += 1
            continue
        delta = after.value - before.value
        if metric.direction == "lower":
            delta = -delta
        changes[group].append((holdout[key[0]], float(delta), metric))
    for group, rows in changes.items():
        values = [delta for _, delta, _ in rows]
        results[group]["learners"] = len(rows)
        results[group]["median_change"] = round(statistics.median(values), 2)
    out["results"] = results
    skips = BaselineSkip.objects.filter(enrollment__in=enrollments).count()
    out["_skips"] = skips
    out.update(raw_nudge_figures(scope, enrollments, attempts, members))
    return out


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def raw_nudge_figures(scope, enrollments, attempts, members):
    """Practice nudges sent in the period, practice within 24 hours of each learner-day's
    first nudge, the holdout."""
    now = scope.now
    start = now - timedelta(days=scope.period_days)
    practice_nudges = [
        nudge
        for nudge in Nudge.objects.filter(recipient__organization=scope.organization)
        if nudge.status == "sent"
        and nudge.sent_at is not None
        and nudge.kind != "payoff_checkin_due"
        and (not scope.teams or nudge.recipient_id in members)
    ]
    sent = [nudge for nudge in practice_nudges if start <= nudge.sent_at <= now]
    practice_of = defaultdict(list)
    for attempt in PracticeAttempt.objects.filter(
        enrollment__learner_id__in={nudge.recipient_id for nudge in practice_nudges}
    ).select_related("enrollment"):
        practice_of[attempt.enrollment.learner_id].append(attempt.practiced_at)
    # A learner-day counts by its first nudge (of all time, not only of the period).
    first_of_day = {}
    for nudge in sorted(practice_nudges, key=lambda nudge: (nudge.sent_at, nudge.pk)):
        first_of_day.setdefault((nudge.recipient_id, nudge.local_date), nudge)
    days = {
        key: any(
            nudge.sent_at <= moment <= nudge.sent_at + timedelta(hours=24)
            for moment in practice_of[nudge.recipient_id]
        )
        for key, nudge in first_of_day.items()
        if start <= nudge.sent_at <= now - timedelta(hours=24)
    }
    # Holdout: every UTC day from enrolling (or the period's first whole day) to completion
    # or yesterday, and the days among them with an attempt.
    first_day = (start + timedelta(days=1)).astimezone(UTC).date()
    if start.astimezone(UTC).time() == time.min:
        first_day = start.astimezone(UTC).date()
    last_day = now.astimezone(UTC).date() - timedelta(days=1)
    holdout_days = holdout_practised = 0
    for e in enrollments:
        if not e.holdout:
            continue
        until = e.completed_at.astimezone(UTC).date() if e.completed_at else last_day
        until = min(until, last_day)
        since = max(e.created_at.astimezone(UTC).date(), first_day)
        holdout_days += max(0, (until - since).days + 1)
        holdout_practised += len(
            {
                a.practiced_at.astimezone(UTC).date()
                for a in attempts[e.pk]
                if since <= a.practiced_at.astimezone(UTC).date() <= until
            }
        )
    nudged_rate = _share(sum(days.values()), len(days))
    holdout_rate = _share(holdout_practised, holdout_days)
    return {
        "nudges_sent": len(sent),
        "nudges_opened_percent": _share(sum(1 for n in sent if n.opened_at), len(sent)),
        "nudges_clicked_percent": _share(sum(1 for n in sent if n.clicked_at), len(sent)),
        "nudged_days_practised_percent": nudged_rate,
        "holdout_days_practised_percent": holdout_rate,
        "nudge_effect_points": round(nudged_rate - holdout_rate, 1)
        if nudged_rate is not None and holdout_rate is not None
        else None,
    }
