"""A real Celery worker process, over the configured broker (Redis in CI's second run)."""

import time

import pytest

from micromastery.common.models import Heartbeat
from micromastery.common.tasks import heartbeat_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_worker_runs_a_task_sent_through_the_broker(celery_worker_queue):
    heartbeat_task.apply_async(kwargs={"name": "ci-worker"}, queue=celery_worker_queue)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(name="ci-worker").exists():
            break
        time.sleep(0.2)
    assert Heartbeat.objects.filter(name="ci-worker").exists()
