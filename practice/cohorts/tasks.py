"""Cohort tasks: keeping open cohorts in step with their teams.

Task names are explicit, so that messages queued before a module moves still find their task.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from micromastery.common.errors import ApplicationError
from practice.cohorts import services
from practice.cohorts.models import Cohort

logger = logging.getLogger(__name__)

# Cohorts loaded at a time: memory stays flat however many cohorts are open.
SYNC_BATCH = 500


@shared_task(name="practice.cohorts.tasks.cohorts_sync_task", ignore_result=True)
def cohorts_sync_task() -> int:
    """Enrol late joiners of open cohorts (not yet past their due date).

    Team changes made anywhere (admin, people import) reach cohorts through this sweep.
    Each cohort syncs in its own transaction, so one failing cohort holds up no other.
    """
    today = timezone.now().date()
    open_cohorts = Cohort.objects.filter(Q(due_on__isnull=True) | Q(due_on__gte=today))
    synced, last_pk = 0, 0
    while True:
        batch = list(open_cohorts.filter(pk__gt=last_pk).order_by("pk")[:SYNC_BATCH])
        if not batch:
            return synced
        for cohort in batch:
            try:
                services.cohort_sync(cohort=cohort)
            except ApplicationError:
                logger.exception("Cohort %s could not be synced", cohort.pk)
            else:
                synced += 1
        last_pk = batch[-1].pk
