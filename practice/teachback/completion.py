"""How teach-back hears that a learner completed the practice: a completion hook."""

from __future__ import annotations

import logging

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from practice.models import Enrollment
from practice.teachback.models import SessionStatus, TeachBackSession
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

    def completion_card(self, *, enrollment: Enrollment, learner: User) -> SafeString:
        """ "Teach it back", with a link to the enrolment's teach-back (one query)."""
        if enrollment.learner_id != learner.pk:
            return mark_safe("")
        session = (
            TeachBackSession.objects.filter(enrollment=enrollment)
            .exclude(status=SessionStatus.CANCELLED)
            .order_by("-pk")
            .first()
        )
        return mark_safe(  # noqa: S308 - a template rendered with auto-escaping
            render_to_string(
                "teachback/_completion_card.html",
                {"session": session, "proposed": SessionStatus.PROPOSED},
            )
        )
