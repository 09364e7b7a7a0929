"""The dashboard's cohort filter, against the hand-computed dataset in conftest.py.

Cohorts are assigned to people who are already enrolled, so assigning changes no enrolment:
"Spring" (Ada, Cleo, Dev; made by the org admin, so the manager cannot see it) and "Launch"
(teams Dispatch and Field; the manager sees it through Dispatch). Both are due on 14 June,
the day before NOW.
"""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from payoff.dashboard.scope import dashboard_scope
from payoff.dashboard.summary import dashboard_summary
from payoff.rollups import rollups_rebuild
from practice.cohorts import services as cohort_services
from practice.cohorts.selectors import cohort_report_get
from practice.models import Enrollment
from tests.factories import (
    AttemptFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    UserFactory,
    published_course,
    published_version,
)
from tests.payoff.conftest import NOW, days_ago
from tests.payoff.test_dashboard_figures import figures

pytestmark = pytest.mark.django_db

STARTS = date(2026, 5, 1)
DUE = date(2026, 6, 14)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def spring(dataset, org_admin):
    return cohort_services.cohort_assign(
        by=org_admin,
        name="Spring",
        micromastery=dataset.micromastery,
        people=[dataset.ada, dataset.cleo, dataset.dev],
        starts_on=STARTS,
        due_on=DUE,
    ).cohort


@pytest.fixture
def launch(dataset, org_admin):
    return cohort_services.cohort_assign(
        by=org_admin,
        name="Launch",
        micromastery=dataset.micromastery,
        teams=[dataset.dispatch, dataset.field_team],
        starts_on=STARTS,
        due_on=DUE,
    ).cohort


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_dashboard_summary_for_a_cohort_counts_only_its_members(spring, org_admin):
    summary = dashboard_summary(
        scope=dashboard_scope(viewer=org_admin, cohort_id=spring.pk, now=NOW)
    )
    assert figures(summary) == {
        # Reach: Ada, Cleo, Dev (Ben is not in the cohort).
        "enrolled": 3,
        "started": 2,  # Ada, Dev
        "active_7_days": 0,  # Ada last practised 26 days ago, Dev 9 days ago
        "at_risk": 2,  # Cleo (never practised), Dev (9 days)
        "overdue": 2,  # Cleo and Dev are not complete; Ada is
        # Practice: 5 attempts over 3 learner-weeks (Ada: 2 weeks, Dev: 1 week).
        "attempts_per_active_learner_week": 1.67,
        "median_days_to_complete": 4.0,  # Ada alone
        "on_streak": 0,
        "longest_streak": None,
        # Capability: 2 of 6 steps done (Ada's two); first confidence (2+3+3)/3, latest
        # (4+5+3)/3.
        "steps_done_percent": 33.3,
        "confidence_first": 2.67,
        "confidence_latest": 4.0,
        "mastered": 1,  # Ada
        "teach_backs_held": 0,
        "colleagues_reached": 0,
        "teach_back_depth": 0,
        # Value: meeting (60 - 45) x 2 EUR = 30; observed 2 x 0.5 h x 50 EUR = 50.
        "value_total": 80.0,
    }
    weeks = {
        point.week.isoformat(): (point.attempts, point.active_learners)
        for point in summary.weeks
        if point.attempts
    }
    assert weeks == {"2026-05-11": (1, 1), "2026-05-18": (3, 1), "2026-06-01": (1, 1)}
    meeting = summary.results[0]
    assert (meeting.groups[0].learners, meeting.groups[0].median_change) == (1, 15.0)
    assert meeting.without_baseline == 1  # Cleo's check-in
    assert not meeting.has_holdout  # Ben, the holdout, is not in the cohort
    assert "cohort Spring" in summary.scope.description


def test_dashboard_summary_for_a_course_cohort_counts_the_course_micromasteries(
    dataset, organization, org_admin
):
    second = published_version(organization, steps=1, metrics=0)
    elsewhere = published_version(organization, steps=1, metrics=0)
    course = published_course(organization, [dataset.version, second])
    Enrollment.objects.create(
        learner=dataset.ada, version=elsewhere, micromastery=elsewhere.micromastery
    )
    cohort = cohort_services.cohort_assign(
        by=org_admin,
        name="Path",
        course=course,
        people=[dataset.ada, dataset.ben],
        starts_on=STARTS,
    ).cohort
    new = Enrollment.objects.get(learner=dataset.ben, micromastery=second.micromastery)
    AttemptFactory(enrollment=new, practiced_at=days_ago(1))
    Enrollment.objects.filter(pk=new.pk).update(started_at=days_ago(1))
    rollups_rebuild()
    summary = dashboard_summary(
        scope=dashboard_scope(viewer=org_admin, cohort_id=cohort.pk, now=NOW)
    )
    # Ada and Ben on the course's two micromasteries; Ada's third enrolment is not the course's.
    assert summary.figure("enrolled").value == 4
    assert summary.figure("started").value == 3  # Ada and Ben on the first, Ben on the second
    assert summary.figure("overdue").value == 0  # no due date
    assert sum(point.attempts for point in summary.weeks) == 8  # Ada 4, Ben 3 + 1
    alone = dashboard_scope(
        viewer=org_admin, cohort_id=cohort.pk, micromastery_id=second.micromastery.pk, now=NOW
    )
    assert dashboard_summary(scope=alone).figure("enrolled").value == 2


def test_dashboard_spread_for_a_cohort_counts_its_members_teaching(spring, dataset, org_admin):
    for teacher_enrollment, colleagues in ((dataset.e1, 2), (dataset.e2, 3)):  # Ada, Ben
        session = TeachBackSessionFactory(enrollment=teacher_enrollment, starts_at=days_ago(3))
        for _ in range(colleagues):
            TeachBackInviteFactory(session=session, attended=True)
    everyone = dashboard_summary(scope=dashboard_scope(viewer=org_admin, now=NOW))
    assert everyone.figure("teach_backs_held").value == 2
    scope = dashboard_scope(viewer=org_admin, cohort_id=spring.pk, now=NOW)
    cohort = dashboard_summary(scope=scope)
    assert cohort.figure("teach_backs_held").value == 1  # Ada's; Ben is not in Spring
    assert cohort.figure("colleagues_reached").value == 2
    assert "members of the cohort Spring" in cohort.figure("teach_backs_held").explanation


def test_dashboard_scope_cohort_follows_the_cohorts_visibility_rule(
    spring, launch, dataset, manager, org_admin, author
):
    assert [c.name for c in dashboard_scope(viewer=org_admin).visible_cohorts] == [
        "Launch",
        "Spring",
    ]
    assert [c.name for c in dashboard_scope(viewer=author).visible_cohorts] == ["Launch", "Spring"]
    assert [c.name for c in dashboard_scope(viewer=manager).visible_cohorts] == ["Launch"]
    scope = dashboard_scope(viewer=manager, cohort_id=launch.pk, now=NOW)
    # The manager sees the cohort's members in the teams they manage: not Dev (Field).
    summary = dashboard_summary(scope=scope)
    assert summary.figure("enrolled").value == 3
    assert summary.figure("overdue").value == 2  # Ben and Cleo
    admin_view = dashboard_scope(viewer=org_admin, cohort_id=launch.pk, now=NOW)
    assert dashboard_summary(scope=admin_view).figure("enrolled").value == 4


def test_dashboard_cohort_of_another_team_or_organization_is_a_404(
    client, api_as, spring, launch, dataset, manager, outsider, other_team, learner
):
    client.force_login(manager)
    for name in ("payoff:dashboard", "payoff:dashboard-csv", "payoff:learners-csv"):
        assert client.get(reverse(name), {"cohort": spring.pk}).status_code == 404
    assert client.get(reverse("payoff:practice-chart"), {"cohort": spring.pk}).status_code == 404
    page = client.get(reverse("payoff:dashboard")).content.decode()
    assert "Launch" in page and "Spring" not in page
    assert api_as(manager).get("/api/v1/dashboard/", {"cohort": spring.pk}).status_code == 404
    client.force_login(outsider)
    for cohort in (spring, launch):
        assert client.get(reverse("payoff:dashboard"), {"cohort": cohort.pk}).status_code == 404
        response = api_as(outsider).get("/api/v1/dashboard/", {"cohort": cohort.pk})
        assert response.status_code == 404
        assert "Launch" not in response.content.decode()
    assert "Spring" not in client.get(reverse("payoff:dashboard")).content.decode()
    client.force_login(learner)
    assert client.get(reverse("payoff:dashboard"), {"cohort": launch.pk}).status_code == 403


def test_dashboard_api_with_a_cohort_gives_the_page_numbers(api_as, spring, org_admin):
    response = api_as(org_admin).get("/api/v1/dashboard/", {"cohort": spring.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["scope"]["cohort"] == {"id": spring.pk, "name": "Spring"}
    reach = {item["key"]: item["value"] for item in body["reach"]}
    assert (reach["enrolled"], reach["overdue"]) == (3, 2)
    bad = api_as(org_admin).get("/api/v1/dashboard/", {"cohort": "spring"})
    assert bad.status_code == 400
    assert "cohort" in bad.json()["error"]["fields"]


def test_dashboard_page_and_csv_with_a_cohort(client, spring, org_admin):
    client.force_login(org_admin)
    response = client.get(reverse("payoff:dashboard"), {"cohort": spring.pk})
    html = response.content.decode()
    assert '<label for="filter-cohort">Cohort</label>' in html
    assert f'<option value="{spring.pk}" selected>Spring</option>' in html
    assert "Overdue" in html
    assert "past their due date (the end of that day in the learner&#x27;s time zone)" in html
    assert "Ben Okri" not in html  # at risk only among the cohort's members
    assert f"cohort={spring.pk}" in html  # the CSV links and the chart keep the filter
    rows = read_csv(client.get(reverse("payoff:dashboard-csv"), {"cohort": spring.pk}))
    assert "cohort Spring" in rows[1][3]
    assert ["Reach", "Overdue", "", "2"] in [row[:4] for row in rows]
    learners = read_csv(client.get(reverse("payoff:learners-csv"), {"cohort": spring.pk}))
    assert sorted(row[0] for row in learners[1:]) == ["Ada Lovelace", "Cleo Ndlovu", "Dev Patel"]


def test_dashboard_overdue_follows_each_learners_time_zone(spring, launch, dataset, org_admin):
    """Due 15 June: Kiritimati's day ends at 10:00 UTC, Los Angeles' at 07:00 UTC the 16th."""
    type(spring).objects.filter(pk__in=[spring.pk, launch.pk]).update(due_on=date(2026, 6, 15))
    User.objects.filter(pk=dataset.dev.pk).update(time_zone="Pacific/Kiritimati")
    User.objects.filter(pk=dataset.cleo.pk).update(time_zone="America/Los_Angeles")

    def overdue(now, cohort=spring):
        scope = dashboard_scope(viewer=org_admin, cohort_id=cohort.pk if cohort else None, now=now)
        count = dashboard_summary(scope=scope).figure("overdue").value
        if cohort is not None:  # the cohorts' own rule says the same
            assert (
                count
                == cohort_report_get(viewer=org_admin, cohort_id=cohort.pk, now=now).overdue_count
            )
        return count

    assert overdue(datetime(2026, 6, 15, 9, 59, tzinfo=UTC)) == 0
    assert overdue(datetime(2026, 6, 15, 10, 0, tzinfo=UTC)) == 1  # Dev
    assert overdue(datetime(2026, 6, 16, 6, 59, tzinfo=UTC)) == 1
    assert overdue(datetime(2026, 6, 16, 7, 0, tzinfo=UTC)) == 2  # and Cleo
    # Without a cohort: every visible cohort's assignments (Launch adds Ben; Cleo and Dev
    # count once per cohort they are overdue in).
    assert overdue(datetime(2026, 6, 16, 7, 0, tzinfo=UTC), cohort=None) == 5
    assert overdue(datetime(2026, 6, 16, 7, 0, tzinfo=UTC), cohort=launch) == 3


def test_dashboard_with_a_cohort_query_count_does_not_grow_with_members(
    client, launch, dataset, organization, org_admin, django_assert_num_queries
):
    client.force_login(org_admin)
    url = reverse("payoff:dashboard")
    query = {"cohort": launch.pk}
    client.get(url, query)
    # 19 for the page (the cohort's weeks come from the attempts; 3 for the nudge figures;
    # the viewer's organization comes with them), 1 for the bell
    with django_assert_num_queries(20) as small:
        client.get(url, query)
    for _ in range(12):
        person = UserFactory(organization=organization, time_zone="Asia/Tokyo")
        dataset.dispatch.members.add(person)
    cohort_services.cohort_sync(cohort=launch)
    joiners = Enrollment.objects.filter(learner__time_zone="Asia/Tokyo")
    for index, enrollment in enumerate(joiners):
        AttemptFactory(enrollment=enrollment, practiced_at=days_ago(index % 5))
    rollups_rebuild()
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url, query)
    summary = response.context["summary"]
    assert summary.figure("enrolled").value == 16
    assert summary.figure("overdue").value == 15  # all but Ada


def test_dashboard_nudge_figures_for_a_cohort_count_only_its_members(spring, dataset, org_admin):
    from datetime import timedelta

    from tests.factories import NudgeFactory

    # Ada is in the cohort, Ben is not: only Ada's nudge counts with the cohort chosen.
    NudgeFactory(recipient=dataset.ada, due_at=NOW - timedelta(days=2))
    NudgeFactory(recipient=dataset.ben, due_at=NOW - timedelta(days=2))
    rollups_rebuild()  # nudges are counted from the rollups, as beat keeps them
    everyone = dashboard_summary(scope=dashboard_scope(viewer=org_admin, now=NOW))
    cohort = dashboard_summary(
        scope=dashboard_scope(viewer=org_admin, cohort_id=spring.pk, now=NOW)
    )
    assert everyone.figure("nudges_sent").value == 2
    assert cohort.figure("nudges_sent").value == 1
