"""A real Celery worker process, over the configured broker (Redis in CI's second run)."""

import pytest

from micromastery.common.models import Heartbeat
from micromastery.common.tasks import heartbeat_task
from tests.waiting import children_cpu, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_worker_runs_a_task_sent_through_the_broker(celery_worker_queue):
    heartbeat_task.apply_async(kwargs={"name": "ci-worker"}, queue=celery_worker_queue)
    # The worker starting up and running the task is the progress: its CPU use.
    wait_until(lambda: Heartbeat.objects.filter(name="ci-worker").exists(), progress=children_cpu)
    assert Heartbeat.objects.filter(name="ci-worker").exists()
