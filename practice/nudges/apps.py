from django.apps import AppConfig


class NudgesConfig(AppConfig):
    """The delivery layer: every app registers its nudge sources here; it imports none."""

    name = "practice.nudges"
    label = "nudges"
    verbose_name = "Nudges"
