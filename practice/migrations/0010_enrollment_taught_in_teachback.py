"""``Enrollment.taught_in`` points at the teach-back app's session model (same column)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0009_move_nudges_teachback_cohorts_to_their_apps"),
        ("teachback", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="enrollment",
                    name="taught_in",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="enrollments_started",
                        to="teachback.teachbacksession",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
