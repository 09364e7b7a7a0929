"""Every figure of the dashboard against the hand-computed dataset in conftest.py."""

import pytest

from payoff.dashboard.scope import dashboard_scope
from payoff.dashboard.summary import dashboard_summary
from tests.payoff.conftest import NOW

pytestmark = pytest.mark.django_db


def figures(summary):
    return {
        figure.key: figure.value
        for section in (
            summary.reach,
            summary.practice,
            summary.capability,
            summary.spread,
            summary.value,
        )
        for figure in section
    }


def test_dashboard_summary_for_the_managers_team(dataset, manager):
    summary = dashboard_summary(scope=dashboard_scope(viewer=manager, now=NOW))
    assert [team.name for team in summary.scope.teams] == ["Dispatch"]
    assert figures(summary) == {
        # Reach: Ada, Ben, Cleo (Dev is in a team the manager does not manage).
        "enrolled": 3,
        "started": 2,
        "active_7_days": 1,  # Ben
        "at_risk": 1,  # Cleo: never practised, enrolled 40 days ago
        "overdue": 0,  # no cohorts
        # Practice: 7 attempts over 4 learner-weeks (Ada: 2 weeks, Ben: 2 weeks).
        "attempts_per_active_learner_week": 1.75,
        "median_days_to_complete": 4.0,
        "on_streak": 1,  # Ben: 2 days ago, yesterday, today
        "longest_streak": 3,
        # Capability: 3 of 6 steps done; first confidence (2+3+1+2)/4, latest (4+5+3+2)/4.
        "steps_done_percent": 50.0,
        "confidence_first": 2.0,
        "confidence_latest": 3.5,
        # Spread: no teach-back yet (tests/payoff/test_dashboard_spread.py has some).
        "teach_backs_held": 0,
        "colleagues_reached": 0,
        "teach_back_depth": 0,
        "mastered": 1,
        # Value: meeting (15 - 5) x 2 EUR = 20; observed 2 x 0.5 h x 50 EUR = 50.
        "value_total": 70.0,
    }
    weeks = {
        point.week.isoformat(): (point.attempts, point.active_learners) for point in summary.weeks
    }
    assert weeks["2026-05-11"] == (1, 1)
    assert weeks["2026-05-18"] == (3, 1)
    assert weeks["2026-06-08"] == (2, 1)
    assert weeks["2026-06-15"] == (1, 1)
    assert sum(attempts for attempts, _ in weeks.values()) == 7


def test_dashboard_results_lower_is_better_holdout_and_missing_baseline(dataset, manager):
    summary = dashboard_summary(scope=dashboard_scope(viewer=manager, now=NOW))
    meeting, observed = summary.results
    assert (meeting.metric_key, observed.metric_key) == ("meeting", "observed")
    assert meeting.without_baseline == 1  # Cleo's check-in has no baseline
    groups = {group.label: group for group in meeting.groups}
    # Ada 60 -> 45 is 15 better (lower is better, +25%); Ben 50 -> 55 is 5 worse (-10%).
    assert groups["All"].learners == 2
    assert groups["All"].median_change == 5.0
    assert groups["All"].median_percent_change == 7.5
    assert groups["All"].target_share == 50.0
    assert (groups["Nudged"].learners, groups["Nudged"].median_change) == (1, 15.0)
    assert groups["Nudged"].target_share == 100.0
    assert (groups["Holdout"].learners, groups["Holdout"].median_change) == (1, -5.0)
    assert groups["Holdout"].median_percent_change == -10.0
    assert groups["Holdout"].target_share == 0.0
    # Only Ada has the manager-reported metric, and she is not in the holdout group.
    assert [group.label for group in observed.groups] == ["All"]
    assert observed.groups[0].median_change == 2.0
    assert observed.groups[0].median_percent_change == 100.0
    assert observed.groups[0].target_share is None


def test_dashboard_value_and_roi_explain_themselves(dataset, manager):
    summary = dashboard_summary(scope=dashboard_scope(viewer=manager, now=NOW))
    lines = {line.metric_name: line for line in summary.value_lines}
    assert lines["Meeting length"].value == 20.0
    # Money in the viewer's language: the currency's symbol where English writes it.
    assert "x €2.00 per unit" in lines["Meeting length"].explanation
    assert lines["Decisions observed"].value == 50.0
    assert "hourly cost rate €50.00" in lines["Decisions observed"].explanation
    (roi,) = summary.roi_lines
    assert (roi.value, roi.cost, roi.roi_percent) == (70.0, 10.0, 600.0)
    assert "Phillips" in roi.explanation


def test_dashboard_summary_for_the_whole_organization(dataset, org_admin):
    summary = dashboard_summary(scope=dashboard_scope(viewer=org_admin, now=NOW))
    values = figures(summary)
    assert summary.scope.whole_organization
    assert (values["enrolled"], values["started"], values["active_7_days"]) == (4, 3, 1)
    assert values["at_risk"] == 2  # Cleo and Dev (last practice 9 days ago)
    assert values["attempts_per_active_learner_week"] == 1.6  # 8 attempts / 5 learner-weeks
    assert values["steps_done_percent"] == 37.5
    assert (values["confidence_first"], values["confidence_latest"]) == (2.2, 3.4)


def test_dashboard_summary_period_and_micromastery_filters(dataset, org_admin, organization):
    from tests.factories import published_version

    other = published_version(organization)
    scope = dashboard_scope(viewer=org_admin, micromastery_id=other.micromastery.pk, now=NOW)
    assert figures(dashboard_summary(scope=scope))["enrolled"] == 0
    scope = dashboard_scope(
        viewer=org_admin, team_ids=[dataset.field_team.pk], period_days=30, now=NOW
    )
    summary = dashboard_summary(scope=scope)
    assert figures(summary)["enrolled"] == 1
    assert summary.results == []
    # A 30-day period starts 15 May: Ada's first attempt (17 May) is in, her results too.
    scope = dashboard_scope(viewer=org_admin, period_days=30, now=NOW)
    assert figures(dashboard_summary(scope=scope))["attempts_per_active_learner_week"] == 1.6


def test_dashboard_streak_is_the_learners_streak(organization, manager):
    """Practice on Friday and on Monday evening in Los Angeles: two working days in a row
    for the learner (the weekend is off), and the dashboard says the same."""
    from datetime import UTC, datetime

    from accounts.models import Team
    from payoff.rollups import rollups_rebuild
    from practice.selectors import practice_streak
    from tests.factories import AttemptFactory, EnrollmentFactory, UserFactory

    learner = UserFactory(organization=organization, time_zone="America/Los_Angeles")
    team = Team.objects.create(organization=organization, name="West")
    team.managers.add(manager)
    team.members.add(learner)
    enrollment = EnrollmentFactory(learner=learner)
    # Friday 12 June, 10:00 and Monday 15 June, 19:00 in Los Angeles (Tuesday in UTC).
    for practiced_at in (
        datetime(2026, 6, 12, 17, 0, tzinfo=UTC),
        datetime(2026, 6, 16, 2, 0, tzinfo=UTC),
    ):
        AttemptFactory(enrollment=enrollment, practiced_at=practiced_at)
    rollups_rebuild()
    for now in (datetime(2026, 6, 16, 3, 0, tzinfo=UTC), datetime(2026, 6, 17, 6, 0, tzinfo=UTC)):
        summary = dashboard_summary(scope=dashboard_scope(viewer=manager, now=now))
        assert practice_streak(learner=learner, now=now) == 2
        assert (figures(summary)["on_streak"], figures(summary)["longest_streak"]) == (1, 2)
    # Tuesday went by without practice in Los Angeles: the streak is over for both.
    now = datetime(2026, 6, 18, 7, 30, tzinfo=UTC)
    summary = dashboard_summary(scope=dashboard_scope(viewer=manager, now=now))
    assert practice_streak(learner=learner, now=now) == 0
    assert figures(summary)["on_streak"] == 0
