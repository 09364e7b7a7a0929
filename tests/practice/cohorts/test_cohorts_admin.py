from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from practice.cohorts import services
from practice.cohorts.models import Cohort
from practice.models import Enrollment
from tests.factories import published_version

pytestmark = pytest.mark.django_db

ADD = reverse("admin:cohorts_cohort_add")


@pytest.fixture
def version(organization):
    return published_version(organization, steps=1)


def form(team, version, **changes):
    data = {
        "name": "Dispatch spring",
        "micromastery": version.micromastery_id,
        "teams": [team.pk],
        "starts_on": "2026-03-02",
        "due_on": "2026-03-10",
        "kickoff_minutes": "60",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["org_admin", "author"])
def test_admin_cohort_add_assigns_through_the_service(
    client, request, role, team, learner, version, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, form(team, version))
    assert response.status_code == 302, response.content.decode()[:2000]
    cohort = Cohort.objects.get()
    assert cohort.assigned_by.is_staff
    assert Enrollment.objects.filter(learner=learner).exists()
    assert [message.to[0] for message in mail.outbox] == [learner.email]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_on": "2026-03-01"}, "The due date cannot be before the start date."),
        ({"teams": []}, "the cohort is empty"),
    ],
)
def test_admin_cohort_add_bad_input_shows_errors(
    client, org_admin, team, version, changes, message
):
    client.force_login(org_admin)
    response = client.post(ADD, form(team, version, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Cohort.objects.exists()


def test_admin_cohort_add_refuses_a_draft(client, org_admin, team, organization):
    draft = published_version(organization, status="draft")
    client.force_login(org_admin)
    response = client.post(ADD, form(team, draft))
    assert "not published yet" in response.content.decode()
    assert not Cohort.objects.exists()


def test_admin_cohort_add_refuses_another_organizations_team(
    client, org_admin, team, version, other_team
):
    client.force_login(org_admin)
    response = client.post(ADD, form(team, version, teams=[other_team.pk]))
    assert response.status_code == 200
    assert not Cohort.objects.exists()


def test_admin_cohort_of_another_organization_is_not_found(
    client, outsider, org_admin, team, version
):
    cohort = services.cohort_assign(
        by=org_admin,
        name="Spring",
        micromastery=version.micromastery,
        teams=[team],
        starts_on=date(2026, 3, 2),
    ).cohort
    client.force_login(outsider)
    assert client.get(reverse("admin:cohorts_cohort_change", args=[cohort.pk])).status_code == 404
    assert "Spring" not in client.get(reverse("admin:cohorts_cohort_changelist")).content.decode()


def test_admin_cohort_is_closed_to_learners_and_managers(client, learner, manager, team):
    for person in (learner, manager):
        client.force_login(person)
        response = client.get(reverse("admin:cohorts_cohort_changelist"))
        assert response.status_code == 302


def test_admin_cohort_change_adds_a_person_and_enrols_them(
    client, org_admin, team, version, organization
):
    from tests.factories import UserFactory

    cohort = services.cohort_assign(
        by=org_admin,
        name="Spring",
        micromastery=version.micromastery,
        teams=[team],
        starts_on=date(2026, 3, 2),
    ).cohort
    newcomer = UserFactory(organization=organization)
    client.force_login(org_admin)
    data = form(team, version, name="Spring", people=[newcomer.pk])
    data.update({"memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1"})
    data["memberships-0-id"] = str(cohort.memberships.get().pk)
    data["memberships-0-cohort"] = str(cohort.pk)
    response = client.post(reverse("admin:cohorts_cohort_change", args=[cohort.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Enrollment.objects.filter(learner=newcomer).exists()
