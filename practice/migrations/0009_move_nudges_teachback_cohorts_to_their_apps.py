"""Nudges, teach-back and cohorts become apps of their own: practice forgets their models.

State only: the tables stay as they are (the new apps keep the ``practice_`` table names),
and each new app's ``0001_initial`` takes the models over. ``Enrollment.taught_in`` points
at teach-back again in ``0009``, once the teach-back app knows its session model.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0008_text_limits"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="enrollment", name="taught_in"),
                # Rows that point at others go first, so that no state ever has a dangling
                # reference.
                migrations.DeleteModel(name="CohortEnrollment"),
                migrations.DeleteModel(name="CohortMembership"),
                migrations.DeleteModel(name="Cohort"),
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="Nudge"),
                migrations.DeleteModel(name="TeamWebhook"),
                migrations.DeleteModel(name="NudgePreference"),
                migrations.DeleteModel(name="TeachBackInvite"),
                migrations.DeleteModel(name="TeachBackSession"),
            ],
            database_operations=[],
        ),
    ]
