"""Spread: how a skill travels beyond the learner, and the plug-in point that feeds it.

The dashboard's Spread section shows "mastered" from the enrolment rollups, then every
figure of every registered spread source, in the order the sources registered. Teach-back
(held sessions, colleagues reached, depth: who taught whom) plugs in here: payoff's own
``AppConfig.ready()`` registers ``payoff.teachback.TeachBackSpreadSource`` (payoff may
import practice's teach-back selectors; practice never imports payoff). A source is
registered with::

    from payoff.spread import spread_sources
    spread_sources.register(TeachBackSpreadSource())

and ``TeachBackSpreadSource.spread_figures(scope=...)`` returns ``payoff.figures.Figure``
objects with the keys ``teach_backs_held``, ``colleagues_reached`` and ``teach_back_depth``.
A source must honour the whole scope (organization, ``scope.learner_ids()`` when
``scope.limits_learners`` (selected teams or cohort), ``scope.micromastery_id`` and
``scope.cohort_micromastery_ids()``, ``scope.start``..``scope.end``) and run a fixed
number of queries whatever the amount of data: the dashboard's query count is pinned.
The figures then appear on the page, in the CSV export and in ``GET /api/v1/dashboard/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from micromastery.common.registry import Registry
from payoff.figures import Figure

if TYPE_CHECKING:
    from payoff.dashboard.scope import DashboardScope


class SpreadSource(Protocol):
    def spread_figures(self, *, scope: DashboardScope) -> list[Figure]:
        """Figures for the dashboard's Spread section, for exactly this scope."""


spread_sources: Registry[SpreadSource] = Registry("spread sources")
