import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("payoff", "0004_weekly_rollup_drop_duplicates")]

    operations = [
        migrations.RemoveConstraint(
            model_name="weeklypracticerollup",
            name="payoff_weekly_rollup_unique",
        ),
        migrations.AddConstraint(
            model_name="weeklypracticerollup",
            constraint=models.UniqueConstraint(
                models.F("organization"),
                django.db.models.functions.comparison.Coalesce(
                    "team", models.Value(0), output_field=models.BigIntegerField()
                ),
                django.db.models.functions.comparison.Coalesce(
                    "micromastery", models.Value(0), output_field=models.BigIntegerField()
                ),
                models.F("week"),
                name="payoff_weekly_rollup_unique",
                violation_error_message="This week's rollup row for this bucket already exists.",
            ),
        ),
    ]
