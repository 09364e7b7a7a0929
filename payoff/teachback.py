"""Teach-back's figures in the dashboard's Spread section (see ``payoff.spread``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from payoff.figures import Figure
from practice.teachback.selectors import spread_counts

if TYPE_CHECKING:
    from payoff.dashboard.scope import DashboardScope


class TeachBackSpreadSource:
    """Held sessions, colleagues reached and depth, for exactly the dashboard's scope.

    Teams scope the *teaching* (sessions taught by their members; the colleagues they
    reached may sit anywhere in the organization); the period is on the session's start.
    One query whatever the amount of data.
    """

    def spread_figures(self, *, scope: DashboardScope) -> list[Figure]:
        counts = spread_counts(
            scope.organization_id,
            micromastery_ids=[scope.micromastery_id] if scope.micromastery_id else None,
            team_ids=scope.team_ids if scope.teams else None,
            period=(scope.start, scope.end),
            teacher_ids=scope.learner_ids() if scope.cohort is not None else None,
            micromastery_subquery=scope.cohort_micromastery_ids()
            if scope.cohort is not None
            else None,
        )
        if scope.cohort is not None:
            held = _(
                "Sessions taught by members of the cohort %(cohort)s that took place in the "
                "period and that at least one colleague attended."
            ) % {"cohort": scope.cohort.name}
        elif scope.teams:
            held = _(
                "Sessions taught by members of the selected teams that took place in the "
                "period and that at least one colleague attended."
            )
        else:
            held = _(
                "Sessions taught by anyone that took place in the period and that at least "
                "one colleague attended."
            )
        return [
            Figure(
                key="teach_backs_held",
                label=_("Teach-backs held"),
                value=counts["held"],
                explanation=held,
            ),
            Figure(
                key="colleagues_reached",
                label=_("Colleagues reached"),
                value=counts["reached"],
                explanation=_("Different colleagues who attended those sessions, in any team."),
            ),
            Figure(
                key="teach_back_depth",
                label=_("Depth of spread"),
                value=counts["depth"],
                explanation=_(
                    "The longest chain of who taught whom: 1 is a teacher and their "
                    "attendees; 2 means an attendee taught it on."
                ),
            ),
        ]
