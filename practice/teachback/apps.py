from django.apps import AppConfig


class TeachBackConfig(AppConfig):
    name = "practice.teachback"
    label = "teachback"
    verbose_name = "Teach-back"

    def ready(self) -> None:
        from practice.extensions import completion_hooks
        from practice.nudges.sources import nudge_sources
        from practice.teachback.completion import TeachBackProposalHook
        from practice.teachback.reminders import TeachBackReminderSource

        nudge_sources.register(TeachBackReminderSource())
        completion_hooks.register(TeachBackProposalHook())
