"""The dashboard's figures in plain SQL over the raw rows (PostgreSQL), with its rules.

The benchmark's yardstick: what a hand-written query over the raw tables costs for the same
numbers. It shares no code with payoff.dashboard or payoff.rollups; a test checks that both
give the same numbers. The rules, as the dashboard states them:

- enrolments in scope: the organization's, not dropped, of the selected teams' members;
- practice by week: Monday-to-Sunday UTC weeks the period touches, attempts of every
  enrolment (dropped ones too), distinct learners per week (per team, summed, with teams);
- streaks: the learner's own days (time zone, working days), standing until a whole
  working day passes without practice;
- results: the latest check-in in the period against the latest baseline, positive in the
  metric's good direction;
- nudges: practice kinds sent in the period; a nudged learner-day counts when its first
  nudge went out in the period at least 24 hours ago, and is practised when an attempt
  followed within 24 hours of that nudge;
  holdout: every UTC day of a holdout enrolment from enrolling to completion or yesterday.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

STREAK_HORIZON_DAYS = 400

SCOPE = """
WITH members AS (
  SELECT DISTINCT user_id FROM accounts_team_members WHERE team_id = ANY(%(teams)s)
), scoped AS (
  SELECT e.id, e.learner_id, e.micromastery_id, e.version_id, e.holdout, e.created_at,
         e.started_at, e.completed_at, e.mastered_at
  FROM practice_enrollment e JOIN courses_micromastery m ON m.id = e.micromastery_id
  WHERE m.organization_id = %(org)s AND e.status <> 'dropped'
    AND (NOT %(limit)s OR e.learner_id IN (SELECT user_id FROM members))
), att AS (
  SELECT a.id, a.enrollment_id, a.step_id, a.practiced_at, a.confidence,
         a.counts_as_repetition
  FROM practice_practiceattempt a JOIN scoped s ON s.id = a.enrollment_id
)
"""

ENROLMENTS = (
    SCOPE
    + """
, last_attempt AS (
  SELECT enrollment_id, max(practiced_at) AS last_at FROM att GROUP BY 1
), per_step AS (
  SELECT enrollment_id, step_id,
         (array_agg(confidence ORDER BY practiced_at, id))[1] AS first_conf,
         (array_agg(confidence ORDER BY practiced_at DESC, id DESC))[1] AS last_conf,
         count(*) FILTER (WHERE counts_as_repetition) AS repetitions
  FROM att GROUP BY 1, 2
), steps AS (
  SELECT s.id AS enrollment_id, st.id AS step_id, st.repetitions_required
  FROM scoped s JOIN courses_practicestep st ON st.version_id = s.version_id
), learner_days AS (
  SELECT l.enrollment_id, (l.last_at AT TIME ZONE u.time_zone)::date AS last_day, u.time_zone,
         CASE WHEN jsonb_array_length(u.working_days) = 0 THEN '[1,2,3,4,5]'::jsonb
              ELSE u.working_days END AS working
  FROM last_attempt l JOIN scoped s ON s.id = l.enrollment_id
  JOIN accounts_user u ON u.id = s.learner_id
), standing AS (
  -- A streak stands until the end of the next working day after the latest practice.
  SELECT * FROM learner_days c
  WHERE ((SELECT min(g)::date FROM generate_series(c.last_day + 1, c.last_day + 7,
            interval '1 day') g WHERE c.working @> to_jsonb(extract(isodow FROM g)::int))
         + 1)::timestamp AT TIME ZONE c.time_zone > %(now)s
), days AS (
  SELECT DISTINCT a.enrollment_id, (a.practiced_at AT TIME ZONE c.time_zone)::date AS day
  FROM att a JOIN standing c ON c.enrollment_id = a.enrollment_id
), streak_days AS (
  -- Walking back from the latest day, a streak ends at a gap holding a working day.
  SELECT x.enrollment_id, x.day, x.previous_day IS NOT NULL AND x.day - x.previous_day > 1
    AND EXISTS (
      SELECT 1 FROM generate_series(x.previous_day + 1, least(x.day - 1, x.previous_day + 7),
                                    interval '1 day') g
      WHERE c.working @> to_jsonb(extract(isodow FROM g)::int)) AS gap_below
  FROM (SELECT enrollment_id, day,
               lag(day) OVER (PARTITION BY enrollment_id ORDER BY day) AS previous_day
        FROM days) x
  JOIN standing c ON c.enrollment_id = x.enrollment_id
  WHERE x.day > c.last_day - %(horizon)s
), streaks AS (
  SELECT enrollment_id, count(*) AS run FROM (
    SELECT enrollment_id, bool_or(gap_below) OVER (
      PARTITION BY enrollment_id ORDER BY day DESC
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS broken
    FROM streak_days) walked
  WHERE broken IS NOT TRUE GROUP BY 1
), weekly AS (
  SELECT count(*) AS attempts,
         count(DISTINCT (coalesce(t.team_id, 0), e.learner_id,
                         date_trunc('week', a.practiced_at AT TIME ZONE 'UTC'))) AS learner_weeks
  FROM practice_practiceattempt a JOIN practice_enrollment e ON e.id = a.enrollment_id
  JOIN courses_micromastery m ON m.id = e.micromastery_id
  LEFT JOIN accounts_team_members t
    ON %(limit)s AND t.user_id = e.learner_id AND t.team_id = ANY(%(teams)s)
  WHERE m.organization_id = %(org)s
    AND a.practiced_at >= %(first_week)s AND a.practiced_at < %(after_this_week)s
    AND (NOT %(limit)s OR t.team_id IS NOT NULL)
), sent AS (
  SELECT n.recipient_id, n.local_date, n.sent_at, n.opened_at, n.clicked_at
  FROM practice_nudge n JOIN accounts_user u ON u.id = n.recipient_id
  WHERE u.organization_id = %(org)s AND n.status = 'sent' AND n.kind <> 'payoff_checkin_due'
    AND n.sent_at >= %(start)s AND n.sent_at <= %(now)s
    AND (NOT %(limit)s OR n.recipient_id IN (SELECT user_id FROM members))
), first_nudge AS (
  SELECT DISTINCT ON (n.recipient_id, n.local_date) n.recipient_id, n.local_date, n.sent_at
  FROM practice_nudge n JOIN accounts_user u ON u.id = n.recipient_id
  WHERE u.organization_id = %(org)s AND n.status = 'sent' AND n.kind <> 'payoff_checkin_due'
    AND n.sent_at IS NOT NULL
    AND (NOT %(limit)s OR n.recipient_id IN (SELECT user_id FROM members))
  ORDER BY n.recipient_id, n.local_date, n.sent_at, n.id
), nudged AS (
  SELECT n.recipient_id, n.local_date, EXISTS (
    SELECT 1 FROM practice_practiceattempt a JOIN practice_enrollment e ON e.id = a.enrollment_id
    WHERE e.learner_id = n.recipient_id
      AND a.practiced_at >= n.sent_at AND a.practiced_at <= n.sent_at + interval '24 hours'
  ) AS practised
  FROM first_nudge n
  WHERE n.sent_at >= %(start)s AND n.sent_at <= %(now)s - interval '24 hours'
), holdout AS (
  SELECT s.id, (s.created_at AT TIME ZONE 'UTC')::date AS enrolled_day,
         (s.completed_at AT TIME ZONE 'UTC')::date AS completed_day
  FROM scoped s WHERE s.holdout
)
SELECT
  (SELECT count(*) FROM scoped),
  (SELECT count(*) FROM scoped WHERE started_at IS NOT NULL),
  (SELECT count(*) FROM last_attempt WHERE last_at >= %(week_ago)s),
  (SELECT count(*) FROM scoped s LEFT JOIN last_attempt l ON l.enrollment_id = s.id
    WHERE s.completed_at IS NULL AND coalesce(l.last_at, s.created_at) < %(week_ago)s),
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY
      round((extract(epoch FROM completed_at - created_at) / 86400)::numeric, 2))
    FROM scoped WHERE completed_at >= %(start)s),
  (SELECT count(*) FROM streaks WHERE run >= 2),
  (SELECT max(run) FROM streaks WHERE run >= 2),
  (SELECT count(*) FROM steps),
  (SELECT count(*) FROM steps st JOIN per_step p
     ON p.enrollment_id = st.enrollment_id AND p.step_id = st.step_id
   WHERE p.repetitions >= st.repetitions_required),
  (SELECT count(*) FROM per_step), (SELECT sum(first_conf) FROM per_step),
  (SELECT sum(last_conf) FROM per_step),
  (SELECT count(*) FROM scoped WHERE mastered_at >= %(start)s),
  (SELECT attempts FROM weekly), (SELECT learner_weeks FROM weekly),
  (SELECT count(*) FROM sent), (SELECT count(*) FROM sent WHERE opened_at IS NOT NULL),
  (SELECT count(*) FROM sent WHERE clicked_at IS NOT NULL),
  (SELECT count(*) FROM nudged), (SELECT count(*) FROM nudged WHERE practised),
  (SELECT coalesce(sum(greatest(0, least(coalesce(completed_day, %(last_day)s), %(last_day)s)
                               - greatest(enrolled_day, %(first_day)s) + 1)), 0) FROM holdout),
  (SELECT count(*) FROM (
     SELECT DISTINCT a.enrollment_id, (a.practiced_at AT TIME ZONE 'UTC')::date AS day
     FROM att a JOIN holdout h ON h.id = a.enrollment_id
     WHERE a.practiced_at >= %(first_day)s::date AND a.practiced_at < %(last_day)s::date + 1
       AND (h.completed_day IS NULL
            OR (a.practiced_at AT TIME ZONE 'UTC')::date <= h.completed_day)) practised)
"""
)

RESULTS = (
    SCOPE
    + """
, meas AS (
  SELECT p.enrollment_id, p.metric_id, p.kind, p.value, p.measured_at,
         row_number() OVER (PARTITION BY p.enrollment_id, p.metric_id, p.kind = 'baseline'
                            ORDER BY p.measured_at DESC, p.id DESC) AS newest
  FROM payoff_payoffmeasurement p JOIN scoped s ON s.id = p.enrollment_id
), pairs AS (
  SELECT s.micromastery_id, pm.key, pm.value_per_unit, pm.value_basis, pm.target_change,
         b.value AS baseline,
         CASE WHEN b.value IS NULL THEN NULL
              WHEN pm.direction = 'higher' THEN l.value - b.value
              ELSE b.value - l.value END AS change
  FROM meas l JOIN scoped s ON s.id = l.enrollment_id
  JOIN courses_payoffmetric pm ON pm.id = l.metric_id
  LEFT JOIN meas b ON b.enrollment_id = l.enrollment_id AND b.metric_id = l.metric_id
    AND b.kind = 'baseline' AND b.newest = 1
  WHERE l.kind <> 'baseline' AND l.newest = 1
    AND l.measured_at >= %(start)s AND l.measured_at <= %(now)s
)
SELECT micromastery_id, key, count(*) FILTER (WHERE baseline IS NULL), count(change),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY change),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY change / abs(baseline) * 100)
         FILTER (WHERE baseline <> 0),
       count(*) FILTER (WHERE change >= target_change),
       sum(change * value_per_unit) FILTER (WHERE value_basis = 'hours'),
       sum(change * value_per_unit) FILTER (WHERE value_basis <> 'hours')
FROM pairs GROUP BY 1, 2
"""
)


def _share(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _mean(total: float | None, count: int) -> float | None:
    return round(float(total or 0) / count, 2) if count else None


def raw_figures(
    cursor: Any,
    *,
    organization_id: int,
    team_ids: list[int],
    now: datetime,
    period_days: int,
    hourly_rate: float,
) -> dict[str, Any]:
    """Every figure of the dashboard for one scope, keyed like the dashboard's figures."""
    start = now - timedelta(days=period_days)
    start_day = start.astimezone(UTC)
    first_day = (
        start_day.date() if start_day.time() == time.min else start_day.date() + timedelta(days=1)
    )
    start_date = start_day.date()
    first_week = start_date - timedelta(days=start_date.weekday())
    today = now.astimezone(UTC).date()
    this_week = today - timedelta(days=today.weekday())
    params = {
        "org": organization_id,
        "teams": list(team_ids),
        "limit": bool(team_ids),
        "now": now,
        "start": start,
        "week_ago": now - timedelta(days=7),
        "first_week": datetime.combine(first_week, time.min, tzinfo=UTC),
        "after_this_week": datetime.combine(this_week + timedelta(days=7), time.min, tzinfo=UTC),
        "first_day": first_day,
        "last_day": today - timedelta(days=1),
        "horizon": STREAK_HORIZON_DAYS,
    }
    cursor.execute(ENROLMENTS, params)
    (
        enrolled, started, active, at_risk, median_days, on_streak, longest, steps_total,
        steps_done, attempted, first_sum, latest_sum, mastered, attempts, learner_weeks,
        sent, opened, clicked, nudged_days, practised_days, holdout_days, holdout_practised,
    ) = cursor.fetchone()  # fmt: skip
    nudged_rate = _share(practised_days, nudged_days)
    holdout_rate = _share(holdout_practised, holdout_days)
    figures: dict[str, Any] = {
        "enrolled": enrolled,
        "started": started,
        "active_7_days": active,
        "at_risk": at_risk,
        "attempts_per_active_learner_week": round(attempts / learner_weeks, 2)
        if learner_weeks
        else None,
        "median_days_to_complete": round(float(median_days), 1)
        if median_days is not None
        else None,
        "on_streak": on_streak,
        "longest_streak": longest,
        "steps_done_percent": _share(steps_done, steps_total),
        "confidence_first": _mean(first_sum, attempted),
        "confidence_latest": _mean(latest_sum, attempted),
        "mastered": mastered,
        "nudges_sent": sent,
        "nudges_opened_percent": _share(opened, sent),
        "nudges_clicked_percent": _share(clicked, sent),
        "nudged_days_practised_percent": nudged_rate,
        "holdout_days_practised_percent": holdout_rate,
        "nudge_effect_points": round(nudged_rate - holdout_rate, 1)
        if nudged_rate is not None and holdout_rate is not None
        else None,
    }
    cursor.execute(RESULTS, params)
    results: dict[tuple[int, str], dict[str, Any]] = {}
    value_lines: list[float] = []
    for row in cursor.fetchall():
        micromastery_id, key, without, learners, median, median_percent, reached = row[:7]
        hours, money = row[7:]
        results[(micromastery_id, key)] = {
            "without_baseline": without,
            "learners": learners,
            "median_change": round(float(median), 2) if median is not None else None,
            "median_percent_change": round(float(median_percent), 1)
            if median_percent is not None
            else None,
            "reached_target": reached,
        }
        if hours is not None:
            value_lines.append(round(float(hours) * hourly_rate, 2))
        if money is not None:
            value_lines.append(round(float(money), 2))
    figures["results"] = results
    figures["value_total"] = round(sum(value_lines), 2) if value_lines else None
    return figures
