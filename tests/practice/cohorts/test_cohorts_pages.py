from datetime import date

import pytest
from django.urls import reverse

from practice.cohorts import services
from practice.cohorts.models import Cohort, CohortMembership
from practice.models import Enrollment
from tests.factories import TeamFactory, UserFactory, published_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(organization):
    return published_version(organization, steps=1, title="Run a 15-minute stand-up")


@pytest.fixture
def cohort(org_admin, team, version):
    return services.cohort_assign(
        by=org_admin,
        name="Dispatch spring",
        micromastery=version.micromastery,
        teams=[team],
        starts_on=date(2026, 3, 2),
        due_on=date(2026, 3, 10),
    ).cohort


def assign_form(team, version, **changes):
    data = {
        "teams": [team.pk],
        "work": f"m:{version.micromastery_id}",
        "starts_on": "2026-03-02",
        "due_on": "2026-03-10",
        "kickoff_minutes": "60",
    }
    data.update(changes)
    return data


def test_assign_page_manager_assigns_their_team(
    client, manager, team, learner, version, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    page = client.get(reverse("cohorts:assign"))
    assert page.status_code == 200
    assert "Run a 15-minute stand-up" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cohorts:assign"), assign_form(team, version), follow=True)
    cohort = Cohort.objects.get()
    assert response.redirect_chain[-1][0] == reverse("cohorts:detail", args=[cohort.pk])
    assert cohort.name == "Run a 15-minute stand-up · Dispatch"
    assert "Enrolled 1 person." in response.content.decode()
    assert Enrollment.objects.filter(learner=learner).exists()


def test_assign_page_offers_only_managed_teams_and_published_work(
    client, manager, team, organization
):
    TeamFactory(organization=organization, name="Sales")
    published_version(organization, status="draft", title="Half-written skill")
    client.force_login(manager)
    content = client.get(reverse("cohorts:assign")).content.decode()
    assert "Dispatch" in content
    assert "Sales" not in content
    assert "Half-written skill" not in content


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_on": "2026-03-01"}, "The due date cannot be before the start date."),
        ({"teams": []}, "Choose at least one team."),
        ({"kickoff_at": "2026-03-03T09:00"}, "Say where the kickoff is"),
    ],
)
def test_assign_page_bad_input_shows_errors_and_changes_nothing(
    client, manager, team, version, changes, message
):
    client.force_login(manager)
    response = client.post(reverse("cohorts:assign"), assign_form(team, version, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Cohort.objects.exists()
    assert not Enrollment.objects.exists()


def test_assign_page_refuses_a_team_the_manager_does_not_manage(
    client, manager, team, version, organization
):
    sales = TeamFactory(organization=organization, name="Sales")
    client.force_login(manager)
    response = client.post(reverse("cohorts:assign"), assign_form(team, version, teams=[sales.pk]))
    assert "Select a valid choice" in response.content.decode()
    assert not Cohort.objects.exists()


def test_assign_page_refuses_a_draft_micromastery(client, manager, team, organization):
    draft = published_version(organization, status="draft")
    client.force_login(manager)
    response = client.post(reverse("cohorts:assign"), assign_form(team, draft))
    assert "Select a valid choice" in response.content.decode()
    assert not Cohort.objects.exists()


@pytest.mark.parametrize("url_name", ["cohorts:assign", "cohorts:list"])
def test_cohort_pages_are_forbidden_to_learners(client, learner, url_name):
    client.force_login(learner)
    assert client.get(reverse(url_name)).status_code == 403


def test_cohort_pages_need_sign_in(client, cohort):
    response = client.get(reverse("cohorts:detail", args=[cohort.pk]))
    assert response.status_code == 302


def test_cohort_detail_is_not_found_for_another_organization(client, outsider, cohort):
    client.force_login(outsider)
    assert client.get(reverse("cohorts:detail", args=[cohort.pk])).status_code == 404
    response = client.post(
        reverse("cohorts:member-remove", args=[cohort.pk, cohort.memberships.get().learner_id])
    )
    assert response.status_code == 404
    assert CohortMembership.objects.get().removed_at is None


def test_cohort_detail_is_not_found_for_a_manager_of_other_teams(client, organization, cohort):
    other_manager = UserFactory(organization=organization)
    TeamFactory(organization=organization, managers=[other_manager])
    client.force_login(other_manager)
    assert client.get(reverse("cohorts:detail", args=[cohort.pk])).status_code == 404
    assert "Dispatch spring" not in client.get(reverse("cohorts:list")).content.decode()


def test_cohort_detail_lists_learners_and_removing_keeps_practice(client, manager, learner, cohort):
    client.force_login(manager)
    page = client.get(reverse("cohorts:detail", args=[cohort.pk])).content.decode()
    assert str(learner) in page
    response = client.post(
        reverse("cohorts:member-remove", args=[cohort.pk, learner.pk]), follow=True
    )
    assert "Their practice so far stays with them." in response.content.decode()
    assert CohortMembership.objects.get().removed_at is not None
    assert Enrollment.objects.filter(learner=learner).exists()


@pytest.mark.parametrize("members", [2, 10])
def test_cohort_list_and_detail_queries_do_not_grow_with_members(
    client, manager, org_admin, organization, members, django_assert_num_queries
):
    for index in range(2):
        people = [UserFactory(organization=organization) for _ in range(members)]
        team = TeamFactory(organization=organization, managers=[manager], members=people)
        services.cohort_assign(
            by=org_admin,
            name=f"Cohort {index}",
            micromastery=published_version(organization, steps=1).micromastery,
            teams=[team],
            starts_on=date(2026, 3, 2),
        )
    client.force_login(manager)
    # session, user, the manager's teams check, then five for the reports
    with django_assert_num_queries(9):
        response = client.get(reverse("cohorts:list"))
    assert response.content.decode().count('<h2 id="cohort-') == 2
    cohort = Cohort.objects.first()
    with django_assert_num_queries(9):
        response = client.get(reverse("cohorts:detail", args=[cohort.pk]))
    assert response.status_code == 200


def test_assigned_work_partial_flags_overdue_kindly(client, learner, cohort):
    from datetime import UTC, datetime

    from django.template.loader import render_to_string

    from practice.cohorts.selectors import assignment_list

    work = assignment_list(learner=learner, now=datetime(2026, 3, 20, tzinfo=UTC))
    html = render_to_string("cohorts/_assigned_work.html", {"assigned_work": work})
    assert "Assigned to you" in html
    assert "Run a 15-minute stand-up" in html
    assert "Past the due date" in html
    assert "It is not too late" in html
    assert "Due by the end of Tuesday 10 March" in html
