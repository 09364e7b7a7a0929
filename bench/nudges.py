"""Nudge planning and dispatch, each timed side by side with what it is compared to.

    make bench BENCH_ARGS="nudges [--scale 1.0] [--repeat 3] [--batch 50]"

Runs in a throwaway test database next to ``BENCH_DATABASE_URL`` (created here, dropped at
the end, also on failure), with real Celery worker processes on ``BENCH_BROKER_URL``.
``--scale 1`` is 100,000 learners with one enrolment each, enrolled three days ago and
never started (a "time to start" nudge is due), working all day every day in UTC, nudged
by email only; 10,000 of their nudges are the dispatch backlog.

Two workers run for the whole benchmark: the first consumes queues A and B, the second
only B. A dispatch sent to queue A is handled by one worker, one sent to B by both. Then,
round robin (``bench._common.interleaved``: a warm-up call of each case, ``--repeat``
rounds, medians), with the data put back untimed before each call:

- ``planner``: one run of ``nudges_plan`` for every learner, from no nudge at all;
- ``dispatch_1w`` / ``dispatch_2w``: the backlog of due ``planned`` nudges claimed in
  batches by ``nudges_dispatch``, published on queue A or B, sent by the workers, timed
  until none is ``planned`` or ``sending``. Email goes to ``bench._mail_sink`` in the
  workers: every message is built to its MIME bytes, as an SMTP connection would send it,
  and then dropped, so that a mail server's own cost is not measured;
- ``noop_2w``: as many ``celery.accumulate`` messages as the backlog has nudges,
  published on queue B, timed until every one has run (late acks).

Final line:

- ``planner_100k_seconds``: the planner's median seconds per 100,000 enrolments (at
  ``--scale 1``, exactly its time for the 100,000);
- ``dispatch_vs_noop``: nudges sent per second by two workers over no-op tasks run per
  second by the same two workers (one broker message per no-op, one per batch of nudges);
- ``two_workers_vs_one``: nudges sent per second by two workers over one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bench._common import bench_database_url, interleaved, ratio_line

ENROLMENTS = 100_000
BACKLOG = 10_000
MAIL_SINK = "bench._mail_sink.EmailBackend"


def _require_redis() -> str:
    broker = os.environ.get("BENCH_BROKER_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis"):
        raise SystemExit("bench.nudges needs Redis: set BENCH_BROKER_URL=redis://...")
    return broker


def _wait_until(
    condition: Callable[[], bool], *, timeout: float, workers: list[Any], every: float = 0.02
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench.nudges: gave up waiting after {timeout:.0f} s")
        if any(worker.poll() is not None for worker in workers):
            raise SystemExit("bench.nudges: a worker process exited before the work was done")
        time.sleep(every)


def _learners_enrolled(count: int, now: datetime) -> None:
    from accounts.models import Organization, User
    from courses.models import Micromastery, MicromasteryVersion, PracticeStep
    from practice.models import Enrollment
    from practice.nudges.models import NudgePreference

    organization = Organization.objects.create(name="Bench", slug="bench")
    micromastery = Micromastery.objects.create(organization=organization, slug="bench")
    version = MicromasteryVersion.objects.create(
        micromastery=micromastery, number=1, status="published", title="Bench"
    )
    PracticeStep.objects.create(version=version, key="s1", order=1, title="Step", action="Do")
    User.objects.bulk_create(
        (
            User(
                email=f"b{i}@bench.example",
                display_name=f"B {i}",
                organization=organization,
                time_zone="UTC",
                work_starts_at=datetime.min.time(),
                work_ends_at=datetime.max.time().replace(microsecond=0),
                working_days=[1, 2, 3, 4, 5, 6, 7],
                password="!",
            )
            for i in range(count)
        ),
        batch_size=5000,
    )
    people = list(User.objects.filter(organization=organization).only("pk"))
    Enrollment.objects.bulk_create(
        (Enrollment(learner=p, micromastery=micromastery, version=version) for p in people),
        batch_size=5000,
    )
    Enrollment.objects.update(created_at=now - timedelta(days=3))
    NudgePreference.objects.bulk_create(
        (NudgePreference(user=p, in_app_enabled=False, webhook_enabled=False) for p in people),
        batch_size=5000,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.nudges")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the data set")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds after a warm-up")
    parser.add_argument("--batch", type=int, default=None, help="nudges per send task")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per case")
    args, _ = parser.parse_known_args(argv)  # `python -m bench` passes every module all
    enrolments = max(int(ENROLMENTS * args.scale), 20)
    backlog = max(int(BACKLOG * args.scale), 20)
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ["CELERY_BROKER_URL"] = _require_redis()
    # Stopped from outside (Ctrl-C, kill): still stop the workers and drop the database.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "micromastery.test_settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from django.utils import timezone

    from micromastery.celery import app
    from practice.nudges import dispatch, planning
    from practice.nudges.models import Nudge, NudgeStatus
    from tests.conftest import start_celery_worker, stop_celery_worker

    batch_size = args.batch or dispatch.CLAIM_BATCH_SIZE
    run = uuid.uuid4().hex[:8]
    one, both = f"bench-{run}-a", f"bench-{run}-b"
    old = setup_databases(verbosity=0, interactive=False)
    workers: list[Any] = []
    try:
        now = timezone.now()
        started = time.perf_counter()
        _learners_enrolled(enrolments, now)
        print(
            f"set-up: {enrolments:,} learners, one enrolment each, in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        environment = {"MICROMASTERY_TEST_EMAIL_BACKEND": MAIL_SINK}
        workers = [
            start_celery_worker(f"{one},{both}", environment),
            start_celery_worker(both, environment),
        ]
        nudges_table = Nudge._meta.db_table

        def planner_reset() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {nudges_table} CASCADE")

        def planner() -> None:
            planning.nudges_plan(now=now)
            planned = Nudge.objects.count()
            if planned != enrolments:
                raise SystemExit(f"bench.nudges: planned {planned:,} of {enrolments:,} nudges")

        def backlog_reset() -> None:
            # The first ``backlog`` nudges due and planned again, every other one out of the way.
            cutoff = Nudge.objects.order_by("pk").values_list("pk", flat=True)[backlog - 1]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {nudges_table} SET status = CASE WHEN id <= %s THEN %s ELSE %s END, "
                    "claim_token = NULL, lease_expires_at = NULL, attempts = 0, sent_at = NULL, "
                    "last_error = '' WHERE id <= %s OR status <> %s",
                    [cutoff, NudgeStatus.PLANNED, NudgeStatus.CANCELLED, cutoff, "cancelled"],
                )

        pending = Nudge.objects.filter(status__in=[NudgeStatus.PLANNED, NudgeStatus.SENDING])

        def dispatch_on(queue: str) -> Callable[[], None]:
            def run_dispatch() -> None:
                while dispatch.nudges_dispatch(queue=queue, batch_size=batch_size).batches:
                    pass
                _wait_until(lambda: not pending.exists(), timeout=args.timeout, workers=workers)
                sent = Nudge.objects.filter(status=NudgeStatus.SENT).count()
                if sent != backlog:
                    raise SystemExit(f"bench.nudges: sent {sent:,} of {backlog:,} nudges")

            return run_dispatch

        def idle(queue: str) -> bool:
            # Late acks: a message leaves "unacked" only once its task has run. The hash is
            # shared by every queue of the Redis database: count only this run's queues.
            with app.connection_for_write() as broker:
                channel = broker.default_channel
                if channel._size(queue):
                    return False
                return not any(
                    json.loads(entry)[2] in (one, both)
                    for entry in channel.client.hvals(channel.unacked_key)
                )

        def noops() -> None:
            with app.producer_or_acquire() as producer:
                for _ in range(backlog):
                    app.send_task("celery.accumulate", args=(1,), queue=both, producer=producer)
            _wait_until(lambda: idle(both), timeout=args.timeout, workers=workers)

        print(
            f"cases: planner ({enrolments:,} enrolments), dispatch_1w / dispatch_2w "
            f"({backlog:,} nudges in batches of {batch_size}), noop_2w ({backlog:,} tasks); "
            f"a warm-up and {args.repeat} rounds",
            flush=True,
        )
        seconds = interleaved(
            {
                "planner": planner,
                "dispatch_1w": dispatch_on(one),
                "dispatch_2w": dispatch_on(both),
                "noop_2w": noops,
            },
            repeat=args.repeat,
            prepare={
                "planner": planner_reset,
                "dispatch_1w": backlog_reset,
                "dispatch_2w": backlog_reset,
            },
        )
        print(
            f"planner: {seconds['planner']:.1f} s for {enrolments:,} enrolments "
            f"({enrolments / seconds['planner']:,.0f} nudges/s)"
        )
        for name in ("dispatch_1w", "dispatch_2w"):
            print(f"{name}: {seconds[name]:.2f} s ({backlog / seconds[name]:,.0f} nudges/s)")
        print(f"noop_2w: {seconds['noop_2w']:.2f} s ({backlog / seconds['noop_2w']:,.0f} tasks/s)")
        ratios = ratio_line(
            {
                "planner_100k_seconds": seconds["planner"] * ENROLMENTS / enrolments,
                "dispatch_vs_noop": seconds["noop_2w"] / seconds["dispatch_2w"],
                "two_workers_vs_one": seconds["dispatch_1w"] / seconds["dispatch_2w"],
            }
        )
    finally:
        for worker in workers:
            stop_celery_worker(worker)
        if workers:
            with app.connection_for_write() as broker:
                for queue in (one, both):
                    broker.default_channel.queue_purge(queue)
        connection.close()
        teardown_databases(old, verbosity=0)
    # Last, after the workers have said goodbye on the same output: the ratios.
    print(ratios, flush=True)
    return 0
