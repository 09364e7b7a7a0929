"""How teach-back hears that a learner completed the practice: a completion hook."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from accounts.models import User
from micromastery.common.prepared import PreparedRead
from practice.models import Enrollment
from practice.teachback.models import SessionStatus, TeachBackSession
from practice.teachback.tasks import teachback_propose_task

logger = logging.getLogger(__name__)

_COMPLETION_CARD_CACHE_KEY = "teachback:completion-card:1:{}:{}:{}:{}:{}"
COMPLETION_CARD_CACHE_SECONDS = 60 * 60 * 24


def _latest_session(*, enrollment: Enrollment) -> QuerySet[TeachBackSession, tuple[Any, ...]]:
    return (
        TeachBackSession.objects.filter(enrollment=enrollment)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("-pk")
        .values_list("pk", "status", "starts_at")[:1]
    )


# Asked on every visit of a completed enrolment's step page: compiled once per thread.
_LATEST_SESSION = PreparedRead(_latest_session)


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
        latest = _LATEST_SESSION.list(shape=None, enrollment=enrollment)
        session = (
            dict(zip(("pk", "status", "starts_at"), latest[0], strict=True)) if latest else None
        )
        # The card shows nothing but these values, in the reader's language and time zone:
        # with all of them in the key, it is rendered once and never goes stale.
        key = _COMPLETION_CARD_CACHE_KEY.format(
            get_language(),
            timezone.get_current_timezone_name(),
            *(
                (
                    session["pk"],
                    session["status"],
                    session["starts_at"] and session["starts_at"].isoformat(),
                )
                if session
                else ("", "", "")
            ),
        )
        html: str | None = cache.get(key)
        if html is None:
            html = render_to_string(
                "teachback/_completion_card.html",
                {"session": session, "proposed": SessionStatus.PROPOSED},
            )
            cache.set(key, html, COMPLETION_CARD_CACHE_SECONDS)
        return mark_safe(html)  # noqa: S308 - a template rendered with auto-escaping
