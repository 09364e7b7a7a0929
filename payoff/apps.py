from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoffConfig(AppConfig):
    name = "payoff"
    verbose_name = _("Payoff")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from payoff.context_processors import remember_manages_teams
        from payoff.extensions import BaselineApiExtension, BaselineEnrollmentExtension
        from payoff.nudges import PayoffCheckinNudgeSource
        from payoff.spread import spread_sources
        from payoff.teachback import TeachBackSpreadSource
        from practice.extensions import enrollment_api_extensions, enrollment_extensions
        from practice.nudges.sources import nudge_sources

        enrollment_extensions.register(BaselineEnrollmentExtension())
        enrollment_api_extensions.register(BaselineApiExtension())
        nudge_sources.register(PayoffCheckinNudgeSource())
        spread_sources.register(TeachBackSpreadSource())
        # Presentation only (the navigation's Dashboard link), not domain flow.
        user_logged_in.connect(remember_manages_teams, dispatch_uid="payoff-manages-teams")
