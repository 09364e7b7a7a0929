"""What every benchmark shares: its database, side-by-side timing and the final ratio line.

A benchmark compares like with like: the cases it divides are timed in one run, round
robin (case A, case B, case A, ...), after one warm-up call each, and each case's median
is kept. Load from elsewhere on the machine then slows every case alike instead of
whichever happened to run during it. The last line a benchmark prints is its ratios,
``name=value`` separated by spaces, for scripts and for comparing runs.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping


def bench_database_url() -> str:
    """BENCH_DATABASE_URL: the PostgreSQL database the benchmark owns.

    It is used as named, emptied and refilled: never point it at a database you keep (so
    DATABASE_URL, the application's own, is deliberately not a fallback).
    """
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("benchmarks need PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
    return url


def create_database(url: str) -> None:
    """Create the database ``url`` names unless it exists."""
    import psycopg2

    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()


def setup_django(url: str) -> None:
    """Django on ``url`` with the test overlay (plain static storage, fast hashing), migrated."""
    os.environ["DATABASE_URL"] = url
    broker = os.environ.get("BENCH_BROKER_URL")
    if broker:
        os.environ["CELERY_BROKER_URL"] = broker
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "micromastery.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def interleaved(
    cases: Mapping[str, Callable[[], object]],
    *,
    repeat: int,
    prepare: Mapping[str, Callable[[], object]] | None = None,
) -> dict[str, float]:
    """Median seconds of each case, timed round robin after one warm-up call of each.

    The starting case moves by one each round so that no case always runs first (with
    cold caches) or last. ``prepare[name]``, when given, runs untimed before each call of
    that case (a benchmark that consumes its data puts it back there).
    """
    prepare = prepare or {}
    for name, function in cases.items():
        if name in prepare:
            prepare[name]()
        function()
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(max(repeat, 1)):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            if name in prepare:
                prepare[name]()
            started = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def ratio_line(ratios: Mapping[str, float]) -> str:
    """``name=value`` pairs, the last line a benchmark prints."""
    return " ".join(f"{name}={value:.3f}" for name, value in ratios.items())
