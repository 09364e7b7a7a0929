from __future__ import annotations

from celery import shared_task

from micromastery.common import services


@shared_task(ignore_result=True)
def heartbeat_task(name: str = "worker") -> None:
    services.heartbeat_record(name=name)
