"""Payoff dashboard at the size of a 20,000-employee customer, on PostgreSQL.

Two organizations side by side in one database (BENCH_DATABASE_URL, emptied and refilled),
alike in everything but the amount of practice and nudging: each has 20,000 learners in
500 teams, 200 micromasteries, 100,000 enrolments and 100,000 payoff measurements; the
"large" one has 2,000,000 attempts and 200,000 nudges (sent, opened, clicked; none to
learners whose enrolments are all holdout), the "small" one 1/100 of those. ``--scale``
shrinks everything. The rows are written with set-based SQL (bench._dashboard_data), then
the rollups are rebuilt as the nightly task does; ``--reuse`` measures the organizations
a previous run left instead (after migrating). Then, timed round robin
(bench._common.interleaved):

- the dashboard page (selector + template, one request) for the whole organization and for
  one manager's team, in both organizations;
- the same figures computed by plain SQL over the raw rows (bench._dashboard_raw), for the
  same scopes of the large organization.

The final line:

- ``org_large_vs_small``, ``team_large_vs_small``, ``micromastery_large_vs_small``:
  dashboard time in the large organization over the small one (flat with data is 1.0),
  for the whole organization, one manager's team, and one micromastery across the whole
  organization;
- ``org_vs_raw_sql``, ``team_vs_raw_sql``: dashboard time over the raw-SQL time for the same
  scope of the large organization (below 1: the rollups pay off).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench._common import bench_database_url, create_database, interleaved, ratio_line, setup_django
from bench._dashboard_data import add_attempts, add_nudges, generate

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
        world = generate(slug, scale, now, seed=share)
        world["attempts"] = add_attempts(world, attempts // share, now, seed=share + 1)
        world["nudges"] = add_nudges(world, nudges // share, now, seed=share + 2)
        worlds[slug] = world
        log(f"{slug}: {world['learners']:,} learners, {world['micromasteries']} micromasteries, "
            f"{world['enrolments']:,} enrolments, {world['measurements']:,} measurements, "
            f"{world['attempts']:,} attempts, {world['nudges']:,} nudges "
            f"in {time.perf_counter() - started:.1f}s (scale {scale})")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    rollups_rebuild()
    log(f"rollups rebuilt in {time.perf_counter() - started:.1f}s")
    return worlds


def load(log: Any = print) -> dict[str, dict[str, Any]] | None:
    """The organizations a previous run built, with their sizes; None if there are none.

    Migrations applied since then have filled any new rollup rows from the old ones.
    """
    from accounts.models import Organization, Team, User
    from practice.models import Enrollment, PracticeAttempt
    from practice.nudges.models import Nudge

    worlds = {}
    for slug in ("small", "large"):
        organization = Organization.objects.filter(slug=f"bench-{slug}").first()
        if organization is None:
            return None
        team = Team.objects.filter(organization=organization).order_by("pk").first()
        assert team is not None
        worlds[slug] = {
            "organization": organization,
            "admin": User.objects.get(organization=organization, is_org_admin=True),
            "manager_id": team.managers.get().pk,
            "team_id": team.pk,
        }
        log(f"{slug} (built before): "
            f"{User.objects.filter(organization=organization).count() - 1:,} learners, "
            f"{Enrollment.objects.filter(micromastery__organization=organization).count():,} "
            "enrolments, "
            f"{PracticeAttempt.objects.filter(enrollment__micromastery__organization=organization).count():,} "
            f"attempts, {Nudge.objects.filter(recipient__organization=organization).count():,} nudges")  # fmt: skip
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
    from courses.models import Micromastery
    from payoff.dashboard.scope import DEFAULT_PERIOD_DAYS

    def page(client: Client, **query: Any) -> Any:
        def get() -> None:
            response = client.get("/dashboard/", query)
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
        # One micromastery across the whole organization: 1/200 of its enrolments.
        micromastery = Micromastery.objects.filter(organization=world["organization"]).first()
        assert micromastery is not None
        cases[f"micromastery_{slug}"] = page(admin, micromastery=micromastery.pk)
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
        "micromastery_large_vs_small": times["micromastery_large"] / times["micromastery_small"],
        "org_vs_raw_sql": times["org_large"] / times["raw_org_large"],
        "team_vs_raw_sql": times["team_large"] / times["raw_team_large"],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dashboard")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = 20,000 learners, 2M attempts"
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the organizations a previous run built (its --scale), if there are any",
    )
    args, _ = parser.parse_known_args(argv)
    url = bench_database_url()
    create_database(url)
    setup_django(url)
    from django.db import connection

    now = datetime.now(UTC)
    worlds = (load() if args.reuse else None) or build(args.scale, now)
    # Statistics of the rollups as they are now, as autovacuum keeps them in production.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    ratios = measure(worlds, now, args.repeat)
    print(ratio_line(ratios), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
