from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from micromastery.common.errors import ApplicationError
from payoff import services
from payoff.dashboard.checkins import checkins_due
from payoff.models import EnrollmentRollup, PayoffMeasurement
from payoff.tasks import rollups_rebuild_task, rollups_refresh_task
from practice.models import Enrollment
from tests.payoff.conftest import NOW, days_ago

pytestmark = pytest.mark.django_db


def test_checkin_record_answers_the_latest_checkin_day(dataset):
    measurement = services.checkin_record(
        enrollment=dataset.e1, metric=dataset.meeting, value=Decimal(40), by=dataset.ada, now=NOW
    )
    assert (measurement.kind, measurement.checkin_day) == ("checkin", 14)  # 26 days after
    again = services.checkin_record(
        enrollment=dataset.e1, metric=dataset.meeting, value=Decimal(38), by=dataset.ada, now=NOW
    )
    assert again.pk != measurement.pk or again.value == Decimal(38)
    assert (
        PayoffMeasurement.objects.filter(
            enrollment=dataset.e1, kind="checkin", checkin_day=14
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [(Decimal(-1), "cannot be below 0"), (Decimal(481), "cannot be above 480")],
)
def test_checkin_record_validates_against_the_metric(dataset, value, message):
    with pytest.raises(ApplicationError, match=message):
        services.checkin_record(
            enrollment=dataset.e1, metric=dataset.meeting, value=value, by=dataset.ada, now=NOW
        )


def test_checkin_record_refused_before_completion_and_for_others(dataset):
    with pytest.raises(ApplicationError, match="after you complete"):
        services.checkin_record(
            enrollment=dataset.e2,
            metric=dataset.meeting,
            value=Decimal(40),
            by=dataset.ben,
            now=NOW,
        )
    with pytest.raises(ApplicationError, match="Only the learner"):
        services.checkin_record(
            enrollment=dataset.e1,
            metric=dataset.meeting,
            value=Decimal(40),
            by=dataset.ben,
            now=NOW,
        )
    with pytest.raises(ApplicationError, match="manager reports"):
        services.checkin_record(
            enrollment=dataset.e1,
            metric=dataset.observed,
            value=Decimal(4),
            by=dataset.ada,
            now=NOW,
        )


def test_checkin_record_needs_a_baseline_unless_skipped(dataset):
    Enrollment.objects.filter(pk=dataset.e3.pk).update(completed_at=days_ago(20))
    dataset.e3.refresh_from_db()
    with pytest.raises(ApplicationError, match="baseline"):
        services.checkin_record(
            enrollment=dataset.e3,
            metric=dataset.meeting,
            value=Decimal(30),
            by=dataset.cleo,
            now=NOW,
        )
    services.baseline_skip(enrollment=dataset.e3, metric=dataset.meeting, by=dataset.cleo)
    measurement = services.checkin_record(
        enrollment=dataset.e3, metric=dataset.meeting, value=Decimal(30), by=dataset.cleo, now=NOW
    )
    assert measurement.checkin_day == 14


def test_manager_confirmation_only_for_managed_learners(dataset, manager, org_admin):
    with pytest.raises(ApplicationError, match="teams you manage"):
        services.manager_confirmation_record(
            enrollment=dataset.e4, metric=dataset.observed, value=Decimal(3), by=manager, now=NOW
        )
    with pytest.raises(ApplicationError, match="teams you manage"):
        services.manager_confirmation_record(
            enrollment=dataset.e1, metric=dataset.observed, value=Decimal(3), by=org_admin, now=NOW
        )
    with pytest.raises(ApplicationError, match="reports Meeting length themselves"):
        services.manager_confirmation_record(
            enrollment=dataset.e1, metric=dataset.meeting, value=Decimal(3), by=manager, now=NOW
        )
    before = services.manager_confirmation_record(
        enrollment=dataset.e2,
        metric=dataset.observed,
        value=Decimal(1),
        by=manager,
        before=True,
        now=NOW,
    )
    assert before.kind == "baseline"
    after = services.manager_confirmation_record(
        enrollment=dataset.e2, metric=dataset.observed, value=Decimal(3), by=manager, now=NOW
    )
    assert (after.kind, after.checkin_day, after.reported_by) == ("manager", None, manager)


def test_learning_cost_set_is_for_authors_and_admins(dataset, author, manager):
    with pytest.raises(ApplicationError, match="Only authors"):
        services.learning_cost_set(micromastery=dataset.micromastery, amount=Decimal(5), by=manager)
    with pytest.raises(ApplicationError, match="positive"):
        services.learning_cost_set(micromastery=dataset.micromastery, amount=Decimal(0), by=author)
    cost = services.learning_cost_set(
        micromastery=dataset.micromastery, amount=Decimal(500), by=author
    )
    assert cost.amount == 500


def test_checkins_due_lists_unanswered_checkin_days(dataset):
    due = checkins_due(NOW)
    # Ada completed 26 days ago: day 14 of both metrics came 12 days ago and is answered.
    assert due == []
    Enrollment.objects.filter(pk=dataset.e2.pk).update(completed_at=NOW - timedelta(days=15))
    due = checkins_due(NOW)
    # Ben's meeting check-in for day 14 is in already; the manager's observation is not.
    assert [(item.enrollment.pk, item.metric.key, item.checkin_day) for item in due] == [
        (dataset.e2.pk, "observed", 14),
    ]
    assert due[0].due_at == NOW - timedelta(days=1)


def _rollups():
    return {
        row.enrollment_id: (row.attempts, row.steps_done, row.last_practiced_at)
        for row in EnrollmentRollup.objects.all()
    }


def test_rollup_tasks_bring_the_rollups_back_to_the_raw_rows(dataset):
    expected = _rollups()
    assert expected
    EnrollmentRollup.objects.all().delete()
    # The refresh leaves rows written in the last seconds to settle: a minute later.
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        rollups_refresh_task.apply()
    assert _rollups() == expected
    EnrollmentRollup.objects.all().delete()
    rollups_rebuild_task.apply()
    assert _rollups() == expected


def test_learning_cost_admin_is_scoped_to_the_organization(client, dataset, author, outsider):
    from payoff.models import LearningCost

    cost = LearningCost.objects.get(micromastery=dataset.micromastery)
    client.force_login(outsider)
    assert client.get(f"/admin/payoff/learningcost/{cost.pk}/change/").status_code == 404
    client.force_login(author)
    assert client.get(f"/admin/payoff/learningcost/{cost.pk}/change/").status_code == 200
