import random
from datetime import timedelta

import pytest
from django.utils import timezone

from payoff.dashboard.scope import dashboard_scope
from payoff.dashboard.summary import dashboard_summary
from payoff.models import (
    EnrollmentRollup,
    HoldoutPracticeDay,
    NudgeEffectRollup,
    RollupWatermark,
    WeeklyPracticeRollup,
)
from payoff.rollups import rollups_rebuild, rollups_refresh
from practice.models import Enrollment, EnrollmentStatus
from tests.factories import (
    AttemptFactory,
    MeasurementFactory,
    NudgeFactory,
    TeamFactory,
    UserFactory,
)
from tests.payoff.conftest import NOW, days_ago
from tests.payoff.raw_reference import raw_figures

pytestmark = pytest.mark.django_db

FIGURES = (
    "enrolled", "started", "active_7_days", "at_risk", "median_days_to_complete", "on_streak",
    "longest_streak", "steps_done_percent", "confidence_first", "confidence_latest",
    "mastered", "attempts_per_active_learner_week", "nudges_sent", "nudges_opened_percent",
    "nudges_clicked_percent", "nudged_days_practised_percent", "holdout_days_practised_percent",
    "nudge_effect_points",
)  # fmt: skip


def add_random_practice(dataset, *, learners, seed):
    """More learners in both teams, with random attempts, completions, measurements and
    nudges (some on the same day over two channels, some not sent, some check-in reminders).
    """
    rng = random.Random(seed)
    organization = dataset.micromastery.organization
    teams = [dataset.dispatch, dataset.field_team]
    steps = dataset.steps
    for index in range(learners):
        person = UserFactory(organization=organization, display_name=f"Random {seed}-{index}")
        for team in rng.sample(teams, rng.choice([0, 1, 1, 2])):
            team.members.add(person)
        status = rng.choice([EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED,
                             EnrollmentStatus.DROPPED, EnrollmentStatus.PAUSED])  # fmt: skip
        enrolled = days_ago(rng.uniform(1, 200))
        enrollment = Enrollment.objects.create(
            learner=person, version=dataset.version, micromastery=dataset.micromastery,
            holdout=rng.random() < 0.3, status=status,
        )  # fmt: skip
        attempts = []
        for _ in range(rng.randint(0, 8)):
            moment = enrolled + timedelta(
                hours=rng.uniform(0, (NOW - enrolled).total_seconds() / 3600)
            )
            attempts.append(AttemptFactory(
                enrollment=enrollment, step=rng.choice(steps), practiced_at=moment,
                confidence=rng.randint(1, 5), counts_as_repetition=rng.random() < 0.7,
            ))  # fmt: skip
        fields = {"created_at": enrolled}
        if attempts:
            fields["started_at"] = min(attempt.practiced_at for attempt in attempts)
        if status == EnrollmentStatus.COMPLETED:
            fields["completed_at"] = enrolled + timedelta(days=rng.uniform(1, 30))
            if rng.random() < 0.5:
                fields["mastered_at"] = fields["completed_at"] + timedelta(days=3)
        Enrollment.objects.filter(pk=enrollment.pk).update(**fields)
        for days in rng.sample([0, *range(6, 100)], rng.randint(0, 6)):  # 1-5: the page test's
            due = NOW - timedelta(days=days, hours=rng.uniform(0, 10))  # NOW is noon
            status = rng.choice(["sent", "sent", "sent", "failed", "planned"])
            for channel in rng.sample(["email", "in_app"], rng.choice([1, 1, 2])):
                NudgeFactory(
                    recipient=person, due_at=due + timedelta(minutes=rng.uniform(0, 3)),
                    local_date=due.date(), channel=channel, status=status,
                    kind=rng.choice(["practice_due"] * 4 + ["payoff_checkin_due"]),
                    opened_at=due + timedelta(hours=1) if rng.random() < 0.4 else None,
                    clicked_at=due + timedelta(hours=1) if rng.random() < 0.2 else None,
                )  # fmt: skip
        for metric in (dataset.meeting, dataset.observed):
            if rng.random() < 0.6:
                MeasurementFactory(enrollment=enrollment, metric=metric, kind="baseline",
                                   value=rng.randint(10, 90), measured_at=enrolled)  # fmt: skip
            for _ in range(rng.randint(0, 2)):
                MeasurementFactory(
                    enrollment=enrollment, metric=metric,
                    kind="checkin" if metric.reported_by == "learner" else "manager",
                    value=rng.randint(10, 90), measured_at=days_ago(rng.uniform(0, 120)),
                    checkin_day=14,
                )  # fmt: skip


def summary_figures(summary):
    values = {
        figure.key: figure.value
        for section in (
            summary.reach,
            summary.practice,
            summary.capability,
            summary.spread,
            summary.nudges,
        )
        for figure in section
    }
    results = {
        (result.micromastery_id, result.metric_key): {
            "without_baseline": result.without_baseline,
            **(
                {
                    "learners": result.groups[0].learners,
                    "median_change": result.groups[0].median_change,
                }
                if result.groups[0].learners
                else {}
            ),
        }
        for result in summary.results
    }
    return {key: values[key] for key in FIGURES}, results


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_dashboard_equals_raw_rows_on_random_data(dataset, manager, org_admin, seed):
    add_random_practice(dataset, learners=30, seed=seed)
    # Kept current incrementally, in small batches, the way beat runs it.
    report = rollups_refresh(batch_size=7, now=timezone.now() + timedelta(minutes=1))
    assert not report.more_waiting
    for viewer, team_ids, period in (
        (manager, [], 90),
        (org_admin, [], 365),
        (org_admin, [dataset.dispatch.pk, dataset.field_team.pk], 30),
        (org_admin, [dataset.field_team.pk], 90),
    ):
        scope = dashboard_scope(viewer=viewer, team_ids=team_ids, period_days=period, now=NOW)
        figures, results = summary_figures(dashboard_summary(scope=scope))
        raw = raw_figures(scope)
        assert figures == {key: raw[key] for key in FIGURES}, (viewer, team_ids, period)
        assert results == raw["results"]


def test_refresh_twice_or_after_a_rebuild_changes_nothing(dataset):
    later = timezone.now() + timedelta(minutes=1)
    rollups_refresh(now=later)
    snapshot = sorted(WeeklyPracticeRollup.objects.values_list(
        "organization_id", "team_id", "micromastery_id", "week", "attempts", "active_learners"
    ), key=repr)  # fmt: skip
    enrollment_rows = sorted(EnrollmentRollup.objects.values_list("enrollment_id", "attempts"))
    RollupWatermark.objects.all().delete()  # as if the watermark was lost in a crash
    rollups_refresh(now=later)
    rollups_refresh(now=later)
    assert snapshot == sorted(WeeklyPracticeRollup.objects.values_list(
        "organization_id", "team_id", "micromastery_id", "week", "attempts", "active_learners"
    ), key=repr)  # fmt: skip
    assert enrollment_rows == sorted(
        EnrollmentRollup.objects.values_list("enrollment_id", "attempts")
    )
    assert not rollups_rebuild().drifted


def test_refresh_picks_up_new_attempts_after_they_settle(dataset):
    rollups_refresh(now=timezone.now() + timedelta(minutes=1))
    attempt = AttemptFactory(enrollment=dataset.e3, step=dataset.steps[0], practiced_at=NOW)
    rollups_refresh(now=attempt.created_at)  # still settling: not read yet
    assert EnrollmentRollup.objects.get(enrollment=dataset.e3).attempts == 0
    report = rollups_refresh(now=attempt.created_at + timedelta(minutes=1))
    assert report.attempts == 1
    assert EnrollmentRollup.objects.get(enrollment=dataset.e3).attempts == 1


def test_rebuild_reports_and_repairs_drift(dataset):
    EnrollmentRollup.objects.filter(enrollment=dataset.e1).update(attempts=99)
    WeeklyPracticeRollup.objects.filter(team=None, micromastery=None).update(attempts=1000)
    report = rollups_rebuild()
    assert report.drifted
    assert report.enrollment_rows_drifted == 1
    assert EnrollmentRollup.objects.get(enrollment=dataset.e1).attempts == 4
    assert not rollups_rebuild().drifted


def test_team_membership_counts_in_each_team_once_in_the_organization(dataset, org_admin):
    dataset.field_team.members.add(dataset.ben)
    rollups_rebuild()
    team = TeamFactory(organization=dataset.micromastery.organization, name="Empty")
    assert team  # an empty team has no rows
    rows = WeeklyPracticeRollup.objects.filter(micromastery=None, week="2026-06-15")
    assert sorted((row.team_id or 0, row.active_learners) for row in rows) == sorted(
        [(0, 1), (dataset.dispatch.pk, 1), (dataset.field_team.pk, 1)]
    )


@pytest.mark.parametrize(
    "bucket",
    [
        {"team": None, "micromastery": None},
        {"team": "team", "micromastery": None},
        {"team": None, "micromastery": "micromastery"},
    ],
    ids=["organization-wide", "team-all-micromasteries", "micromastery-whole-organization"],
)
def test_weekly_rollup_one_row_per_bucket_even_with_nulls(bucket, organization):
    """The database itself refuses a second row for a bucket, on SQLite as on PostgreSQL."""
    from django.db import IntegrityError, transaction

    from tests.factories import MicromasteryFactory

    related = {
        "team": TeamFactory(organization=organization),
        "micromastery": MicromasteryFactory(organization=organization),
    }
    fields = {name: related[value] if value else None for name, value in bucket.items()}
    week = NOW.date()
    WeeklyPracticeRollup.objects.create(organization=organization, week=week, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyPracticeRollup.objects.create(
            organization=organization, week=week, attempts=3, **fields
        )
    assert WeeklyPracticeRollup.objects.count() == 1
    # Other buckets of the same week are still welcome.
    WeeklyPracticeRollup.objects.create(
        organization=organization,
        week=week,
        team=related["team"],
        micromastery=related["micromastery"],
    )
    assert WeeklyPracticeRollup.objects.count() == 2


def test_refresh_counts_a_nudge_as_practised_once_the_attempt_after_it_arrives(dataset):
    later = timezone.now() + timedelta(minutes=1)
    nudge = NudgeFactory(recipient=dataset.cleo, due_at=NOW - timedelta(days=3))
    rollups_refresh(now=later)
    effect = NudgeEffectRollup.objects.get(nudge_id=nudge.pk)
    assert (effect.learner_id, effect.practised) == (dataset.cleo.pk, False)
    # Logged afterwards, for a moment 5 hours after the nudge: the nudge worked.
    AttemptFactory(enrollment=dataset.e3, practiced_at=nudge.sent_at + timedelta(hours=5))
    report = rollups_refresh(now=later + timedelta(minutes=1))
    assert report.attempts == 1
    assert NudgeEffectRollup.objects.get(nudge_id=nudge.pk).practised
    assert not rollups_rebuild().drifted
    # A nudge that is gone leaves the rollup with the nightly rebuild.
    nudge.delete()
    assert rollups_rebuild().nudge_rows_drifted == 1
    assert not NudgeEffectRollup.objects.exists()


def test_holdout_practice_days_stop_at_completion(dataset):
    """Ben (holdout) practised 2 days ago, yesterday and today; completed yesterday."""
    Enrollment.objects.filter(pk=dataset.e2.pk).update(completed_at=NOW - timedelta(days=1))
    rollups_rebuild()
    days = HoldoutPracticeDay.objects.filter(enrollment=dataset.e2).values_list("day", flat=True)
    assert sorted(days) == [(NOW - timedelta(days=2)).date(), (NOW - timedelta(days=1)).date()]


def test_refresh_counts_a_nudge_opened_then_clicked_after_it_was_sent(dataset):
    from payoff.models import NudgeDayRollup
    from practice.nudges.services import nudge_record_click, nudge_record_open

    nudge = NudgeFactory(recipient=dataset.cleo, due_at=NOW - timedelta(days=3))
    other = NudgeFactory(recipient=dataset.ada, due_at=NOW - timedelta(days=3))
    rollups_refresh(now=timezone.now() + timedelta(minutes=1))
    day = NudgeDayRollup.objects.get(day=nudge.sent_at.date())
    assert (day.nudges_sent, day.nudges_opened, day.nudges_clicked) == (2, 0, 0)
    nudge_record_open(nudge_id=nudge.pk)
    report = rollups_refresh(now=timezone.now() + timedelta(minutes=1))
    assert (report.nudge_opens, report.nudge_clicks) == (1, 0)
    nudge_record_click(nudge=other)
    report = rollups_refresh(now=timezone.now() + timedelta(minutes=2))
    assert (report.nudge_opens, report.nudge_clicks) == (1, 1)
    effects = NudgeEffectRollup.objects.order_by("nudge_id")
    assert list(effects.values_list("nudge_id", "opened", "clicked")) == [
        (nudge.pk, True, False),
        (other.pk, True, True),
    ]
    day = NudgeDayRollup.objects.get(day=nudge.sent_at.date())  # summed again: a new row
    assert (day.nudges_sent, day.nudges_opened, day.nudges_clicked) == (2, 2, 1)
    assert not rollups_rebuild().drifted
