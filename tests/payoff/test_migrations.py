"""The weekly rollup's unique constraint arrives on a database that may hold duplicates."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("payoff", "0003_text_limits")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_weekly_rollup_migration_keeps_the_newest_row_of_each_bucket():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("payoff")
    old = migrate(BEFORE)
    try:
        # Only payoff goes back: the organization is made with today's accounts tables.
        organization = Organization.objects.create(name="Acme", slug="acme")
        rollup = old.get_model("payoff", "WeeklyPracticeRollup")
        week, next_week = date(2026, 1, 5), date(2026, 1, 12)
        # SQLite never created the old constraint: the same bucket three times. PostgreSQL
        # had it, so there the bucket has its one row.
        copies = (1, 2, 3) if connection.vendor == "sqlite" else (3,)
        for attempts in copies:
            rollup.objects.create(organization_id=organization.pk, week=week, attempts=attempts)
        rollup.objects.create(organization_id=organization.pk, week=next_week, attempts=7)
    finally:
        new = migrate(latest)
    rows = new.get_model("payoff", "WeeklyPracticeRollup").objects.order_by("week")
    assert list(rows.values_list("week", "attempts")) == [(week, 3), (next_week, 7)]


def test_nudge_rollups_gain_opens_clicks_first_of_day_and_day_rows_on_migrating():
    """Ada's 10 June over email (opened, clicked, practised) and in-app 5 seconds later;
    12 June over email, opened. A holdout enrolment practised on 10 June, and on 11 June in
    an enrolment dropped since (not counted)."""
    from datetime import UTC, datetime, timedelta

    from tests.factories import EnrollmentFactory, NudgeFactory, UserFactory

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("payoff")
    old = migrate([("payoff", "0007_nudge_effect_and_holdout_day_rollups")])
    try:
        organization = Organization.objects.create(name="Acme", slug="acme")
        ada = UserFactory(organization=organization)
        tenth, twelfth = (
            datetime(2026, 6, 10, 10, tzinfo=UTC),
            datetime(2026, 6, 12, 10, tzinfo=UTC),
        )
        nudges = [
            NudgeFactory(recipient=ada, due_at=tenth, opened_at=tenth, clicked_at=tenth),
            NudgeFactory(recipient=ada, channel="in_app", due_at=tenth + timedelta(seconds=5),
                         local_date=tenth.date()),
            NudgeFactory(recipient=ada, due_at=twelfth, opened_at=twelfth),
        ]  # fmt: skip
        effect = old.get_model("payoff", "NudgeEffectRollup")
        for nudge, practised in zip(nudges, (True, False, False), strict=True):
            effect.objects.create(
                nudge_id=nudge.pk, organization_id=organization.pk, learner_id=ada.pk,
                local_date=nudge.local_date, learner_day=0, sent_at=nudge.sent_at,
                practised=practised,
            )  # fmt: skip
        enrolment = EnrollmentFactory(learner=ada, holdout=True)
        holdout_day = old.get_model("payoff", "HoldoutPracticeDay")
        for day, dropped in ((tenth.date(), False), (tenth.date() + timedelta(days=1), True)):
            holdout_day.objects.create(
                enrollment_id=enrolment.pk, organization_id=organization.pk,
                micromastery_id=enrolment.micromastery_id, learner_id=ada.pk, day=day,
                dropped=dropped,
            )  # fmt: skip
    finally:
        new = migrate(latest)
    rows = new.get_model("payoff", "NudgeEffectRollup").objects.order_by("nudge_id")
    assert list(rows.values_list("opened", "clicked", "first_of_day")) == [
        (True, True, True),
        (False, False, False),
        (True, False, True),
    ]
    days = new.get_model("payoff", "NudgeDayRollup").objects.order_by("day")
    assert list(
        days.values_list(
            "day", "nudges_sent", "nudges_opened", "nudges_clicked", "nudged_days",
            "nudged_days_practised", "holdout_days_practised",
        )
    ) == [(tenth.date(), 2, 1, 1, 1, 1, 1), (twelfth.date(), 1, 1, 0, 1, 0, 0)]  # fmt: skip
    # And back: the day rows go with the migration that made them.
    migrate([("payoff", "0007_nudge_effect_and_holdout_day_rollups")])
    migrate(latest)
