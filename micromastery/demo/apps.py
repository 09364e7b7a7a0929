from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for trying the platform locally; it wires every app, like urls.py does."""

    name = "micromastery.demo"
    label = "demo"
    verbose_name = "Demo data"
