from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from practice.nudges import admin  # noqa: F401 - registers the nudge admin
        from practice.nudges.sources import PracticeNudgeSource, nudge_source_register
        from practice.teachback.reminders import TeachBackReminderSource

        nudge_source_register(PracticeNudgeSource())
        nudge_source_register(TeachBackReminderSource())
