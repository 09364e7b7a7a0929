from datetime import date

import pytest
import time_machine
from django.core import mail

from micromastery.common.errors import ApplicationError
from practice import services as practice_services
from practice.cohorts import services
from practice.cohorts.models import Cohort, CohortMembership
from practice.cohorts.tasks import cohorts_sync_task
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from tests.factories import (
    OrganizationFactory,
    TeamFactory,
    UserFactory,
    published_course,
    published_version,
)

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)
DUE = date(2026, 3, 10)


@pytest.fixture
def version(organization):
    return published_version(organization, steps=1)


@pytest.fixture
def colleague(organization, team):
    person = UserFactory(organization=organization, display_name="Cleo Colleague")
    team.members.add(person)
    return person


@pytest.fixture
def sales_team(organization):
    """A team of the same organization that the manager does not manage."""
    return TeamFactory(
        organization=organization,
        name="Sales",
        members=[UserFactory(organization=organization, display_name="Sam Sales")],
    )


def assign(by, version=None, capture=None, **kwargs):
    kwargs.setdefault("name", "Dispatch spring")
    kwargs.setdefault("starts_on", START)
    kwargs.setdefault("due_on", DUE)
    if version is not None:
        kwargs.setdefault("micromastery", version.micromastery)
    return services.cohort_assign(by=by, **kwargs)


def enrolled(learner, version):
    return Enrollment.objects.filter(learner=learner, micromastery=version.micromastery).first()


@pytest.mark.parametrize("role", ["org_admin", "author", "manager"])
def test_cohort_assign_enrols_every_team_member_on_the_published_version(
    role, request, team, learner, colleague, version, django_capture_on_commit_callbacks
):
    by = request.getfixturevalue(role)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = assign(by, version, teams=[team])
    assert outcome.created
    assert {person.pk for person in outcome.enrolled} == {learner.pk, colleague.pk}
    for person in (learner, colleague):
        enrollment = enrolled(person, version)
        assert enrollment.version == version
        assert enrollment.status == EnrollmentStatus.ACTIVE
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [learner.email, colleague.email]
    )
    assert outcome.cohort.assigned_by == by


def test_cohort_assign_by_org_admin_reaches_any_team_and_person(
    org_admin, sales_team, learner, version
):
    outcome = assign(org_admin, version, teams=[sales_team], people=[learner])
    assert len(outcome.enrolled) == 2


def test_cohort_assign_manager_is_refused_for_a_team_they_do_not_manage(
    manager, team, sales_team, version
):
    with pytest.raises(ApplicationError) as refused:
        assign(manager, version, teams=[team, sales_team])
    assert "teams you manage: Sales" in refused.value.fields["teams"][0]
    assert not Cohort.objects.exists()
    assert not Enrollment.objects.exists()


def test_cohort_assign_manager_may_pick_only_people_of_their_teams(
    manager, team, sales_team, version
):
    stranger = sales_team.members.get()
    with pytest.raises(ApplicationError) as refused:
        assign(manager, version, teams=[team], people=[stranger])
    assert "Sam Sales" in refused.value.fields["people"][0]
    assert not Enrollment.objects.exists()


def test_cohort_assign_refuses_teams_and_people_of_another_organization(
    org_admin, other_team, outsider, version
):
    with pytest.raises(ApplicationError) as refused:
        assign(org_admin, version, teams=[other_team], people=[outsider])
    assert set(refused.value.fields) == {"teams", "people"}
    assert not Cohort.objects.exists()


def test_cohort_assign_refuses_a_plain_learner(learner, team, version):
    with pytest.raises(ApplicationError):
        assign(learner, version, teams=[team])
    assert not Cohort.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"due_on": date(2026, 3, 1)}, "due_on", "before the start date"),
        ({"teams": [], "people": []}, "teams", "the cohort is empty"),
        ({"kickoff_at": "kickoff"}, "kickoff_location", "a place or a video link"),
        ({"name": "  "}, "name", "Give the cohort a name"),
    ],
)
def test_cohort_assign_bad_input_changes_nothing(changes, field, words, org_admin, team, version):
    from datetime import UTC, datetime

    if changes.get("kickoff_at") == "kickoff":
        changes["kickoff_at"] = datetime(2026, 3, 3, 9, tzinfo=UTC)
    kwargs = {"teams": [team], **changes}
    with pytest.raises(ApplicationError) as refused:
        assign(org_admin, version, **kwargs)
    assert words in refused.value.fields[field][0]
    assert not Cohort.objects.exists()
    assert not Enrollment.objects.exists()
    assert not mail.outbox


def test_cohort_assign_refuses_a_draft_micromastery(org_admin, organization, team):
    draft = published_version(organization, status="draft")
    with pytest.raises(ApplicationError) as refused:
        assign(org_admin, draft, teams=[team])
    assert "not published yet" in refused.value.fields["micromastery"][0]
    assert not Cohort.objects.exists()


def test_cohort_assign_refuses_a_course_with_a_draft_micromastery(org_admin, organization, team):
    ready = published_version(organization)
    draft = published_version(organization, status="draft")
    course = published_course(organization, [ready, draft])
    with pytest.raises(ApplicationError) as refused:
        assign(org_admin, course=course, teams=[team])
    assert draft.micromastery.slug in refused.value.fields["course"][0]
    assert not Enrollment.objects.exists()


def test_cohort_assign_refuses_an_unpublished_course(org_admin, organization, team, version):
    course = published_course(organization, [version], status="draft")
    with pytest.raises(ApplicationError) as refused:
        assign(org_admin, course=course, teams=[team])
    assert "not published yet" in refused.value.fields["course"][0]


def test_cohort_assign_refuses_both_or_neither_micromastery_and_course(
    org_admin, organization, team, version
):
    course = published_course(organization, [version])
    with pytest.raises(ApplicationError):
        assign(org_admin, version, course=course, teams=[team])
    with pytest.raises(ApplicationError):
        assign(org_admin, teams=[team])
    assert not Cohort.objects.exists()


def test_cohort_assign_a_course_enrols_every_micromastery_in_it(
    org_admin, organization, team, learner
):
    first, second = published_version(organization), published_version(organization)
    course = published_course(organization, [first, second])
    assign(org_admin, course=course, teams=[team])
    assert enrolled(learner, first) and enrolled(learner, second)
    membership = CohortMembership.objects.get(learner=learner)
    assert membership.cohort_enrollments.count() == 2


def test_cohort_assign_skips_and_reports_people_already_enrolled(
    org_admin, team, learner, colleague, version, django_capture_on_commit_callbacks
):
    own = practice_services.enrollment_create(learner=learner, micromastery=version.micromastery)
    outcome = assign(org_admin, version, teams=[team])
    assert [person.pk for person in outcome.already_enrolled] == [learner.pk]
    assert [person.pk for person in outcome.enrolled] == [colleague.pk]
    assert str(learner) in outcome.summary
    assert Enrollment.objects.filter(learner=learner).get() == own


def test_cohort_assign_resumes_a_dropped_enrolment_with_its_history(
    org_admin, team, learner, version
):
    own = practice_services.enrollment_create(learner=learner, micromastery=version.micromastery)
    practice_services.enrollment_drop(enrollment=own)
    outcome = assign(org_admin, version, teams=[team])
    own.refresh_from_db()
    assert own.status == EnrollmentStatus.ACTIVE
    assert learner.pk in [person.pk for person in outcome.enrolled]


def test_cohort_assign_again_enrols_and_notifies_nobody_twice(
    manager, team, learner, colleague, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = assign(manager, version, teams=[team])
    with django_capture_on_commit_callbacks(execute=True):
        again = assign(manager, version, teams=[team])
    assert first.cohort == again.cohort
    assert not again.created
    assert again.enrolled == [] and again.notified == []
    assert len(mail.outbox) == 2
    assert Enrollment.objects.count() == 2
    assert Cohort.objects.count() == 1


def test_cohort_assign_same_name_with_other_work_is_refused(org_admin, organization, team, version):
    assign(org_admin, version, teams=[team])
    with pytest.raises(ApplicationError) as refused:
        assign(org_admin, published_version(organization), teams=[team])
    assert "already a cohort" in refused.value.fields["name"][0]


def test_cohort_sync_enrols_and_notifies_a_late_joiner_once(
    org_admin, organization, team, learner, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = assign(org_admin, version, teams=[team])
    newcomer = UserFactory(organization=organization)
    team.members.add(newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        synced = services.cohort_sync(cohort=outcome.cohort)
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_sync(cohort=outcome.cohort)
    assert [person.pk for person in synced.enrolled] == [newcomer.pk]
    assert enrolled(newcomer, version) is not None
    assert [message.to[0] for message in mail.outbox].count(newcomer.email) == 1


def test_cohorts_sync_task_reaches_team_changes_made_elsewhere(
    org_admin, organization, team, version
):
    outcome = assign(org_admin, version, teams=[team])
    newcomer = UserFactory(organization=organization)
    team.members.add(newcomer)
    with time_machine.travel(date(2026, 3, 5)):
        assert cohorts_sync_task() == 1
    assert enrolled(newcomer, version) is not None
    assert CohortMembership.objects.filter(cohort=outcome.cohort, learner=newcomer).exists()


def test_cohorts_sync_task_leaves_cohorts_past_their_due_date(
    org_admin, organization, team, version
):
    assign(org_admin, version, teams=[team])
    newcomer = UserFactory(organization=organization)
    team.members.add(newcomer)
    with time_machine.travel(date(2026, 4, 1)):
        assert cohorts_sync_task() == 0
    assert enrolled(newcomer, version) is None


def test_cohort_members_add_enrols_new_people(org_admin, organization, team, version):
    outcome = assign(org_admin, version, teams=[team])
    picked = UserFactory(organization=organization)
    added = services.cohort_members_add(cohort=outcome.cohort, by=org_admin, people=[picked])
    assert [person.pk for person in added.enrolled] == [picked.pk]


def test_cohort_member_remove_keeps_enrolment_and_attempts(manager, team, learner, version):
    outcome = assign(manager, version, teams=[team])
    enrollment = enrolled(learner, version)
    practice_services.attempt_log(
        enrollment=enrollment,
        step=version.steps.get(),
        what_i_did="Wrote the decision on top.",
        confidence=4,
        minutes=5,
    )
    services.cohort_member_remove(cohort=outcome.cohort, by=manager, learner=learner)
    membership = CohortMembership.objects.get(learner=learner)
    assert membership.removed_at is not None
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert PracticeAttempt.objects.filter(enrollment=enrollment).count() == 1
    # Still in the team, but taken out by a person: the sync leaves them out.
    services.cohort_sync(cohort=outcome.cohort)
    membership.refresh_from_db()
    assert membership.removed_at is not None


def test_cohort_sync_marks_people_who_left_the_team_removed_and_keeps_their_work(
    org_admin, team, learner, version
):
    outcome = assign(org_admin, version, teams=[team])
    team.members.remove(learner)
    synced = services.cohort_sync(cohort=outcome.cohort)
    assert [person.pk for person in synced.removed] == [learner.pk]
    assert enrolled(learner, version) is not None
    team.members.add(learner)
    services.cohort_sync(cohort=outcome.cohort)
    assert CohortMembership.objects.get(learner=learner).removed_at is None


def test_cohort_member_remove_by_manager_only_for_their_teams(
    manager, org_admin, team, sales_team, version
):
    outcome = assign(org_admin, version, teams=[team], people=[sales_team.members.get()])
    with pytest.raises(ApplicationError):
        services.cohort_member_remove(
            cohort=outcome.cohort, by=manager, learner=sales_team.members.get()
        )
    assert CohortMembership.objects.filter(removed_at__isnull=True).count() == 2


def test_cohort_member_remove_refused_to_another_organization(outsider, org_admin, team, version):
    outcome = assign(org_admin, version, teams=[team])
    with pytest.raises(ApplicationError):
        services.cohort_member_remove(
            cohort=outcome.cohort, by=outsider, learner=team.members.first()
        )


def test_cohort_update_moving_the_kickoff_sends_an_updated_invitation(
    org_admin, team, learner, version, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    kickoff = datetime(2026, 3, 3, 9, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = assign(
            org_admin, version, teams=[team], kickoff_at=kickoff, kickoff_location="Room 4"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_update(
            cohort=outcome.cohort,
            by=org_admin,
            name=outcome.cohort.name,
            teams=[team],
            people=[],
            due_on=DUE,
            kickoff_at=kickoff.replace(hour=10),
            kickoff_location="Room 4",
        )
    outcome.cohort.refresh_from_db()
    assert outcome.cohort.kickoff_sequence == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("Kickoff changed")
    assert "SEQUENCE:1" in mail.outbox[1].attachments[0][1]


def test_cohort_assign_sends_no_email_when_refused(
    org_admin, team, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        assign(org_admin, version, teams=[team], due_on=date(2026, 1, 1))
    assert mail.outbox == []


def test_cohort_assign_other_organization_micromastery_is_refused(org_admin, team):
    foreign = published_version(OrganizationFactory())
    with pytest.raises(ApplicationError) as refused:
        assign(org_admin, foreign, teams=[team])
    assert "not of your organization" in refused.value.fields["micromastery"][0]
