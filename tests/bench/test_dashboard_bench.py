"""The dashboard benchmark: its raw-SQL yardstick gives the dashboard's numbers, and it runs.

PostgreSQL only: the benchmark loads its data with COPY and its yardstick is PostgreSQL SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from bench import dashboard
from bench._dashboard_raw import raw_figures
from payoff.dashboard.scope import dashboard_scope
from payoff.dashboard.summary import dashboard_summary

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the benchmark runs on PostgreSQL only"
    ),
]

# Figures the benchmark's data has no rows for (no cohorts, no teach-backs): the raw side
# leaves them out, and they are checked to be empty instead.
NOT_IN_BENCH_DATA = {"overdue", "teach_backs_held", "colleagues_reached", "teach_back_depth"}


def dashboard_numbers(summary):
    figures = {
        figure.key: figure.value
        for section in (
            summary.reach,
            summary.practice,
            summary.capability,
            summary.spread,
            summary.nudges,
            summary.value,
        )
        for figure in section
    }
    results = {
        (result.micromastery_id, result.metric_key): {
            "without_baseline": result.without_baseline,
            "learners": result.groups[0].learners,
            "median_change": result.groups[0].median_change,
            "median_percent_change": result.groups[0].median_percent_change,
            "reached_target": result.groups[0].reached_target,
        }
        for result in summary.results
    }
    return figures, results


@pytest.fixture
def worlds():
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    return dashboard.build(0.002, now, log=lambda *_: None), now


def test_raw_sql_gives_every_dashboard_figure(worlds):
    built, now = worlds
    large = built["large"]
    manager = large["organization"].users.get(pk=large["manager_id"])
    for viewer, period in ((large["admin"], 90), (large["admin"], 365), (manager, 30)):
        scope = dashboard_scope(viewer=viewer, period_days=period, now=now)
        figures, results = dashboard_numbers(dashboard_summary(scope=scope))
        with connection.cursor() as cursor:
            raw = raw_figures(
                cursor, organization_id=large["organization"].pk, team_ids=scope.team_ids,
                now=now, period_days=period, hourly_rate=60.0,
            )  # fmt: skip
        raw_results = raw.pop("results")
        assert set(figures) - set(raw) == NOT_IN_BENCH_DATA
        assert {key: figures[key] for key in raw} == raw, (viewer, period)
        assert results == raw_results
        assert all(figures[key] in (0, None) for key in NOT_IN_BENCH_DATA)
    # The data exercises the rules it claims to: nudges, holdout days, streaks, results.
    assert raw["nudges_sent"] and raw["nudged_days_practised_percent"] is not None
    assert results


def test_the_benchmark_runs_and_prints_its_ratios(worlds):
    built, now = worlds
    ratios = dashboard.measure(built, now, repeat=1, log=lambda *_: None)
    assert set(ratios) == {
        "org_large_vs_small", "team_large_vs_small", "micromastery_large_vs_small",
        "org_vs_raw_sql", "team_vs_raw_sql",
    }  # fmt: skip
    assert all(value > 0 for value in ratios.values())
