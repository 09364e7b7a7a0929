"""The nudge benchmark runs end to end at a tiny scale, as ``make bench`` runs it: its own
database, real Celery workers, every case. No timing is asserted.

PostgreSQL and Redis only: the benchmark refuses anything else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"),
    reason="the nudge benchmark runs on PostgreSQL and Redis only",
)


def test_the_nudge_benchmark_plans_and_sends_every_nudge_and_prints_its_ratios():
    server = connection.settings_dict
    database = (
        f"postgres://{server['USER']}@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}"
        f"/bench_nudges_{uuid.uuid4().hex[:8]}"
    )
    environment = {
        **os.environ,
        "BENCH_DATABASE_URL": database,
        "BENCH_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "nudges", "--scale", "0.0002", "--repeat", "1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    lines = finished.stdout.strip().splitlines()
    # Every case checks its own work: all 20 planned, all 20 of the backlog sent.
    assert any(line.startswith("planner: ") and "20 enrolments" in line for line in lines)
    ratios = dict(pair.split("=") for pair in lines[-1].split())
    assert set(ratios) == {"planner_100k_seconds", "dispatch_vs_noop", "two_workers_vs_one"}
    assert all(float(value) > 0 for value in ratios.values())
