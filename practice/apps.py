from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from practice.nudge_sources import PracticeNudgeSource
        from practice.nudges.sources import nudge_sources

        nudge_sources.register(PracticeNudgeSource())
