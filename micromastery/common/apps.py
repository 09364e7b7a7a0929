from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "micromastery.common"
    label = "common"
    verbose_name = "Platform"
