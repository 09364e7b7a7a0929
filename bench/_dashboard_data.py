"""The dashboard benchmark's organizations, filled with set-based SQL (PostgreSQL).

Every large table (people, memberships, enrolments, measurements, attempts, nudges) is one
``INSERT ... SELECT`` over ``generate_series`` with ``random()`` seeded per organization, so
that 2,000,000 attempts take seconds to write, not the minutes that building rows in Python
took. The few hundred steps and metrics are model rows (bulk_create).

What the data holds, per organization (``scale`` shrinks it):

- 20,000 learners in teams of 40, each team managed by its first member;
- 200 published micromasteries of three steps and two payoff metrics (one priced in hours,
  one in money), 20 of them with an L&D cost;
- five enrolments per learner, enrolled at a random moment of the last year: 40% completed
  5 to 60 days later, of which 30% mastered three days after; the others active, paused
  or dropped; 20% holdout;
- half of the enrolments measured: a baseline (90% of them) and a check-in 14 to 90 days
  after completion;
- ``attempts`` attempts at random moments between enrolling and now, on a random step;
- ``nudges`` nudges over the last year, one learner-day each over email (and in-app for
  30% of the days), to learners with an enrolment that is not holdout: 90% sent (40% of
  those opened, half of them clicked), 5% failed, 5% cancelled; 5% are payoff check-in
  reminders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

TEAM_SIZE = 40
ENROLMENTS_PER_LEARNER = 5


def _execute(sql: str, params: dict[str, Any]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _scalar(sql: str, params: dict[str, Any]) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _seed(seed: int) -> None:
    _scalar("SELECT setseed(%(seed)s)", {"seed": (seed % 1000) / 1000})


PEOPLE = """
INSERT INTO accounts_user (email, display_name, organization_id, time_zone, work_starts_at,
  work_ends_at, working_days, is_author, is_org_admin, is_active, date_joined, password,
  is_superuser, language, directory_language, browser_language)
SELECT 'learner' || i || '@' || %(slug)s || '.bench.example', 'Learner ' || i, %(org)s, 'UTC',
  '09:00', '17:00', '[1,2,3,4,5]'::jsonb, false, false, true, %(now)s, '!', false, '', '', ''
FROM generate_series(0, %(learners)s - 1) i
"""

TEAMS = """
INSERT INTO accounts_team (organization_id, name, created_at, updated_at)
SELECT %(org)s, 'Team ' || t, %(now)s, %(now)s
FROM generate_series(1, ceil(%(learners)s::numeric / %(team_size)s)::int) t
"""

# Learners in id order fill the teams in id order, TEAM_SIZE each; a team's first member
# manages it.
LEARNERS_IN_TEAMS = """
WITH learner AS (
  SELECT id, row_number() OVER (ORDER BY id) - 1 AS idx
  FROM accounts_user WHERE organization_id = %(org)s AND NOT is_org_admin
), team AS (
  SELECT id, row_number() OVER (ORDER BY id) - 1 AS idx
  FROM accounts_team WHERE organization_id = %(org)s
)
SELECT l.id, t.id, l.idx %% %(team_size)s = 0
FROM learner l JOIN team t ON t.idx = l.idx / %(team_size)s
"""

MEMBERS = (
    "INSERT INTO accounts_team_members (user_id, team_id) SELECT learner, team FROM ("
    + LEARNERS_IN_TEAMS
    + ") x (learner, team, first)"
)
MANAGERS = (
    "INSERT INTO accounts_team_managers (user_id, team_id) SELECT learner, team FROM ("
    + LEARNERS_IN_TEAMS
    + ") x (learner, team, first) WHERE first"
)

MICROMASTERIES = """
INSERT INTO courses_micromastery (organization_id, slug, nudge_holdout_ratio, created_at,
  updated_at)
SELECT %(org)s, 'skill-' || i, 0.2, %(now)s, %(now)s
FROM generate_series(0, %(micromasteries)s - 1) i
"""

VERSIONS = """
INSERT INTO courses_micromasteryversion (micromastery_id, number, status, title, summary,
  estimated_minutes, context_challenge, context_audience, context_why_it_matters,
  way_in_insight, way_in_missing_link, way_in_media_url, created_at, updated_at, rendered_html)
SELECT id, 1, 'published', 'Skill ' || id, '', 10, 'c', 'a', 'w', 'i', 'm', '', %(now)s,
  %(now)s, '{}'::jsonb
FROM courses_micromastery WHERE organization_id = %(org)s
"""

# Each learner enrols in ENROLMENTS_PER_LEARNER consecutive micromasteries from a place
# that moves by 37 per learner. The random draws are materialised first so that each one
# is drawn once per row.
ENROLMENTS = """
WITH learner AS (
  SELECT id, row_number() OVER (ORDER BY id) - 1 AS idx
  FROM accounts_user WHERE organization_id = %(org)s AND NOT is_org_admin
), skill AS (
  SELECT m.id, v.id AS version_id, row_number() OVER (ORDER BY m.id) - 1 AS idx
  FROM courses_micromastery m JOIN courses_micromasteryversion v ON v.micromastery_id = m.id
  WHERE m.organization_id = %(org)s
), drawn AS MATERIALIZED (
  SELECT l.id AS learner_id, s.id AS micromastery_id, s.version_id,
         %(now)s::timestamptz - random() * interval '365 days' AS enrolled,
         random() AS completes, random() AS takes, random() AS status, random() AS masters,
         random() AS holdout
  FROM learner l CROSS JOIN generate_series(0, %(per_learner)s - 1) k
  JOIN skill s ON s.idx = (l.idx * 37 + k) %% %(micromasteries)s
), dated AS (
  SELECT *, CASE WHEN completes < 0.4 AND enrolled + (5 + takes * 55) * interval '1 day'
                      <= %(now)s
                 THEN enrolled + (5 + takes * 55) * interval '1 day' END AS completed
  FROM drawn
)
INSERT INTO practice_enrollment (learner_id, micromastery_id, version_id, status,
  personal_payoff, created_at, updated_at, completed_at, mastered_at, holdout, started_at)
SELECT learner_id, micromastery_id, version_id,
  CASE WHEN completed IS NOT NULL THEN 'completed'
       ELSE (ARRAY['active', 'active', 'paused', 'dropped'])[1 + floor(status * 4)::int] END,
  '', enrolled, enrolled, completed,
  CASE WHEN masters < 0.3 AND completed + interval '3 days' <= %(now)s
       THEN completed + interval '3 days' END,
  holdout < 0.2, NULL
FROM dated
"""

MEASUREMENTS = """
WITH measured AS MATERIALIZED (
  SELECT e.id, e.created_at, e.completed_at,
         (SELECT array_agg(pm.id ORDER BY pm."order") FROM courses_payoffmetric pm
          WHERE pm.version_id = e.version_id) AS metrics,
         random() AS which, 20 + floor(random() * 61) AS base, random() AS has_baseline,
         floor(random() * 31) - 10 AS change, random() AS later
  FROM practice_enrollment e JOIN courses_micromastery m ON m.id = e.micromastery_id
  WHERE m.organization_id = %(org)s AND random() < %(share)s
)
INSERT INTO payoff_payoffmeasurement (enrollment_id, metric_id, kind, value, measured_at,
  checkin_day, created_at, updated_at, note)
SELECT id, metrics[1 + floor(which * 2)::int], 'baseline', base, created_at, NULL, %(now)s,
  %(now)s, ''
FROM measured WHERE has_baseline < 0.9
UNION ALL
SELECT id, metrics[1 + floor(which * 2)::int], 'checkin', base + change,
  least(coalesce(completed_at, created_at) + (14 + later * 76) * interval '1 day', %(now)s),
  14, %(now)s, %(now)s, ''
FROM measured
"""

ATTEMPTS = """
WITH enrolment AS MATERIALIZED (
  SELECT e.id, e.created_at, row_number() OVER (ORDER BY e.id) - 1 AS idx,
         (SELECT array_agg(st.id ORDER BY st."order") FROM courses_practicestep st
          WHERE st.version_id = e.version_id) AS steps
  FROM practice_enrollment e JOIN courses_micromastery m ON m.id = e.micromastery_id
  WHERE m.organization_id = %(org)s
), drawn AS MATERIALIZED (
  SELECT floor(random() * (SELECT count(*) FROM enrolment))::bigint AS idx,
         random() AS moment, random() AS step, 1 + floor(random() * 5)::int AS confidence,
         random() < 0.6 AS counts
  FROM generate_series(1, %(count)s)
)
INSERT INTO practice_practiceattempt (enrollment_id, step_id, practiced_at, what_i_did,
  what_happened, feedback_from, what_i_will_tweak, confidence, minutes, evidence,
  counts_as_repetition, is_refresher, submission_key, created_at, updated_at)
SELECT e.id, e.steps[1 + floor(d.step * cardinality(e.steps))::int],
  e.created_at + d.moment * greatest(%(now)s::timestamptz - e.created_at, interval '1 minute'),
  'Did it', '', '', '', d.confidence, 10, '', d.counts, false, gen_random_uuid(), %(now)s,
  %(now)s
FROM drawn d JOIN enrolment e ON e.idx = d.idx
"""

STARTED = """
UPDATE practice_enrollment e SET started_at = first.at FROM (
  SELECT a.enrollment_id, min(a.practiced_at) AS at FROM practice_practiceattempt a
  JOIN practice_enrollment pe ON pe.id = a.enrollment_id
  JOIN courses_micromastery m ON m.id = pe.micromastery_id
  WHERE m.organization_id = %(org)s GROUP BY 1) first
WHERE first.enrollment_id = e.id AND e.started_at IS DISTINCT FROM first.at
"""

# Nudged learners (an enrolment that is not holdout) take turns: the k-th learner-day goes
# to learner k mod n, on a day of its own (slot k div n, spread over the year), so that no
# learner gets two nudges on one day and channel.
NUDGES = """
WITH nudged AS MATERIALIZED (
  SELECT id, row_number() OVER (ORDER BY id) - 1 AS idx FROM accounts_user u
  WHERE organization_id = %(org)s AND EXISTS (
    SELECT 1 FROM practice_enrollment e WHERE e.learner_id = u.id AND NOT e.holdout)
), shape AS (
  SELECT count(*) AS learners,
         ceil(%(count)s::numeric / count(*))::int AS slots FROM nudged
), learner_day AS MATERIALIZED (
  SELECT k, n.id AS learner_id,
         (%(now)s::timestamptz AT TIME ZONE 'UTC')::date
           - ((k / s.learners) * (365 / s.slots) + (n.idx * 7919) %% (365 / s.slots))::int
           AS local_date,
         random() AS hour, random() AS kind, random() AS status, random() < 0.3 AS two
  FROM generate_series(0, %(count)s - 1) k CROSS JOIN shape s
  JOIN nudged n ON n.idx = k %% s.learners
), message AS MATERIALIZED (
  SELECT d.k, c.n, d.learner_id, d.local_date, c.channel,
         least(d.local_date + interval '9 hours' + d.hour * interval '8 hours',
               %(now)s::timestamptz - interval '1 minute') AS due,
         CASE WHEN d.kind < 0.05 THEN 'payoff_checkin_due' ELSE 'practice_due' END AS kind,
         CASE WHEN d.status < 0.9 THEN 'sent' WHEN d.status < 0.95 THEN 'failed'
              ELSE 'cancelled' END AS status,
         random() AS delay, random() AS opens, random() AS open_after, random() AS clicks
  FROM learner_day d
  CROSS JOIN (VALUES (0, 'email'), (1, 'in_app')) c (n, channel)
  WHERE c.n = 0 OR d.two
  ORDER BY d.k, c.n LIMIT %(count)s
), timed AS (
  SELECT *, CASE WHEN status = 'sent' THEN due + delay * interval '5 minutes' END AS sent
  FROM message
), seen AS (
  SELECT *, CASE WHEN opens < 0.4 THEN sent + open_after * interval '6 hours' END AS opened
  FROM timed
)
INSERT INTO practice_nudge (recipient_id, kind, channel, subject_ref, local_date, due_at,
  status, dedupe_key, attempts, last_error, sent_at, opened_at, clicked_at, payload,
  created_at, updated_at)
SELECT learner_id, kind, channel, 'enrollment:' || learner_id, local_date, due, status,
  'bench:' || learner_id || ':' || local_date || ':' || channel, 1, '', sent,
  CASE WHEN opened <= %(now)s THEN opened END,
  CASE WHEN opened + interval '2 minutes' <= %(now)s AND clicks < 0.5
       THEN opened + interval '2 minutes' END,
  '{}'::jsonb, %(now)s, %(now)s
FROM seen
"""


def generate(slug: str, scale: float, now: datetime, seed: int) -> dict[str, Any]:
    """One organization: learners, teams, micromasteries, enrolments and measurements."""
    from accounts.models import Organization, Team, User
    from courses.models import Micromastery, MicromasteryVersion, PayoffMetric, PracticeStep
    from payoff.models import LearningCost, PayoffMeasurement
    from practice.models import Enrollment

    learners = max(int(20_000 * scale), 50)
    micromasteries = max(int(200 * scale), 4)
    organization = Organization.objects.create(
        name=f"Bench {slug}", slug=f"bench-{slug}", hourly_cost_rate=60, currency="EUR"
    )
    admin = User.objects.create_user(
        f"admin@{slug}.bench.example", "bench-password-1", display_name="Admin",
        organization=organization, is_org_admin=True,
    )  # fmt: skip
    params: dict[str, Any] = {
        "org": organization.pk, "slug": slug, "now": now, "learners": learners,
        "team_size": TEAM_SIZE, "micromasteries": micromasteries,
        "per_learner": min(ENROLMENTS_PER_LEARNER, micromasteries),
    }  # fmt: skip
    _seed(seed)
    for statement in (PEOPLE, TEAMS, MEMBERS, MANAGERS, MICROMASTERIES, VERSIONS):
        _execute(statement, params)
    versions = list(
        MicromasteryVersion.objects.filter(micromastery__organization=organization).values_list(
            "pk", flat=True
        )
    )
    PracticeStep.objects.bulk_create([
        PracticeStep(version_id=vid, key=f"step-{n}", order=n, title=f"Step {n}", action="Do it.",
                     repetitions_required=3, min_spacing_hours=20)
        for vid in versions for n in (1, 2, 3)
    ])  # fmt: skip
    PayoffMetric.objects.bulk_create([
        metric
        for vid in versions
        for metric in (
            PayoffMetric(version_id=vid, key="minutes", order=1, name="Minutes per report",
                         unit="minutes", direction="lower", target_change=10, value_per_unit=1,
                         value_basis="hours", checkin_days=[14, 30]),
            PayoffMetric(version_id=vid, key="nps", order=2, name="Customer score", unit="points",
                         direction="higher", target_change=5, value_per_unit=20, value_basis="money",
                         checkin_days=[30]),
        )
    ])  # fmt: skip
    _execute(ENROLMENTS, params)
    enrolments = Enrollment.objects.filter(micromastery__organization=organization).count()
    measurements_target = max(int(100_000 * scale), 100)
    _execute(MEASUREMENTS, {**params, "share": min(1.0, measurements_target / 2 / enrolments)})
    LearningCost.objects.bulk_create(
        LearningCost(micromastery_id=mid, amount=5000)
        for mid in Micromastery.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
    first_team = Team.objects.filter(organization=organization).order_by("pk").first()
    assert first_team is not None
    return {
        "organization": organization,
        "admin": admin,
        "enrolments": enrolments,
        "manager_id": first_team.managers.get().pk,
        "team_id": first_team.pk,
        "learners": learners,
        "micromasteries": micromasteries,
        "measurements": PayoffMeasurement.objects.filter(
            enrollment__micromastery__organization=organization
        ).count(),
    }


def add_attempts(world: dict[str, Any], count: int, now: datetime, seed: int) -> int:
    """Attempts at random moments between enrolling and now; ``started_at`` set to match."""
    params = {"org": world["organization"].pk, "now": now, "count": count}
    _seed(seed)
    added = _execute(ATTEMPTS, params)
    _execute(STARTED, params)
    return added


def add_nudges(world: dict[str, Any], count: int, now: datetime, seed: int) -> int:
    """``count`` nudges over the last year (see the module's docstring)."""
    _seed(seed)
    return _execute(NUDGES, {"org": world["organization"].pk, "now": now, "count": count})
