"""Thin Celery tasks that keep the payoff rollups current."""

from __future__ import annotations

from celery import shared_task

from payoff import rollups


@shared_task(ignore_result=True)
def rollups_refresh_task() -> None:
    """Fold raw rows written since the last run into the rollups (bounded batches).

    Safe to run twice at once or after a crash: each batch recomputes its buckets from the
    raw rows under a lock on the stream's watermark.
    """
    rollups.rollups_refresh()


@shared_task(ignore_result=True, soft_time_limit=60 * 60, time_limit=60 * 65)
def rollups_rebuild_task() -> None:
    """Recompute every rollup from the raw rows, repair and log any drift."""
    rollups.rollups_rebuild()
