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
