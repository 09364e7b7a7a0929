from django.apps import AppConfig


class PayoffConfig(AppConfig):
    name = "payoff"
    verbose_name = "Payoff"

    def ready(self) -> None:
        from payoff.extensions import BaselineApiExtension, BaselineEnrollmentExtension
        from practice.extensions import (
            enrollment_api_extension_register,
            enrollment_extension_register,
        )

        enrollment_extension_register(BaselineEnrollmentExtension())
        enrollment_api_extension_register(BaselineApiExtension())

        from payoff.nudges import PayoffCheckinNudgeSource
        from practice.nudges.sources import nudge_source_register

        nudge_source_register(PayoffCheckinNudgeSource())

        from payoff.spread import spread_source_register
        from payoff.teachback import TeachBackSpreadSource

        spread_source_register(TeachBackSpreadSource())
