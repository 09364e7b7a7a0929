from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import OrganizationFactory, TeamFactory, UserFactory


@pytest.fixture
def organization():
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_organization():
    return OrganizationFactory(name="Globex", slug="globex")


@pytest.fixture
def learner(organization):
    return UserFactory(organization=organization, email="learner@acme.example")


@pytest.fixture
def author(organization):
    return UserFactory(organization=organization, email="author@acme.example", is_author=True)


@pytest.fixture
def org_admin(organization):
    return UserFactory(organization=organization, email="admin@acme.example", is_org_admin=True)


@pytest.fixture
def manager(organization):
    return UserFactory(organization=organization, email="manager@acme.example")


@pytest.fixture
def team(organization, manager, learner):
    return TeamFactory(
        organization=organization, name="Dispatch", managers=[manager], members=[learner]
    )


@pytest.fixture
def outsider(other_organization):
    """Someone of another organization, with every role there."""
    return UserFactory(
        organization=other_organization,
        email="outsider@globex.example",
        is_author=True,
        is_org_admin=True,
    )


@pytest.fixture
def other_team(other_organization, outsider):
    return TeamFactory(
        organization=other_organization, name="Globex ops", managers=[outsider], members=[outsider]
    )


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def start_celery_worker(queue, extra_env=None):
    """A real worker process consuming ``queue`` (a comma-separated list is several
    queues), pointed at the test database."""
    import os
    import subprocess
    import sys

    from django.db import connection

    env = os.environ.copy()
    env["DJANGO_SETTINGS_MODULE"] = "micromastery.test_settings"
    env["MICROMASTERY_TEST_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    env.update(extra_env or {})
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "micromastery",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        env=env,
    )


def stop_celery_worker(worker):
    import subprocess

    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture
def celery_worker_queue(transactional_db):
    """Start a real worker process on a queue of its own, pointed at the test database."""
    import uuid

    queue = f"test-{uuid.uuid4().hex[:10]}"
    worker = start_celery_worker(queue)
    try:
        yield queue
    finally:
        stop_celery_worker(worker)


@pytest.fixture
def celery_workers(transactional_db):
    """Start (and restart) real worker processes on a queue of this test's own."""
    import uuid

    queue = f"test-{uuid.uuid4().hex[:10]}"
    started = []

    class Workers:
        def __init__(self):
            self.queue = queue

        def start(self, extra_env=None, queues=None):
            """A worker on this test's queue and its webhook queue, or on ``queues``."""
            names = queues or [queue, f"{queue}-webhooks"]
            worker = start_celery_worker(",".join(names), extra_env)
            started.append(worker)
            return worker

        def stop(self, worker):
            stop_celery_worker(worker)

    try:
        yield Workers()
    finally:
        for worker in started:
            stop_celery_worker(worker)


def outbox_deliver_now():
    """What a worker does once an enqueue's kick reaches it: claim and send every due
    outbox message, here, in this process (the test's locmem mail or a local receiver)."""
    from django.utils import timezone

    from practice.nudges import dispatch
    from practice.nudges.claims import rows_claim
    from practice.nudges.models import OutboxMessage
    from practice.nudges.outbox import outbox_send

    while True:
        ids, token = rows_claim(
            OutboxMessage.objects.all(),
            now=timezone.now(),
            batch_size=dispatch.CLAIM_BATCH_SIZE,
            lease=dispatch.SEND_LEASE,
        )
        if not ids:
            return
        outbox_send(message_ids=ids, token=token)


@pytest.fixture(autouse=True)
def outbox_delivered_at_once(request, monkeypatch):
    """Tests have no worker on the default queue: the commit's kick delivers in-process,
    so a test sees the email an outbox message becomes once its transaction commits.
    Tests marked ``worker`` go through real worker processes instead."""
    if request.node.get_closest_marker("worker"):
        return
    monkeypatch.setattr("practice.nudges.outbox.outbox_kick", outbox_deliver_now)


@pytest.fixture(autouse=True)
def cache_cleared():
    """Each test starts with an empty cache: a row id a rolled-back test used may come back
    in the next one, with other content."""
    cache.clear()
    yield
    cache.clear()
