from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "practice.cohorts"
    label = "cohorts"
    verbose_name = "Cohorts"
