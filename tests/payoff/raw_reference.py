"""The dashboard's figures computed straight from the raw rows, the slow and obvious way.

An oracle for the rollups: it shares no code with payoff.rollups or payoff.dashboard.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from accounts.models import Team
from payoff.models import BaselineSkip, PayoffMeasurement
from practice.models import Enrollment, PracticeAttempt


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
    return out
