from django.apps import AppConfig


class PayoffConfig(AppConfig):
    name = "payoff"
    verbose_name = "Payoff"

    def ready(self) -> None:
        from payoff.extensions import BaselineEnrollmentExtension
        from practice.extensions import enrollment_extension_register

        enrollment_extension_register(BaselineEnrollmentExtension())
