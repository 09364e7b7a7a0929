from django.apps import AppConfig


class PayoffConfig(AppConfig):
    name = "payoff"
    verbose_name = "Payoff"
