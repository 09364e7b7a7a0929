"""How teach-back hears that a learner completed the practice: a completion hook."""

from __future__ import annotations

import logging

from practice.teachback.tasks import teachback_propose_task

logger = logging.getLogger(__name__)


class TeachBackProposalHook:
    """Queues the teach-back proposal for a completed enrolment."""

    name = "teachback-proposal"

    def enrollment_completed(self, *, enrollment_id: int) -> None:
        try:
            teachback_propose_task.delay(enrollment_id)
        except Exception:
            # The attempt is saved; the periodic sweep proposes if the broker was unreachable.
            logger.exception(
                "Could not queue the teach-back proposal for enrolment %s", enrollment_id
            )
