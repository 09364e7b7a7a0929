"""The band at the top of the dashboard: reach -> practice -> capability -> spread ->
results -> value, one figure each, read from the summary (no query)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

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
        _("Payoff metrics better"),
        better if measured else None,
        _(
            "Payoff metrics whose median change (latest check-in minus baseline) is better, "
            "out of %(count)d measured in the period."
        )
        % {"count": measured},
        pgettext("payoff metrics better, of how many", "of %(count)d") % {"count": measured}
        if measured
        else "",
    )


def dashboard_story(*, summary: DashboardSummary) -> list[StoryStep]:
    """The six figures of the band, from the summary."""
    try:
        spread = summary.figure("colleagues_reached")
        spread_word = pgettext("dashboard band", "colleagues taught")
    except KeyError:
        spread = summary.figure("mastered")
        spread_word = pgettext("dashboard band", "mastered")
    days = summary.scope.period_days
    return [
        StoryStep(
            "reach", _("Reach"), summary.figure("enrolled"), pgettext("dashboard band", "enrolled")
        ),
        StoryStep(
            "practice",
            _("Practice"),
            summary.figure("active_7_days"),
            pgettext("dashboard band", "practised this week"),
        ),
        StoryStep(
            "capability",
            _("Capability"),
            summary.figure("steps_done_percent"),
            pgettext("dashboard band", "of steps done"),
        ),
        StoryStep("spread", _("Spread"), spread, spread_word),
        StoryStep(
            "results",
            _("Results"),
            _results_figure(summary.results),
            pgettext("dashboard band", "metrics better"),
        ),
        StoryStep(
            "value",
            _("Value"),
            summary.value[0],
            # The basis comes beside the band, in full (summary.value_basis).
            ngettext("in the last %(days)d day", "in the last %(days)d days", days)
            % {"days": days},
        ),
    ]
