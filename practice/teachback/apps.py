from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeachBackConfig(AppConfig):
    name = "practice.teachback"
    label = "teachback"
    verbose_name = _("Teach-back")

    def ready(self) -> None:
        from practice.extensions import completion_hooks
        from practice.nudges.sources import nudge_sources
        from practice.teachback.completion import TeachBackProposalHook
        from practice.teachback.reminders import TeachBackReminderSource

        nudge_sources.register(TeachBackReminderSource())
        completion_hooks.register(TeachBackProposalHook())
