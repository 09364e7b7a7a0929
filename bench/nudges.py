"""Nudge throughput: plan and dispatch N due nudges with real workers, against a no-op task.

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... python -m bench.nudges \
        [--learners 20000] [--nudges 100000] [--workers 2]

Runs in a throwaway test database. Learners work all day, every day, and each has a start
nudge due; nudges are planned for consecutive past days (one a day each) until there are
``--nudges`` of them, then dispatched to email (Django's in-memory backend in the workers:
rendering and the status machine are measured, not a mail server).
"""

from __future__ import annotations

import argparse
import math
import os
import time
import uuid
from datetime import datetime, timedelta


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.nudges")
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--nudges", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "micromastery.test_settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases
    from django.utils import timezone

    from accounts.models import Organization, User
    from courses.models import Micromastery, MicromasteryVersion, PracticeStep
    from micromastery.celery import app
    from practice.models import Enrollment, NudgePreference
    from practice.nudges import dispatch, planning
    from practice.nudges.models import Nudge, NudgeStatus
    from tests.conftest import start_celery_worker, stop_celery_worker

    old = setup_databases(verbosity=0, interactive=False)
    workers = []
    try:
        days = math.ceil(args.nudges / args.learners)
        now = timezone.now()
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
        people = list(User.objects.filter(organization=organization))
        Enrollment.objects.bulk_create(
            (Enrollment(learner=p, micromastery=micromastery, version=version) for p in people),
            batch_size=2000,
        )
        Enrollment.objects.update(created_at=now - timedelta(days=days + 2))
        NudgePreference.objects.bulk_create(
            (NudgePreference(user=p, in_app_enabled=False, webhook_enabled=False) for p in people),
            batch_size=2000,
        )

        started = time.perf_counter()
        batches = 0
        with CaptureQueriesContext(connection) as queries:
            for day in range(days, 0, -1):
                batches += planning.nudges_plan(now=now - timedelta(days=day)).batches
        plan_seconds = time.perf_counter() - started
        reads = [q for q in queries.captured_queries if not q["sql"].startswith("INSERT")]
        excess = Nudge.objects.order_by("-due_at").values_list("pk", flat=True)[args.nudges :]
        Nudge.objects.filter(pk__in=list(excess)).delete()
        total = Nudge.objects.count()

        queue = f"bench-{uuid.uuid4().hex[:8]}"
        workers = [start_celery_worker(queue) for _ in range(args.workers)]
        time.sleep(6)

        def drained() -> bool:
            with app.connection_for_write() as broker:
                return broker.default_channel._size(queue) == 0  # kombu virtual transports

        noop_count = max(total // args.batch, 200)
        started = time.perf_counter()
        with app.producer_or_acquire() as producer:
            for _ in range(noop_count):
                app.send_task("celery.accumulate", args=(1,), queue=queue, producer=producer)
        while not drained():
            time.sleep(0.05)
        noop_per_second = noop_count / (time.perf_counter() - started)

        started = time.perf_counter()
        while Nudge.objects.filter(status=NudgeStatus.PLANNED).exists():
            dispatch.nudges_dispatch(queue=queue, batch_size=args.batch, max_batches=10**6)
        while Nudge.objects.filter(status=NudgeStatus.SENT).count() < total:
            time.sleep(0.2)
        nudges_per_second = total / (time.perf_counter() - started)

        print(f"learners={args.learners} nudges={total} workers={args.workers} batch={args.batch}")
        print(
            f"planner: {total / plan_seconds:,.0f} nudges/s, {len(reads) / batches:.1f} "
            f"reads per batch of up to {planning.PLANNER_BATCH_SIZE} learners"
        )
        print(f"dispatch+send: {nudges_per_second:,.0f} nudges/s")
        print(f"no-op task: {noop_per_second:,.0f} tasks/s")
        print(f"ratio nudges/s to no-op tasks/s: {nudges_per_second / noop_per_second:.2f}")
    finally:
        for worker in workers:
            stop_celery_worker(worker)
        connection.close()
        teardown_databases(old, verbosity=0)
