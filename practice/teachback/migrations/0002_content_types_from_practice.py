"""Permissions and admin history of the teach-back sessions and invites follow them from practice."""

from django.db import migrations

from micromastery.common.content_types import content_types_relabel


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("teachback", "0001_initial"),
    ]

    operations = [
        content_types_relabel(
            from_label="practice",
            to_label="teachback",
            models=["teachbacksession", "teachbackinvite"],
        ),
    ]
