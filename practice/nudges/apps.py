from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NudgesConfig(AppConfig):
    """The delivery layer: every app registers its nudge sources here; it imports none."""

    name = "practice.nudges"
    label = "nudges"
    verbose_name = _("Nudges")

    def ready(self) -> None:
        from accounts.extensions import deactivation_hooks
        from practice.nudges.services import nudges_cancel_planned_for

        deactivation_hooks.register(nudges_cancel_planned_for)

        from micromastery.common.outbox import outbox_handlers
        from practice.nudges.outbox import outbox_enqueue

        # Apps above accounts-level (people invitations, password links) hand their
        # messages to the outbox through this registry.
        outbox_handlers.register(outbox_enqueue)
