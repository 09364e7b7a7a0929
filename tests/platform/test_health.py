import pytest
from django.utils import timezone

from micromastery.common.models import Heartbeat
from micromastery.common.tasks import heartbeat_task

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["worker"]["status"] == "waiting"


def test_healthz_reports_a_stale_worker(client):
    Heartbeat.objects.create(name="worker", beat_at=timezone.now() - timezone.timedelta(hours=1))
    assert client.get("/healthz").json()["worker"]["status"] == "stale"


def test_healthz_unreachable_broker_is_unavailable(client, monkeypatch):
    from kombu import Connection

    from micromastery.celery import app

    # A real connection attempt to a port where no broker listens.
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["broker"].startswith("error")


def test_heartbeat_task_records_the_worker(client):
    heartbeat_task()
    heartbeat_task()
    assert Heartbeat.objects.count() == 1
    assert client.get("/healthz").json()["worker"]["status"] == "ok"


def test_database_engine_follows_database_url():
    import os

    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    if expected == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
