"""Permissions and admin history of the nudges, preferences, notifications and webhooks follow them from practice."""

from django.db import migrations

from micromastery.common.content_types import content_types_relabel


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("nudges", "0001_initial"),
    ]

    operations = [
        content_types_relabel(
            from_label="practice",
            to_label="nudges",
            models=["nudgepreference", "teamwebhook", "nudge", "notification"],
        ),
    ]
