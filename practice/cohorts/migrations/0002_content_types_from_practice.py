"""Permissions and admin history of the cohorts, memberships and cohort enrolments follow them from practice."""

from django.db import migrations

from micromastery.common.content_types import content_types_relabel


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("cohorts", "0001_initial"),
    ]

    operations = [
        content_types_relabel(
            from_label="practice",
            to_label="cohorts",
            models=["cohort", "cohortmembership", "cohortenrollment"],
        ),
    ]
