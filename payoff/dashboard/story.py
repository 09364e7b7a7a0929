"""The band at the top of the dashboard: reach -> practice -> capability -> spread ->
results -> value, one figure each, read from the summary (no query)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from payoff.dashboard.results import MetricResult
from payoff.figures import Figure

if TYPE_CHECKING:
    from payoff.dashboard.summary import DashboardSummary


@dataclass(frozen=True)
class StoryStep:
    """One link of the chain: the figure that stands for its section, in a word."""

    section: str
    title: str
    figure: Figure
    word: str

    @property
    def display(self) -> str:
        return self.figure.display


def _results_figure(results: list[MetricResult]) -> Figure:
    better = sum(
        1
        for result in results
        if result.groups[0].median_change is not None and result.groups[0].median_change > 0
    )
    measured = sum(1 for result in results if result.groups[0].median_change is not None)
    return Figure(
        "metrics_better",
        "Payoff metrics better",
        better if measured else None,
        f"Payoff metrics whose median change (latest check-in minus baseline) is better, "
        f"out of {measured} measured in the period.",
        f"of {measured}" if measured else "",
    )


def dashboard_story(*, summary: DashboardSummary) -> list[StoryStep]:
    """The six figures of the band, from the summary."""
    try:
        spread = summary.figure("colleagues_reached")
        spread_word = "colleagues taught"
    except KeyError:
        spread = summary.figure("mastered")
        spread_word = "mastered"
    return [
        StoryStep("reach", "Reach", summary.figure("enrolled"), "enrolled"),
        StoryStep("practice", "Practice", summary.figure("active_7_days"), "practised this week"),
        StoryStep(
            "capability", "Capability", summary.figure("steps_done_percent"), "of steps done"
        ),
        StoryStep("spread", "Spread", spread, spread_word),
        StoryStep("results", "Results", _results_figure(summary.results), "metrics better"),
        StoryStep(
            "value",
            "Value",
            summary.value[0],
            # The basis comes beside the band, in full (summary.value_basis).
            f"in the last {summary.scope.period_days} days",
        ),
    ]
