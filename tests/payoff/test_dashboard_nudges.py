"""The dashboard's nudge figures, computed by hand on the payoff dataset (NOW: a Monday).

Cleo (Dispatch, nudged, never practised before) gets, in the last days:
- 10 June 10:00 email (opened and clicked) and in-app: one learner-day; she practises at
  20:00 the same day, 10 hours later: it counts.
- 12 June 10:00 email; she practises 13 June 16:00, 30 hours later: it does not count.
- 15 June 08:00 (today, 4 hours ago) email: sent, but its 24 hours are not over yet.
Not counted: a planned nudge, a nudge sent before the period, Ada's payoff check-in
reminder, and Dev's nudge (team Field, not the manager's).

Holdout: Ben, enrolled 26 May 12:00, practised 13 June, 14 June and today: 2 of the 20
days from 26 May to yesterday (14 June).
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from payoff.api.serializers import DashboardOutputSerializer
from payoff.dashboard.scope import dashboard_scope
from payoff.dashboard.summary import dashboard_summary
from payoff.rollups import rollups_rebuild
from tests.factories import AttemptFactory, NudgeFactory, UserFactory
from tests.payoff.conftest import NOW, days_ago
from tests.payoff.raw_reference import raw_figures
from tests.payoff.test_dashboard_pages import read_csv

pytestmark = pytest.mark.django_db


def at(day, hour):
    return datetime(2026, 6, day, hour, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def nudges(dataset):
    cleo = dataset.cleo
    NudgeFactory(recipient=cleo, due_at=at(10, 10), opened_at=at(10, 11), clicked_at=at(10, 11))
    NudgeFactory(recipient=cleo, channel="in_app", due_at=at(10, 10) + timedelta(seconds=5))
    AttemptFactory(enrollment=dataset.e3, practiced_at=at(10, 20))
    NudgeFactory(recipient=cleo, due_at=at(12, 10))
    AttemptFactory(enrollment=dataset.e3, practiced_at=at(13, 16))
    NudgeFactory(recipient=cleo, due_at=at(15, 8))
    NudgeFactory(recipient=cleo, status="planned", due_at=at(16, 10))
    NudgeFactory(recipient=cleo, due_at=days_ago(100))
    NudgeFactory(recipient=dataset.ada, kind="payoff_checkin_due", due_at=at(11, 10))
    NudgeFactory(recipient=dataset.dev, due_at=at(10, 10), opened_at=at(10, 12))
    AttemptFactory(enrollment=dataset.e4, practiced_at=at(10, 13))
    rollups_rebuild()  # the nudge effect is read from the rollups, as beat keeps them
    return dataset


def values(figures):
    return {figure.key: figure.value for figure in figures}


def test_dashboard_nudges_practice_within_24_hours_against_the_holdout(nudges, manager):
    summary = dashboard_summary(scope=dashboard_scope(viewer=manager))
    assert values(summary.nudges) == {
        "nudges_sent": 4,
        "nudges_opened_percent": 25.0,
        "nudges_clicked_percent": 25.0,
        "nudged_days_practised_percent": 50.0,
        "holdout_days_practised_percent": 10.0,
        "nudge_effect_points": 40.0,
    }
    explanations = {figure.key: figure.explanation for figure in summary.nudges}
    assert explanations["nudged_days_practised_percent"].startswith("1 of 2 nudged learner-days")
    assert explanations["holdout_days_practised_percent"].startswith("2 of 20 days")
    assert summary.figure("nudges_sent").display == "4"


def test_dashboard_nudges_for_the_whole_organization(nudges, org_admin):
    summary = dashboard_summary(scope=dashboard_scope(viewer=org_admin))
    figures = values(summary.nudges)
    # Dev's nudge on 10 June, practice 3 hours later: 2 of 3 learner-days.
    assert figures["nudges_sent"] == 5
    assert figures["nudges_opened_percent"] == 40.0
    assert figures["nudged_days_practised_percent"] == 66.7


def test_dashboard_nudges_without_holdout_or_nudges_say_not_available(dataset, manager):
    summary = dashboard_summary(
        scope=dashboard_scope(viewer=manager, micromastery_id=dataset.micromastery.pk)
    )
    figures = values(summary.nudges)
    assert figures["nudges_sent"] == 0
    assert figures["nudges_opened_percent"] is None
    assert figures["nudge_effect_points"] is None
    assert summary.figure("nudged_days_practised_percent").display == "not measured yet"


def test_dashboard_nudges_hidden_from_a_manager_of_another_team(
    client, api_as, nudges, organization, outsider
):
    field_manager = UserFactory(organization=organization)
    nudges.field_team.managers.add(field_manager)
    summary = dashboard_summary(scope=dashboard_scope(viewer=field_manager))
    figures = values(summary.nudges)
    assert figures["nudges_sent"] == 1  # Dev's only
    assert figures["holdout_days_practised_percent"] is None  # Ben is not in Field
    client.force_login(field_manager)
    assert client.get(reverse("payoff:dashboard"), {"team": nudges.dispatch.pk}).status_code == 404
    body = api_as(outsider).get("/api/v1/dashboard/").json()
    assert [figure["value"] for figure in body["nudges"]][:2] == [0, None]


def test_dashboard_nudges_same_numbers_on_page_api_and_csv(client, api_as, nudges, manager):
    client.force_login(manager)
    page = client.get(reverse("payoff:dashboard"))
    html = page.content.decode()
    assert html.index("6. Value") < html.index("7. Nudges")
    assert "Practised within 24 hours of a nudge" in html
    body = api_as(manager).get("/api/v1/dashboard/").json()
    assert body["nudges"] == DashboardOutputSerializer(page.context["summary"]).data["nudges"]
    assert body["nudges"][3]["value"] == 50.0
    rows = read_csv(client.get(reverse("payoff:dashboard-csv")))
    nudge_rows = {row[1]: row[3] for row in rows if row[0] == "Nudges"}
    assert nudge_rows["Practised within 24 hours of a nudge"] == "50.0"
    assert nudge_rows["Holdout: days with practice"] == "10.0"


def test_dashboard_nudges_of_the_whole_organization_at_the_edges_of_the_period(dataset, org_admin):
    """The whole organization adds up whole days from the day rollup and reads the part
    days at both ends (90 days ago at noon; 24 hours ago; today) from the nudge rows.

    - Eli, 17 March: email at 11:59 (before the period) and in-app at 12:00:30: the in-app
      one is sent in the period, but the learner-day's first nudge is not;
    - Fay, 17 March 12:00 (opened): the period's first moment, a nudged learner-day;
    - Cleo, 14 June 11:59, practised at 20:00: 24 hours and a minute old, practised;
    - Gus, 14 June 12:01: sent, its 24 hours not over; Hal, today 11:00: sent.
    """
    organization = dataset.micromastery.organization
    eli, fay, gus, hal = (UserFactory(organization=organization) for _ in range(4))
    march = datetime(2026, 3, 17, 12, 0, tzinfo=UTC)
    NudgeFactory(recipient=eli, due_at=march - timedelta(minutes=1))
    NudgeFactory(recipient=eli, channel="in_app", due_at=march + timedelta(seconds=30))
    NudgeFactory(recipient=fay, due_at=march, opened_at=march + timedelta(hours=1))
    NudgeFactory(recipient=dataset.cleo, due_at=at(14, 11) + timedelta(minutes=59))
    AttemptFactory(enrollment=dataset.e3, practiced_at=at(14, 20))
    NudgeFactory(recipient=gus, due_at=at(14, 12) + timedelta(minutes=1))
    NudgeFactory(recipient=hal, due_at=at(15, 11))
    rollups_rebuild()
    scope = dashboard_scope(viewer=org_admin)
    figures = values(dashboard_summary(scope=scope).nudges)
    assert figures == {
        "nudges_sent": 5,
        "nudges_opened_percent": 20.0,
        "nudges_clicked_percent": 0.0,
        "nudged_days_practised_percent": 50.0,
        "holdout_days_practised_percent": 10.0,
        "nudge_effect_points": 40.0,
    }
    raw = raw_figures(scope)
    assert figures == {key: raw[key] for key in figures}
