from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Practice")

    def ready(self) -> None:
        from practice.nudge_sources import PracticeNudgeSource
        from practice.nudges.sources import nudge_sources

        nudge_sources.register(PracticeNudgeSource())
