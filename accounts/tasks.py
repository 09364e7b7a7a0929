from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from accounts import services


@shared_task(ignore_result=True)
def api_tokens_delete_idle_task() -> int:
    return services.api_tokens_delete_idle(now=timezone.now())
