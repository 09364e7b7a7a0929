"""Payoff dashboard at the size of a 20,000-employee customer, on PostgreSQL.

Generates (with COPY) 20,000 learners in 500 teams, 200 micromasteries, 2,000,000
attempts and 100,000 payoff measurements (``--scale`` shrinks all four), into a database of
its own (DATABASE_URL's name + "_bench", created and emptied here), then prints:

- dashboard render time (full page: selector + template) for the whole organization and
  for one team, and the ratio to a raw-SQL aggregate of the same numbers over the raw rows;
- the ratio of dashboard time at the full attempts count to its time at 1/100 of it
  (same learners, enrolments and measurements: flat is the goal);
- the dashboard's query count.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

BENCH_SUFFIX = "_bench"


def _setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("bench.dashboard needs PostgreSQL: set DATABASE_URL=postgres://...")
    base, _, name = url.rpartition("/")
    name = name.split("?")[0] or "micromastery"
    bench_name = name if name.endswith(BENCH_SUFFIX) else name + BENCH_SUFFIX
    import psycopg2

    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{bench_name}"')
    admin.close()
    os.environ["DATABASE_URL"] = f"{base}/{bench_name}"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    # The test overlay: plain static storage (no collectstatic manifest) and fast hashing.
    os.environ["DJANGO_SETTINGS_MODULE"] = "micromastery.test_settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _copy(cursor: Any, table: str, columns: list[str], rows: Any) -> int:
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
        count += 1
        if count % 200_000 == 0:
            buffer.seek(0)
            cursor.copy_from(buffer, table, columns=columns)
            buffer = io.StringIO()
    buffer.seek(0)
    cursor.copy_from(buffer, table, columns=columns)
    return count


TABLES = [
    "payoff_weeklypracticerollup", "payoff_metricrollup", "payoff_enrollmentrollup",
    "payoff_rollupwatermark", "payoff_learningcost", "payoff_baselineskip",
    "payoff_payoffmeasurement", "practice_practiceattempt", "practice_enrollment",
    "courses_payoffmetric", "courses_practicestep", "courses_micromasteryversion",
    "courses_micromastery", "accounts_team_members", "accounts_team_managers", "accounts_team",
    "accounts_user", "accounts_organization",
]  # fmt: skip


def generate(scale: float, now: datetime) -> dict[str, Any]:
    from django.db import connection

    from accounts.models import Organization, Team, User

    rng = random.Random(7)
    learners = max(int(20_000 * scale), 50)
    micromasteries = max(int(200 * scale), 4)
    measurements_target = max(int(100_000 * scale), 100)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE")
    organization = Organization.objects.create(
        name="Bench Corp", slug="bench", hourly_cost_rate=60, currency="EUR"
    )
    admin = User.objects.create_user(
        "admin@bench.example", "bench-password-1", display_name="Admin",
        organization=organization, is_org_admin=True,
    )  # fmt: skip
    stamp = now.isoformat()
    raw = connection.connection
    with raw.cursor() as cursor:
        _copy(cursor, "accounts_user", [
            "email", "display_name", "organization_id", "time_zone", "work_starts_at",
            "work_ends_at", "working_days", "is_author", "is_org_admin", "is_active",
            "date_joined", "password", "is_superuser",
        ], (
            (f"learner{index}@bench.example", f"Learner {index}", organization.pk, "UTC",
             "09:00", "17:00", "[1,2,3,4,5]", "f", "f", "t", stamp, "!", "f")
            for index in range(learners)
        ))  # fmt: skip
    user_ids = list(
        User.objects.filter(organization=organization, is_org_admin=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    team_size = 40
    teams = []
    for index in range(0, len(user_ids), team_size):
        teams.append(Team(organization=organization, name=f"Team {index // team_size + 1}"))
    Team.objects.bulk_create(teams)
    team_ids = list(
        Team.objects.filter(organization=organization).order_by("pk").values_list("pk", flat=True)
    )
    with raw.cursor() as cursor:
        _copy(cursor, "accounts_team_members", ["team_id", "user_id"], (
            (team_ids[index // team_size], user_id) for index, user_id in enumerate(user_ids)
        ))  # fmt: skip
        _copy(cursor, "accounts_team_managers", ["team_id", "user_id"], (
            (team_id, user_ids[index * team_size]) for index, team_id in enumerate(team_ids)
        ))  # fmt: skip
        _copy(cursor, "courses_micromastery", [
            "organization_id", "slug", "nudge_holdout_ratio", "created_at", "updated_at",
        ], ((organization.pk, f"skill-{index}", "0.2", stamp, stamp) for index in range(micromasteries)))  # fmt: skip
    from courses.models import Micromastery, MicromasteryVersion, PayoffMetric, PracticeStep

    micromastery_ids = list(Micromastery.objects.order_by("pk").values_list("pk", flat=True))
    with raw.cursor() as cursor:
        _copy(cursor, "courses_micromasteryversion", [
            "micromastery_id", "number", "status", "title", "summary", "estimated_minutes",
            "context_challenge", "context_audience", "context_why_it_matters", "way_in_insight",
            "way_in_missing_link", "way_in_media_url", "created_at", "updated_at",
        ], (
            (mid, 1, "published", f"Skill {mid}", "", 10, "c", "a", "w", "i", "m", "", stamp, stamp)
            for mid in micromastery_ids
        ))  # fmt: skip
    versions = dict(MicromasteryVersion.objects.values_list("micromastery_id", "pk"))
    PracticeStep.objects.bulk_create([
        PracticeStep(version_id=vid, key=f"step-{n}", order=n, title=f"Step {n}", action="Do it.",
                     repetitions_required=3, min_spacing_hours=20)
        for vid in versions.values() for n in (1, 2, 3)
    ])  # fmt: skip
    PayoffMetric.objects.bulk_create([
        metric
        for vid in versions.values()
        for metric in (
            PayoffMetric(version_id=vid, key="minutes", order=1, name="Minutes per report",
                         unit="minutes", direction="lower", target_change=10, value_per_unit=1,
                         value_basis="hours", checkin_days=[14, 30]),
            PayoffMetric(version_id=vid, key="nps", order=2, name="Customer score", unit="points",
                         direction="higher", target_change=5, value_per_unit=20, value_basis="money",
                         checkin_days=[30]),
        )
    ])  # fmt: skip
    steps: dict[int, list[int]] = {}
    for step_id, vid in PracticeStep.objects.order_by("order").values_list("pk", "version_id"):
        steps.setdefault(vid, []).append(step_id)
    metrics: dict[int, list[int]] = {}
    for metric_id, vid in PayoffMetric.objects.order_by("order").values_list("pk", "version_id"):
        metrics.setdefault(vid, []).append(metric_id)

    per_learner = 5
    enrollment_rows = []
    for user_id in user_ids:
        for mid in rng.sample(micromastery_ids, min(per_learner, len(micromastery_ids))):
            enrolled = now - timedelta(days=rng.uniform(0, 365))
            completed = (
                enrolled + timedelta(days=rng.uniform(5, 60)) if rng.random() < 0.4 else None
            )
            if completed and completed > now:
                completed = None
            status = (
                "completed" if completed else rng.choice(["active", "active", "paused", "dropped"])
            )
            enrollment_rows.append((user_id, mid, versions[mid], status, "", enrolled.isoformat(),
                                    enrolled.isoformat(),
                                    completed.isoformat() if completed else None,
                                    "t" if rng.random() < 0.2 else "f", enrolled.isoformat()))  # fmt: skip
    with raw.cursor() as cursor:
        _copy(cursor, "practice_enrollment", [
            "learner_id", "micromastery_id", "version_id", "status", "personal_payoff",
            "created_at", "updated_at", "completed_at", "holdout", "started_at",
        ], enrollment_rows)  # fmt: skip
    from practice.models import Enrollment

    enrollments = list(
        Enrollment.objects.values_list("pk", "version_id", "created_at", "completed_at")
    )
    with raw.cursor() as cursor:
        measurement_rows = []
        for pk, vid, enrolled, completed in rng.sample(
            enrollments, min(len(enrollments), measurements_target // 2)
        ):
            metric_id = metrics[vid][rng.randrange(2)]
            base = rng.randint(20, 80)
            after = (completed or enrolled) + timedelta(days=rng.uniform(14, 90))
            after = min(after, now)
            measurement_rows.append(
                (pk, metric_id, "baseline", base, enrolled.isoformat(), None, stamp, stamp, "")
            )
            measurement_rows.append((pk, metric_id, "checkin", base + rng.randint(-10, 20), after.isoformat(), 14, stamp, stamp, ""))  # fmt: skip
        _copy(cursor, "payoff_payoffmeasurement", [
            "enrollment_id", "metric_id", "kind", "value", "measured_at", "checkin_day",
            "created_at", "updated_at", "note",
        ], measurement_rows)  # fmt: skip
    from payoff.models import LearningCost

    LearningCost.objects.bulk_create(
        [LearningCost(micromastery_id=mid, amount=5000) for mid in micromastery_ids[:20]]
    )
    connection.commit() if not connection.get_autocommit() else None
    return {
        "organization": organization, "admin": admin, "enrollments": enrollments, "steps": steps,
        "manager_id": user_ids[0], "team_id": team_ids[0], "learners": learners,
        "micromasteries": micromasteries, "measurements": len(measurement_rows),
    }  # fmt: skip


def add_attempts(world: dict[str, Any], count: int, now: datetime, seed: int) -> int:
    from django.db import connection

    rng = random.Random(seed)
    enrollments = world["enrollments"]
    stamp = now.isoformat()

    def rows() -> Any:
        for _ in range(count):
            pk, vid, enrolled, _completed = enrollments[rng.randrange(len(enrollments))]
            span = max((now - enrolled).total_seconds(), 60)
            practiced = enrolled + timedelta(seconds=rng.uniform(0, span))
            yield (pk, rng.choice(world["steps"][vid]), practiced.isoformat(), "Did it", "", "",
                   "", rng.randint(1, 5), 10, "", "t" if rng.random() < 0.6 else "f", "f",
                   uuid.uuid4(), stamp, stamp)  # fmt: skip

    with connection.connection.cursor() as cursor:
        added = _copy(cursor, "practice_practiceattempt", [
            "enrollment_id", "step_id", "practiced_at", "what_i_did", "what_happened",
            "feedback_from", "what_i_will_tweak", "confidence", "minutes", "evidence",
            "counts_as_repetition", "is_refresher", "submission_key", "created_at", "updated_at",
        ], rows())  # fmt: skip
        cursor.execute("ANALYZE")
    return added


RAW_SQL = """
WITH scoped AS (
  SELECT e.id, e.learner_id, e.created_at, e.started_at, e.completed_at
  FROM practice_enrollment e JOIN courses_micromastery m ON m.id = e.micromastery_id
  WHERE m.organization_id = %(org)s AND e.status <> 'dropped'
    AND (%(team)s::bigint IS NULL OR e.learner_id IN (
      SELECT user_id FROM accounts_team_members WHERE team_id = %(team)s))
), last_attempt AS (
  SELECT a.enrollment_id, max(a.practiced_at) AS last_at
  FROM practice_practiceattempt a JOIN scoped s ON s.id = a.enrollment_id GROUP BY 1
), weekly AS (
  SELECT date_trunc('week', a.practiced_at) AS week, count(*) AS attempts,
         count(DISTINCT s.learner_id) AS learners
  FROM practice_practiceattempt a JOIN scoped s ON s.id = a.enrollment_id
  WHERE a.practiced_at >= %(start)s GROUP BY 1
), per_step AS (
  SELECT DISTINCT a.enrollment_id, a.step_id,
    first_value(a.confidence) OVER w AS first_conf,
    last_value(a.confidence) OVER w AS last_conf
  FROM practice_practiceattempt a JOIN scoped s ON s.id = a.enrollment_id
  WINDOW w AS (PARTITION BY a.enrollment_id, a.step_id ORDER BY a.practiced_at, a.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), pairs AS (
  SELECT b.metric_id, c.value - b.value AS change
  FROM payoff_payoffmeasurement b JOIN payoff_payoffmeasurement c
    ON c.enrollment_id = b.enrollment_id AND c.metric_id = b.metric_id AND c.kind = 'checkin'
  JOIN scoped s ON s.id = b.enrollment_id
  WHERE b.kind = 'baseline' AND c.measured_at >= %(start)s
)
SELECT
  (SELECT count(*) FROM scoped),
  (SELECT count(*) FROM scoped WHERE started_at IS NOT NULL),
  (SELECT count(*) FROM last_attempt WHERE last_at >= %(week_ago)s),
  (SELECT count(*) FROM scoped s LEFT JOIN last_attempt l ON l.enrollment_id = s.id
    WHERE s.completed_at IS NULL AND coalesce(l.last_at, s.created_at) < %(week_ago)s),
  (SELECT sum(attempts)::float / nullif(sum(learners), 0) FROM weekly),
  (SELECT avg(first_conf) FROM per_step), (SELECT avg(last_conf) FROM per_step),
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY change) FROM pairs)
"""


def _timed(function: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(world: dict[str, Any], now: datetime, repeat: int) -> dict[str, float]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    admin_client = Client()
    admin_client.force_login(world["admin"])
    manager_client = Client()
    manager_client.force_login(User.objects.get(pk=world["manager_id"]))

    def page(client: Client) -> None:
        response = client.get("/dashboard/")
        assert response.status_code == 200, response.status_code

    page(admin_client)  # warm caches and plans
    org_time = _timed(lambda: page(admin_client), repeat)
    team_time = _timed(lambda: page(manager_client), repeat)
    with CaptureQueriesContext(connection) as captured:
        page(admin_client)

    def raw(team: int | None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, {
                "org": world["organization"].pk, "team": team,
                "start": now - timedelta(days=90), "week_ago": now - timedelta(days=7),
            })  # fmt: skip
            cursor.fetchone()

    raw_org = _timed(lambda: raw(None), max(1, repeat // 2))
    raw_team = _timed(lambda: raw(world["team_id"]), max(1, repeat // 2))
    return {
        "org": org_time, "team": team_time, "queries": len(captured.captured_queries),
        "raw_org": raw_org, "raw_team": raw_team,
    }  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dashboard")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = 20,000 learners, 2M attempts"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args, _ = parser.parse_known_args(argv)
    _setup_django()
    from payoff.rollups import rollups_rebuild

    now = datetime.now(UTC)
    started = time.perf_counter()
    world = generate(args.scale, now)
    full_attempts = max(int(2_000_000 * args.scale), 2_000)
    small_attempts = full_attempts // 100
    add_attempts(world, small_attempts, now, seed=1)
    print(f"generated {world['learners']:,} learners, {world['micromasteries']} micromasteries, "
          f"{len(world['enrollments']):,} enrolments, {world['measurements']:,} measurements "
          f"in {time.perf_counter() - started:.1f}s (scale {args.scale})", flush=True)  # fmt: skip
    rebuild_started = time.perf_counter()
    rollups_rebuild()
    elapsed = time.perf_counter() - rebuild_started
    print(f"rollups rebuilt at {small_attempts:,} attempts in {elapsed:.1f}s")
    small = measure(world, now, args.repeat)
    copy_started = time.perf_counter()
    add_attempts(world, full_attempts - small_attempts, now, seed=2)
    print(f"added attempts up to {full_attempts:,} in {time.perf_counter() - copy_started:.1f}s")
    rebuild_started = time.perf_counter()
    rollups_rebuild()
    elapsed = time.perf_counter() - rebuild_started
    print(f"rollups rebuilt at {full_attempts:,} attempts in {elapsed:.1f}s")
    large = measure(world, now, args.repeat)
    print()
    print(
        f"dashboard, whole organization ({full_attempts:,} attempts): {large['org'] * 1000:.0f} ms"
    )
    print(f"dashboard, one team of 40:                 {large['team'] * 1000:.0f} ms")
    print(
        f"raw-SQL aggregate of the same numbers: org {large['raw_org'] * 1000:.0f} ms, "
        f"team {large['raw_team'] * 1000:.0f} ms"
    )
    print(
        f"ratio dashboard / raw SQL: org {large['org'] / large['raw_org']:.2f}, "
        f"team {large['team'] / large['raw_team']:.2f}"
    )
    print(
        f"ratio dashboard time at {full_attempts:,} / at {small_attempts:,} attempts: "
        f"org {large['org'] / small['org']:.2f}, team {large['team'] / small['team']:.2f}"
    )
    print(f"query count: {large['queries']} (at {small_attempts:,} attempts: {small['queries']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
