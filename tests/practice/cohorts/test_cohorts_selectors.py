from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from accounts import policies
from practice import services as practice_services
from practice.cohorts import selectors, services
from practice.models import Enrollment
from tests.factories import TeamFactory, UserFactory, published_version

pytestmark = pytest.mark.django_db

DUE = date(2026, 3, 10)


@pytest.fixture
def version(organization):
    return published_version(organization, steps=1)


def complete(enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(
        completed_at=timezone.now(), started_at=timezone.now(), status="completed"
    )


def test_assignment_list_overdue_follows_the_learners_own_day(org_admin, organization, version):
    tokyo = UserFactory(organization=organization, time_zone="Asia/Tokyo")
    los_angeles = UserFactory(organization=organization, time_zone="America/Los_Angeles")
    team = TeamFactory(organization=organization, members=[tokyo, los_angeles])
    services.cohort_assign(
        by=org_admin,
        name="Spring",
        micromastery=version.micromastery,
        teams=[team],
        starts_on=date(2026, 3, 2),
        due_on=DUE,
    )

    def overdue(learner, now):
        return selectors.assignment_list(learner=learner, now=now)[0].is_overdue

    # Tokyo's 10 March ends at 15:00 UTC; Los Angeles' (PDT) at 07:00 UTC on the 11th.
    assert not overdue(tokyo, datetime(2026, 3, 10, 14, 59, tzinfo=UTC))
    assert overdue(tokyo, datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    assert not overdue(los_angeles, datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    assert not overdue(los_angeles, datetime(2026, 3, 11, 6, 59, tzinfo=UTC))
    assert overdue(los_angeles, datetime(2026, 3, 11, 7, 0, tzinfo=UTC))


def test_assignment_list_completed_work_is_never_overdue(org_admin, team, learner, version):
    services.cohort_assign(
        by=org_admin,
        name="Spring",
        micromastery=version.micromastery,
        teams=[team],
        starts_on=date(2026, 3, 2),
        due_on=DUE,
    )
    complete(Enrollment.objects.get(learner=learner))
    work = selectors.assignment_list(learner=learner, now=datetime(2026, 4, 1, tzinfo=UTC))[0]
    assert work.is_complete and not work.is_overdue


def test_assignment_list_shows_who_assigned_kickoff_and_due_date_overdue_first(
    org_admin, manager, team, learner, organization, django_assert_num_queries
):
    kickoff = datetime(2026, 3, 3, 9, tzinfo=UTC)
    versions = [published_version(organization, steps=1) for _ in range(4)]
    for index, version in enumerate(versions):
        services.cohort_assign(
            by=manager if index % 2 else org_admin,
            name=f"Cohort {index}",
            micromastery=version.micromastery,
            teams=[team],
            starts_on=date(2026, 3, 1),
            due_on=date(2026, 3, [5, 15, 25, 30][index]),
            kickoff_at=kickoff,
            kickoff_url="https://meet.example/kickoff",
            facilitator=manager,
        )
    with django_assert_num_queries(2):
        work = selectors.assignment_list(learner=learner, now=datetime(2026, 3, 20, tzinfo=UTC))
        [item.cohort.facilitator for item in work]
    assert [item.cohort.name for item in work] == ["Cohort 0", "Cohort 1", "Cohort 2", "Cohort 3"]
    assert [item.is_overdue for item in work] == [True, True, False, False]
    assert work[0].assigned_by == org_admin and work[1].assigned_by == manager
    assert work[0].title == versions[0].title
    assert work[0].cohort.kickoff_at == kickoff


def test_assignment_list_leaves_out_cohorts_the_learner_was_removed_from(
    org_admin, team, learner, version
):
    outcome = services.cohort_assign(
        by=org_admin,
        name="Spring",
        micromastery=version.micromastery,
        teams=[team],
        starts_on=date(2026, 3, 2),
    )
    services.cohort_member_remove(cohort=outcome.cohort, by=org_admin, learner=learner)
    assert selectors.assignment_list(learner=learner) == []


def make_cohorts(organization, manager, by, members_per_team):
    """Two teams the manager manages, each with its cohort, members at every stage."""
    for index in range(2):
        people = [UserFactory(organization=organization) for _ in range(members_per_team)]
        team = TeamFactory(organization=organization, managers=[manager], members=people)
        version = published_version(organization, steps=1)
        services.cohort_assign(
            by=by,
            name=f"Team {index} cohort",
            micromastery=version.micromastery,
            teams=[team],
            starts_on=date(2026, 3, 2),
            due_on=DUE,
        )
        enrollments = list(Enrollment.objects.filter(micromastery=version.micromastery))
        complete(enrollments[0])
        Enrollment.objects.filter(pk=enrollments[1].pk).update(started_at=timezone.now())


@pytest.mark.parametrize("members_per_team", [3, 12])
def test_cohort_report_list_counts_with_flat_queries(
    members_per_team, org_admin, manager, organization, django_assert_num_queries
):
    make_cohorts(organization, manager, org_admin, members_per_team)
    with django_assert_num_queries(5):
        reports = selectors.cohort_report_list(
            viewer=manager, now=datetime(2026, 3, 20, tzinfo=UTC)
        )
        [(r.title, list(r.cohort.teams.all()), r.cohort.assigned_by) for r in reports]
    assert len(reports) == 2
    report = reports[0]
    assert report.member_count == members_per_team
    assert report.enrolled_count == members_per_team
    assert report.started_count == 2
    assert report.completed_count == 1
    assert report.overdue_count == members_per_team - 1


def test_cohort_visible_manager_sees_only_cohorts_of_their_teams(
    org_admin, manager, author, organization, outsider, team
):
    version = published_version(organization, steps=1)
    unmanaged = TeamFactory(
        organization=organization, members=[UserFactory(organization=organization)]
    )
    services.cohort_assign(
        by=org_admin,
        name="Mine",
        micromastery=version.micromastery,
        teams=[team],
        starts_on=date(2026, 3, 2),
    )
    services.cohort_assign(
        by=org_admin,
        name="Not mine",
        micromastery=version.micromastery,
        teams=[unmanaged],
        starts_on=date(2026, 3, 2),
    )
    assert [c.name for c in policies.cohorts_visible_to(manager)] == ["Mine"]
    assert policies.cohorts_visible_to(author).count() == 2
    assert policies.cohorts_visible_to(outsider).count() == 0


def test_assignment_list_follows_an_enrolment_made_before(org_admin, team, learner, version):
    own = practice_services.enrollment_create(learner=learner, micromastery=version.micromastery)
    services.cohort_assign(
        by=org_admin,
        name="Spring",
        micromastery=version.micromastery,
        teams=[team],
        starts_on=date(2026, 3, 2),
    )
    assert selectors.assignment_list(learner=learner)[0].enrollments == [own]
