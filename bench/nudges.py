"""Nudge throughput: plan and dispatch N due nudges with real workers, against a no-op task.

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... python -m bench nudges \
        [--learners 20000] [--nudges 100000] [--workers 2] [--batch 50] [--scale 1.0]

Runs in a throwaway test database (created here, dropped at the end, also on failure).
Learners work all day, every day, in UTC, and each has a "time to start" nudge due.

1. **Planner**: one run of ``nudges_plan`` for every learner, timed, with its queries per
   batch of learners (the count must not grow with the batch).
2. **Backlog**: the planner plans at most one pending nudge per learner, so the rest of
   the N due nudges are the planned ones copied, with bulk inserts, to the learners'
   previous local days (one a day each, as the daily cap allows): a backlog of N
   ``planned`` nudges that are all due now.
3. **No-op baseline**: as many ``celery.accumulate`` messages as dispatch will publish
   (at least 2,000), through the same worker processes, timed until every message is
   acknowledged (late acks: a message is acknowledged once its task has run).
4. **Dispatch + send**: the dispatcher claims the backlog in batches and publishes one
   send task per batch; timed until every nudge has left ``planned`` and ``sending``.
   Email goes to Django's in-memory backend in the workers: rendering, the MIME message
   and the status machine are measured, not a mail server.

Throughput is printed per nudge and per broker message, each against the no-op task's
messages per second: the per-message ratio compares like with like (one message, one
task run), the per-nudge one shows what batching buys.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from bench._common import ratio_line


def _require_postgres_and_redis() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench.nudges needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        raise SystemExit("bench.nudges needs Redis: set CELERY_BROKER_URL=redis://...")


def _wait_until(condition: Any, *, timeout: float, workers: list[Any], every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench.nudges: gave up waiting after {timeout:.0f} s")
        if any(worker.poll() is not None for worker in workers):
            raise SystemExit("bench.nudges: a worker process exited before the work was done")
        time.sleep(every)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.nudges")
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--nudges", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=None, help="nudges per send task")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per phase")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies --learners and --nudges"
    )
    args, _ = parser.parse_known_args(argv)  # `python -m bench` passes every module all
    args.learners = max(int(args.learners * args.scale), 10)
    args.nudges = max(int(args.nudges * args.scale), 20)
    _require_postgres_and_redis()
    # Stopped from outside (Ctrl-C, kill): still stop the workers and drop the database.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "micromastery.test_settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases
    from django.utils import timezone

    from accounts.models import Organization, User
    from courses.models import Micromastery, MicromasteryVersion, PracticeStep
    from micromastery.celery import app
    from practice.models import Enrollment
    from practice.nudges import dispatch, planning
    from practice.nudges.models import Nudge, NudgePreference, NudgeStatus
    from tests.conftest import start_celery_worker, stop_celery_worker

    batch_size = args.batch or dispatch.CLAIM_BATCH_SIZE
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    old = setup_databases(verbosity=0, interactive=False)
    workers = []
    try:
        days = math.ceil(args.nudges / args.learners)
        now = timezone.now()
        started = time.perf_counter()
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
                for i in range(args.learners)
            ),
            batch_size=2000,
        )
        people = list(User.objects.filter(organization=organization).only("pk"))
        Enrollment.objects.bulk_create(
            (Enrollment(learner=p, micromastery=micromastery, version=version) for p in people),
            batch_size=2000,
        )
        Enrollment.objects.update(created_at=now - timedelta(days=days + 2))
        NudgePreference.objects.bulk_create(
            (NudgePreference(user=p, in_app_enabled=False, webhook_enabled=False) for p in people),
            batch_size=2000,
        )
        print(
            f"set-up: {args.learners:,} learners in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        # 1. The planner, on one day, for every learner.
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            plan = planning.nudges_plan(now=now)
        plan_seconds = time.perf_counter() - started
        planned = Nudge.objects.count()
        # The last query of the run is the empty batch that ends it.
        per_batch = (len(queries.captured_queries) - 1) / plan.batches if plan.batches else 0
        print(
            f"planner: {planned:,} nudges for {plan.learners_seen:,} learners in "
            f"{plan_seconds:.1f} s ({planned / plan_seconds:,.0f} nudges/s), "
            f"{plan.batches} batches of up to {planning.PLANNER_BATCH_SIZE} learners, "
            f"{per_batch:.1f} queries per batch",
            flush=True,
        )
        if planned == 0:
            raise SystemExit("bench.nudges: the planner planned nothing")

        # 2. The backlog: the planned nudges copied to previous local days, bulk inserted.
        started = time.perf_counter()
        templates = list(Nudge.objects.order_by("pk"))
        needed = args.nudges - len(templates)
        day = 1
        while needed > 0:
            copies = []
            for template in templates[:needed]:
                local_date = template.local_date - timedelta(days=day)
                copies.append(
                    Nudge(
                        recipient_id=template.recipient_id,
                        kind=template.kind,
                        channel=template.channel,
                        subject_ref=template.subject_ref,
                        local_date=local_date,
                        due_at=template.due_at - timedelta(days=day),
                        dedupe_key=(
                            f"{template.recipient_id}:{template.kind}:{template.subject_ref}:"
                            f"{local_date.isoformat()}:{template.channel}"
                        ),
                        payload=template.payload,
                    )
                )
            Nudge.objects.bulk_create(copies, batch_size=5000)
            needed -= len(copies)
            day += 1
        if needed < 0:  # more learners than nudges asked for: keep the first N
            surplus = Nudge.objects.order_by("-pk").values_list("pk", flat=True)[:-needed]
            Nudge.objects.filter(pk__in=list(surplus)).delete()
        backlog = Nudge.objects.filter(status=NudgeStatus.PLANNED, due_at__lte=timezone.now())
        total = backlog.count()
        print(
            f"backlog: {total:,} planned nudges due over {day} local days, bulk inserted in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )

        # 3. Real worker processes, and the no-op baseline through them.
        workers = [
            start_celery_worker(
                queue,
                {
                    "MICROMASTERY_TEST_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"
                },
            )
            for _ in range(args.workers)
        ]

        def idle() -> bool:
            # Late acks: a message leaves "unacked" only once its task has run. The hash is
            # shared by every queue of the Redis database: count only this run's queue
            # (with a prefetch of one it holds at most one message per worker of ours).
            with app.connection_for_write() as broker:
                channel = broker.default_channel
                if channel._size(queue):
                    return False
                return not any(
                    json.loads(entry)[2] == queue
                    for entry in channel.client.hvals(channel.unacked_key)
                )

        def publish_noops(count: int) -> None:
            with app.producer_or_acquire() as producer:
                for _ in range(count):
                    app.send_task("celery.accumulate", args=(1,), queue=queue, producer=producer)

        publish_noops(args.workers * 20)  # warm-up: every worker up and consuming
        _wait_until(idle, timeout=120, workers=workers)
        messages = math.ceil(total / batch_size)
        noop_count = max(messages, 2000)
        started = time.perf_counter()
        publish_noops(noop_count)
        _wait_until(idle, timeout=args.timeout, workers=workers)
        noop_per_second = noop_count / (time.perf_counter() - started)
        print(f"no-op task: {noop_count:,} messages, {noop_per_second:,.0f} tasks/s", flush=True)

        # 4. Dispatch and send the whole backlog.
        pending = Nudge.objects.filter(status__in=[NudgeStatus.PLANNED, NudgeStatus.SENDING])
        started = time.perf_counter()
        cycles = published = 0
        while True:
            result = dispatch.nudges_dispatch(queue=queue, batch_size=batch_size, max_batches=200)
            cycles += 1
            published += result.batches
            if not result.batches:
                break
        dispatch_seconds = time.perf_counter() - started
        _wait_until(lambda: not pending.exists(), timeout=args.timeout, workers=workers, every=0.25)
        seconds = time.perf_counter() - started
        outcome = dict(Nudge.objects.values_list("status").annotate(n=Count("pk")))
        sent = outcome.get(NudgeStatus.SENT, 0)
        nudges_per_second = total / seconds
        messages_per_second = published / seconds

        print(
            f"learners={args.learners} nudges={total} workers={args.workers} "
            f"batch={batch_size} (nudges per send task)"
        )
        print(
            f"dispatch+send: {total:,} nudges in {seconds:.1f} s "
            f"(claimed and published in {dispatch_seconds:.1f} s over {cycles} dispatcher "
            f"cycles, {published:,} send-task messages); outcome: "
            + ", ".join(f"{status} {count:,}" for status, count in sorted(outcome.items()))
        )
        print(f"per nudge:   {nudges_per_second:,.0f} nudges/s")
        print(f"per message: {messages_per_second:,.1f} send tasks/s (batches of {batch_size})")
        print(f"no-op task:  {noop_per_second:,.0f} tasks/s (one message each, same workers)")
        print(
            f"ratio per nudge   (nudges/s / no-op tasks/s): "
            f"{nudges_per_second / noop_per_second:.2f}"
        )
        print(
            f"ratio per message (send tasks/s / no-op tasks/s): "
            f"{messages_per_second / noop_per_second:.4f}"
        )
        print(
            ratio_line(
                {
                    "nudges_per_noop_task": nudges_per_second / noop_per_second,
                    "send_tasks_per_noop_task": messages_per_second / noop_per_second,
                }
            ),
            flush=True,
        )
        if sent != total:
            print(f"bench.nudges: {total - sent:,} nudges were not sent", file=sys.stderr)
            return 1
        return 0
    finally:
        for worker in workers:
            stop_celery_worker(worker)
        if workers:
            with app.connection_for_write() as broker:
                broker.default_channel.queue_purge(queue)
        connection.close()
        teardown_databases(old, verbosity=0)
