"""Payoff dashboard at the size of a 20,000-employee customer, on PostgreSQL.

Two organizations side by side in one database (BENCH_DATABASE_URL, emptied and refilled),
alike in everything but the amount of practice and nudging: each has 20,000 learners in
500 teams, 200 micromasteries, 100,000 enrolments and 100,000 payoff measurements; the
"large" one has 2,000,000 attempts and 200,000 nudges (sent, opened, clicked, some to
learners whose enrolments are all holdout), the "small" one 1/100 of those. ``--scale``
shrinks everything. Then, timed round robin (bench._common.interleaved):

- the dashboard page (selector + template, one request) for the whole organization and for
  one manager's team, in both organizations;
- the same figures computed by plain SQL over the raw rows (bench._dashboard_raw), for the
  same scopes of the large organization.

The final line:

- ``org_large_vs_small``, ``team_large_vs_small``: dashboard time in the large organization
  over the small one (flat with data is 1.0);
- ``org_vs_raw_sql``, ``team_vs_raw_sql``: dashboard time over the raw-SQL time for the same
  scope of the large organization (below 1: the rollups pay off).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench._common import bench_database_url, create_database, interleaved, ratio_line, setup_django


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
    "practice_nudge", "payoff_weeklypracticerollup", "payoff_metricrollup", "payoff_enrollmentrollup",
    "payoff_rollupwatermark", "payoff_learningcost", "payoff_baselineskip",
    "payoff_payoffmeasurement", "practice_practiceattempt", "practice_enrollment",
    "courses_payoffmetric", "courses_practicestep", "courses_micromasteryversion",
    "courses_micromastery", "accounts_team_members", "accounts_team_managers", "accounts_team",
    "accounts_user", "accounts_organization",
]  # fmt: skip


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE")


def generate(slug: str, scale: float, now: datetime) -> dict[str, Any]:
    """One organization: learners, teams, micromasteries, enrolments and measurements."""
    from django.db import connection

    from accounts.models import Organization, Team, User

    rng = random.Random(7)
    learners = max(int(20_000 * scale), 50)
    micromasteries = max(int(200 * scale), 4)
    measurements_target = max(int(100_000 * scale), 100)
    organization = Organization.objects.create(
        name=f"Bench {slug}", slug=f"bench-{slug}", hourly_cost_rate=60, currency="EUR"
    )
    admin = User.objects.create_user(
        f"admin@{slug}.bench.example", "bench-password-1", display_name="Admin",
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
            (f"learner{index}@{slug}.bench.example", f"Learner {index}", organization.pk, "UTC",
             "09:00", "17:00", "[1,2,3,4,5]", "f", "f", "t", stamp, "!", "f")
            for index in range(learners)
        ))  # fmt: skip
    user_ids = list(
        User.objects.filter(organization=organization, is_org_admin=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    team_size = 40
    Team.objects.bulk_create(
        Team(organization=organization, name=f"Team {index // team_size + 1}")
        for index in range(0, len(user_ids), team_size)
    )
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

    micromastery_ids = list(
        Micromastery.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with raw.cursor() as cursor:
        _copy(cursor, "courses_micromasteryversion", [
            "micromastery_id", "number", "status", "title", "summary", "estimated_minutes",
            "context_challenge", "context_audience", "context_why_it_matters", "way_in_insight",
            "way_in_missing_link", "way_in_media_url", "created_at", "updated_at", "rendered_html",
        ], (
            (mid, 1, "published", f"Skill {mid}", "", 10, "c", "a", "w", "i", "m", "", stamp, stamp, "{}")
            for mid in micromastery_ids
        ))  # fmt: skip
    versions = dict(
        MicromasteryVersion.objects.filter(micromastery__organization=organization).values_list(
            "micromastery_id", "pk"
        )
    )
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
    for step_id, vid in (
        PracticeStep.objects.filter(version_id__in=versions.values())
        .order_by("order")
        .values_list("pk", "version_id")
    ):
        steps.setdefault(vid, []).append(step_id)
    metrics: dict[int, list[int]] = {}
    for metric_id, vid in (
        PayoffMetric.objects.filter(version_id__in=versions.values())
        .order_by("order")
        .values_list("pk", "version_id")
    ):
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
            mastered = completed + timedelta(days=3) if completed and rng.random() < 0.3 else None
            if mastered and mastered > now:
                mastered = None
            enrollment_rows.append((user_id, mid, versions[mid], status, "", enrolled.isoformat(),
                                    enrolled.isoformat(),
                                    completed.isoformat() if completed else None,
                                    mastered.isoformat() if mastered else None,
                                    "t" if rng.random() < 0.2 else "f", None))  # fmt: skip
    with raw.cursor() as cursor:
        _copy(cursor, "practice_enrollment", [
            "learner_id", "micromastery_id", "version_id", "status", "personal_payoff",
            "created_at", "updated_at", "completed_at", "mastered_at", "holdout", "started_at",
        ], enrollment_rows)  # fmt: skip
    from practice.models import Enrollment

    enrollments = list(
        Enrollment.objects.filter(micromastery__organization=organization).values_list(
            "pk", "version_id", "created_at", "completed_at", "learner_id", "holdout"
        )
    )
    with raw.cursor() as cursor:
        measurement_rows = []
        for pk, vid, enrolled, completed, _learner, _holdout in rng.sample(
            enrollments, min(len(enrollments), measurements_target // 2)
        ):
            metric_id = metrics[vid][rng.randrange(2)]
            base = rng.randint(20, 80)
            after = (completed or enrolled) + timedelta(days=rng.uniform(14, 90))
            after = min(after, now)
            if rng.random() < 0.9:
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
    return {
        "organization": organization, "admin": admin, "enrollments": enrollments, "steps": steps,
        "manager_id": user_ids[0], "team_id": team_ids[0], "learners": learners,
        "learner_ids": user_ids, "micromasteries": micromasteries,
        "measurements": len(measurement_rows),
    }  # fmt: skip


def add_attempts(world: dict[str, Any], count: int, now: datetime, seed: int) -> int:
    """Attempts at random moments between enrolling and now; ``started_at`` set to match."""
    from django.db import connection

    rng = random.Random(seed)
    enrollments = world["enrollments"]
    stamp = now.isoformat()

    def rows() -> Any:
        for _ in range(count):
            pk, vid, enrolled, _completed, _learner, _holdout = enrollments[
                rng.randrange(len(enrollments))
            ]
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
        cursor.execute(
            "UPDATE practice_enrollment e SET started_at = first.at FROM ("
            "  SELECT enrollment_id, min(practiced_at) AS at FROM practice_practiceattempt"
            "  GROUP BY 1) first WHERE first.enrollment_id = e.id"
            "  AND e.started_at IS DISTINCT FROM first.at"
        )
    return added


def add_nudges(world: dict[str, Any], count: int, now: datetime, seed: int) -> int:
    """Nudges over the last year: most sent (some opened, fewer clicked), some failed or
    cancelled, a few payoff check-in reminders; one a learner-day over one or two channels.

    Learners whose every enrolment is holdout get none: holdout means no practice nudges.
    """
    from django.db import connection

    rng = random.Random(seed)
    nudged = sorted(
        {learner for _pk, _v, _e, _c, learner, holdout in world["enrollments"] if not holdout}
    )
    taken: set[tuple[int, int]] = set()
    stamp = now.isoformat()

    def rows() -> Any:
        made = 0
        while made < count:
            learner = nudged[rng.randrange(len(nudged))]
            days_ago = rng.randrange(0, 365)
            if (learner, days_ago) in taken:
                continue
            taken.add((learner, days_ago))
            due = now - timedelta(days=days_ago, hours=rng.uniform(0, 8))
            local_date = due.astimezone(UTC).date()
            kind = "payoff_checkin_due" if rng.random() < 0.05 else "practice_due"
            status = rng.choices(["sent", "failed", "cancelled"], [90, 5, 5])[0]
            channels = ["email", "in_app"] if rng.random() < 0.3 else ["email"]
            for channel in channels[: count - made]:
                sent = due + timedelta(minutes=rng.uniform(0, 5)) if status == "sent" else None
                opened = (
                    sent + timedelta(hours=rng.uniform(0, 6))
                    if sent and rng.random() < 0.4
                    else None
                )
                clicked = opened + timedelta(minutes=2) if opened and rng.random() < 0.5 else None  # fmt: skip
                made += 1
                yield (learner, kind, channel, f"enrollment:{learner}", local_date.isoformat(),
                       due.isoformat(), status, f"bench:{learner}:{local_date}:{channel}", 1, "",
                       sent.isoformat() if sent else None,
                       opened.isoformat() if opened else None,
                       clicked.isoformat() if clicked else None, "{}", stamp, stamp)  # fmt: skip

    with connection.connection.cursor() as cursor:
        return _copy(cursor, "practice_nudge", [
            "recipient_id", "kind", "channel", "subject_ref", "local_date", "due_at", "status",
            "dedupe_key", "attempts", "last_error", "sent_at", "opened_at", "clicked_at",
            "payload", "created_at", "updated_at",
        ], rows())  # fmt: skip


def build(scale: float, now: datetime, log: Any = print) -> dict[str, dict[str, Any]]:
    """Both organizations, their practice and nudges, and the rollups rebuilt."""
    from django.db import connection

    from payoff.rollups import rollups_rebuild

    empty_tables()
    attempts = max(int(2_000_000 * scale), 2_000)
    nudges = max(int(200_000 * scale), 200)
    worlds = {}
    for slug, share in (("small", 100), ("large", 1)):
        started = time.perf_counter()
        world = generate(slug, scale, now)
        world["attempts"] = add_attempts(world, attempts // share, now, seed=share)
        world["nudges"] = add_nudges(world, nudges // share, now, seed=share)
        worlds[slug] = world
        log(f"{slug}: {world['learners']:,} learners, {world['micromasteries']} micromasteries, "
            f"{len(world['enrollments']):,} enrolments, {world['measurements']:,} measurements, "
            f"{world['attempts']:,} attempts, {world['nudges']:,} nudges "
            f"in {time.perf_counter() - started:.1f}s (scale {scale})")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    rollups_rebuild()
    log(f"rollups rebuilt in {time.perf_counter() - started:.1f}s")
    return worlds


def measure(
    worlds: dict[str, dict[str, Any]], now: datetime, repeat: int, log: Any = print
) -> dict[str, float]:
    """Time every case round robin; returns the ratios of the final line."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench._dashboard_raw import raw_figures
    from payoff.dashboard.scope import DEFAULT_PERIOD_DAYS

    def page(client: Client) -> Any:
        def get() -> None:
            response = client.get("/dashboard/")
            assert response.status_code == 200, response.status_code

        return get

    def raw(world: dict[str, Any], team_ids: list[int]) -> Any:
        def run() -> None:
            with connection.cursor() as cursor:
                raw_figures(
                    cursor, organization_id=world["organization"].pk, team_ids=team_ids,
                    now=now, period_days=DEFAULT_PERIOD_DAYS,
                    hourly_rate=float(world["organization"].hourly_cost_rate),
                )  # fmt: skip

        return run

    cases: dict[str, Any] = {}
    for slug, world in worlds.items():
        admin, manager = Client(), Client()
        admin.force_login(world["admin"])
        manager.force_login(User.objects.get(pk=world["manager_id"]))
        cases[f"org_{slug}"] = page(admin)
        cases[f"team_{slug}"] = page(manager)
    large = worlds["large"]
    cases["raw_org_large"] = raw(large, [])
    cases["raw_team_large"] = raw(large, [large["team_id"]])
    times = interleaved(cases, repeat=repeat)
    for name, seconds in times.items():
        log(f"{name:16} {seconds * 1000:8.1f} ms (median of {repeat})")
    for slug in worlds:
        admin = Client()
        admin.force_login(worlds[slug]["admin"])
        with CaptureQueriesContext(connection) as captured:
            page(admin)()
        log(f"queries, whole organization, {slug}: {len(captured.captured_queries)}")
    return {
        "org_large_vs_small": times["org_large"] / times["org_small"],
        "team_large_vs_small": times["team_large"] / times["team_small"],
        "org_vs_raw_sql": times["org_large"] / times["raw_org_large"],
        "team_vs_raw_sql": times["team_large"] / times["raw_team_large"],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dashboard")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = 20,000 learners, 2M attempts"
    )
    parser.add_argument("--repeat", type=int, default=7)
    args, _ = parser.parse_known_args(argv)
    url = bench_database_url()
    create_database(url)
    setup_django(url)
    now = datetime.now(UTC)
    worlds = build(args.scale, now)
    ratios = measure(worlds, now, args.repeat)
    print(ratio_line(ratios), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
