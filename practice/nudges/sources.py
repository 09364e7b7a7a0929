"""The registry of nudge sources: who has what due, asked in batches of learners.

Delivery knows no feature: every app registers its source from its ``AppConfig.ready()``
(practice: practice due, start, streak at risk, refreshers in ``practice.nudge_sources``;
teach-back reminders; payoff check-ins). A source answers for a whole batch of learners
with a fixed number of queries: the planner's query count per batch must not grow with the
number of learners in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.urls import NoReverseMatch, reverse

from accounts.models import User
from micromastery.common.registry import Registry
from practice.nudges.models import NudgeKind


@dataclass(frozen=True)
class DueItem:
    """One thing a learner has due, as a line of a nudge."""

    kind: NudgeKind
    subject_ref: str
    title: str
    text: str
    path: str  # where the link lands, e.g. the exact practice step
    due_at: datetime
    enrollment_id: int | None = None

    def as_payload(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "subject_ref": self.subject_ref,
            "title": self.title,
            "text": self.text,
            "path": self.path,
        }


class NudgeSource(Protocol):
    name: str

    def due_items(self, *, learners: Sequence[User], now: datetime) -> dict[int, list[DueItem]]:
        """What each learner (by id) has due at ``now``; a fixed number of queries."""


nudge_sources: Registry[NudgeSource] = Registry("nudge sources", key=lambda source: source.name)


def due_items_collect(
    *, learners: Sequence[User], now: datetime, waiting: Collection[int] = ()
) -> dict[int, list[DueItem]]:
    """Everything due for each learner, from every registered source.

    ``waiting``: people whose next nudge is planned already; only sources of time-critical
    items (``time_critical = True``: outside the daily cap) are asked about them.
    """
    collected: dict[int, list[DueItem]] = defaultdict(list)
    free = [learner for learner in learners if learner.pk not in waiting]
    for source in nudge_sources:
        asked = learners if getattr(source, "time_critical", False) else free
        if not asked:
            continue
        for learner_id, items in source.due_items(learners=asked, now=now).items():
            collected[learner_id].extend(items)
    return collected


def link_path(url_name: str, fallback: str, **kwargs: int) -> str:
    """The path of a page, or its agreed shape when that page is not installed."""
    try:
        return reverse(url_name, kwargs=kwargs)
    except NoReverseMatch:
        return fallback
