"""The dashboard in one read.

One selector, ``dashboard_summary``, feeds the dashboard page, its CSV export and
``GET /api/v1/dashboard/``, so the three always show the same numbers. It reads the
rollups (see payoff.rollups), plus sent nudges and attempts for the nudge figures, and runs a
fixed number of queries whatever the data size; a cohort's practice by week and the overdue
count are read from the cohort's own rows in one grouped query each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from payoff.dashboard.enrolments import (
    WeekPoint,
    enrollment_figures,
    practice_rate,
    weekly_practice,
)
from payoff.dashboard.learners import at_risk_list
from payoff.dashboard.nudges import nudge_figures
from payoff.dashboard.results import (
    MetricResult,
    RoiLine,
    ValueLine,
    results_and_value,
    value_basis,
)
from payoff.dashboard.scope import DashboardScope
from payoff.dashboard.story import StoryStep, dashboard_story
from payoff.figures import Figure
from payoff.models import (
    EnrollmentRollup,
)
from payoff.spread import spread_sources


@dataclass
class DashboardSummary:
    scope: DashboardScope
    reach: list[Figure]
    practice: list[Figure]
    weeks: list[WeekPoint]
    capability: list[Figure]
    spread: list[Figure]
    results: list[MetricResult]
    value: list[Figure]
    value_lines: list[ValueLine]
    roi_lines: list[RoiLine]
    nudges: list[Figure] = field(default_factory=list)
    at_risk: list[EnrollmentRollup] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.reach[0].value

    @property
    def value_basis(self) -> str:
        return value_basis(self.scope, self.value_lines)

    @property
    def story(self) -> list[StoryStep]:
        return dashboard_story(summary=self)

    def figure(self, key: str) -> Figure:
        for section in (
            self.reach,
            self.practice,
            self.capability,
            self.spread,
            self.value,
            self.nudges,
        ):
            for item in section:
                if item.key == key:
                    return item
        raise KeyError(key)


def dashboard_summary(*, scope: DashboardScope, with_people: bool = False) -> DashboardSummary:
    """Every number of the dashboard for the scope, from the rollups."""
    reach, practice, capability, mastered = enrollment_figures(scope)
    weeks = weekly_practice(scope)
    practice.insert(0, practice_rate(scope, weeks))
    spread = [figure for source in spread_sources for figure in source.spread_figures(scope=scope)]
    spread.append(mastered)
    results, value, value_lines, roi_lines = results_and_value(scope)
    return DashboardSummary(
        scope=scope,
        reach=reach,
        practice=practice,
        weeks=weeks,
        capability=capability,
        spread=spread,
        results=results,
        value=value,
        value_lines=value_lines,
        roi_lines=roi_lines,
        nudges=nudge_figures(scope),
        at_risk=at_risk_list(scope) if with_people else [],
    )
