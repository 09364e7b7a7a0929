from django.apps import AppConfig


class PayoffConfig(AppConfig):
    name = "payoff"
    verbose_name = "Payoff"

    def ready(self) -> None:
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
