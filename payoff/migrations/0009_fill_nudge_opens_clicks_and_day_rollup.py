"""Fill what 0008 added from the rows already there: each nudge effect row's opened,
clicked and first-of-its-learner-day, and the day rows summed from them and the holdout
days. The nightly rebuild would get there too; this makes the dashboard right at once.
"""

from collections import defaultdict
from datetime import UTC

from django.db import migrations
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate


def fill(apps, schema_editor):
    Nudge = apps.get_model("nudges", "Nudge")
    NudgeEffectRollup = apps.get_model("payoff", "NudgeEffectRollup")
    HoldoutPracticeDay = apps.get_model("payoff", "HoldoutPracticeDay")
    NudgeDayRollup = apps.get_model("payoff", "NudgeDayRollup")
    NudgeEffectRollup.objects.update(
        opened=Exists(Nudge.objects.filter(pk=OuterRef("nudge_id"), opened_at__isnull=False)),
        clicked=Exists(Nudge.objects.filter(pk=OuterRef("nudge_id"), clicked_at__isnull=False)),
    )
    firsts, previous = [], None
    for nudge_id, *learner_day in (
        NudgeEffectRollup.objects.order_by("learner_id", "local_date", "sent_at", "nudge_id")
        .values_list("nudge_id", "learner_id", "local_date")
        .iterator(chunk_size=5000)
    ):
        if learner_day != previous:
            firsts.append(nudge_id)
            previous = learner_day
    for start in range(0, len(firsts), 5000):
        NudgeEffectRollup.objects.filter(nudge_id__in=firsts[start : start + 5000]).update(
            first_of_day=True
        )

    first = Q(first_of_day=True)
    days = defaultdict(dict)
    for row in (
        NudgeEffectRollup.objects.annotate(day=TruncDate("sent_at", tzinfo=UTC))
        .values("organization_id", "day")
        .annotate(
            nudges_sent=Count("pk"),
            nudges_opened=Count("pk", filter=Q(opened=True)),
            nudges_clicked=Count("pk", filter=Q(clicked=True)),
            nudged_days=Count("pk", filter=first),
            nudged_days_practised=Count("pk", filter=first & Q(practised=True)),
        )
        .order_by()
    ):
        days[(row.pop("organization_id"), row.pop("day"))].update(row)
    for row in (
        HoldoutPracticeDay.objects.filter(dropped=False)
        .values("organization_id", "day")
        .annotate(holdout_days_practised=Count("pk"))
        .order_by()
    ):
        days[(row.pop("organization_id"), row.pop("day"))].update(row)
    NudgeDayRollup.objects.bulk_create(
        (
            NudgeDayRollup(organization_id=organization_id, day=day, **counts)
            for (organization_id, day), counts in days.items()
        ),
        batch_size=1000,
    )


def empty(apps, schema_editor):
    apps.get_model("payoff", "NudgeDayRollup").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payoff", "0008_nudge_opens_clicks_and_day_rollup"),
        ("nudges", "0004_xapi_statement_channel_and_kind"),
    ]

    operations = [migrations.RunPython(fill, empty)]
