"""Drop duplicate weekly rollup rows before the next migration makes them impossible.

SQLite never created the old constraint, so a bucket may have more than one row there.
Rollups are derived data: keeping the newest row of each bucket is safe, and the nightly
rebuild recomputes every bucket anyway.
"""

from django.db import migrations
from django.db.models import Count, Max


def drop_duplicates(apps, schema_editor):
    rollup = apps.get_model("payoff", "WeeklyPracticeRollup")
    duplicated = (
        rollup.objects.values("organization_id", "team_id", "micromastery_id", "week")
        .annotate(rows=Count("pk"), newest=Max("pk"))
        .filter(rows__gt=1)
    )
    for bucket in duplicated:
        rollup.objects.filter(
            organization_id=bucket["organization_id"],
            team_id=bucket["team_id"],
            micromastery_id=bucket["micromastery_id"],
            week=bucket["week"],
        ).exclude(pk=bucket["newest"]).delete()


class Migration(migrations.Migration):
    dependencies = [("payoff", "0003_text_limits")]

    # Going back needs nothing: the old constraint allowed what remains.
    operations = [migrations.RunPython(drop_duplicates, migrations.RunPython.noop)]
