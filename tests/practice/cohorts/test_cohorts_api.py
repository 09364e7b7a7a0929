from datetime import date

import pytest

from practice.cohorts import services
from practice.cohorts.models import Cohort, CohortMembership
from practice.models import Enrollment
from tests.factories import TeamFactory, UserFactory, published_version

pytestmark = pytest.mark.django_db

LIST = "/api/v1/cohorts/"


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
    ).cohort


def payload(team, version, **changes):
    data = {
        "name": "Dispatch spring",
        "micromastery": version.micromastery_id,
        "teams": [team.pk],
        "starts_on": "2026-03-02",
        "due_on": "2026-03-10",
        "kickoff_at": "2026-03-03T09:00:00Z",
        "kickoff_url": "https://meet.example/kickoff",
    }
    data.update(changes)
    return data


def test_api_cohort_create_by_manager_enrols_and_reports(api_as, manager, team, learner, version):
    response = api_as(manager).post(LIST, payload(team, version), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Run a 15-minute stand-up"
    assert body["kickoff"]["url"] == "https://meet.example/kickoff"
    assert body["outcome"]["enrolled"] == [{"id": learner.pk, "display_name": learner.display_name}]
    assert body["learners"][0]["id"] == learner.pk
    again = api_as(manager).post(LIST, payload(team, version), format="json")
    assert again.status_code == 200
    assert again.json()["outcome"]["enrolled"] == []
    assert Enrollment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_on": "2026-03-01"}, "due_on"),
        ({"teams": []}, "teams"),
        ({"kickoff_url": ""}, "kickoff_location"),
    ],
)
def test_api_cohort_create_bad_input_is_a_400_with_fields(
    api_as, org_admin, team, version, changes, field
):
    response = api_as(org_admin).post(LIST, payload(team, version, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Cohort.objects.exists()


def test_api_cohort_create_refuses_a_draft(api_as, org_admin, team, organization):
    draft = published_version(organization, status="draft")
    response = api_as(org_admin).post(LIST, payload(team, draft), format="json")
    assert response.status_code == 400
    assert "not published" in response.json()["error"]["fields"]["micromastery"][0]


def test_api_cohort_create_manager_refused_for_unmanaged_team(
    api_as, manager, team, version, organization
):
    sales = TeamFactory(organization=organization, name="Sales")
    response = api_as(manager).post(
        LIST, payload(team, version, teams=[team.pk, sales.pk]), format="json"
    )
    assert response.status_code == 400
    assert "Sales" in response.json()["error"]["fields"]["teams"][0]
    assert not Enrollment.objects.exists()


def test_api_cohort_create_another_organizations_ids_are_not_found(
    api_as, org_admin, team, version, outsider, other_team
):
    response = api_as(org_admin).post(
        LIST, payload(team, version, teams=[other_team.pk], people=[outsider.pk]), format="json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "in your organization" in fields["teams"][0]
    assert "in your organization" in fields["people"][0]
    assert outsider.display_name not in response.content.decode()


def test_api_cohorts_are_forbidden_to_learners(api_as, learner, cohort):
    assert api_as(learner).get(LIST).status_code == 403
    assert api_as(learner).get(f"{LIST}{cohort.pk}/").status_code == 403


def test_api_cohort_detail_of_another_organization_is_404(api_as, outsider, cohort):
    client = api_as(outsider)
    assert client.get(f"{LIST}{cohort.pk}/").status_code == 404
    assert (
        client.post(f"{LIST}{cohort.pk}/members/", {"people": []}, format="json").status_code == 404
    )
    learner_id = cohort.memberships.get().learner_id
    assert client.delete(f"{LIST}{cohort.pk}/members/{learner_id}/").status_code == 404
    assert client.get(LIST).json()["results"] == []


def test_api_cohort_members_add_and_remove(api_as, org_admin, organization, learner, cohort):
    newcomer = UserFactory(organization=organization)
    client = api_as(org_admin)
    added = client.post(f"{LIST}{cohort.pk}/members/", {"people": [newcomer.pk]}, format="json")
    assert added.status_code == 200
    assert [p["id"] for p in added.json()["outcome"]["enrolled"]] == [newcomer.pk]
    removed = client.delete(f"{LIST}{cohort.pk}/members/{learner.pk}/")
    assert removed.status_code == 204
    assert CohortMembership.objects.get(learner=learner).removed_at is not None
    assert Enrollment.objects.filter(learner=learner).exists()
    detail = client.get(f"{LIST}{cohort.pk}/").json()
    assert [p["id"] for p in detail["removed"]] == [learner.pk]


def test_api_cohort_members_add_manager_refused_for_people_outside_their_teams(
    api_as, manager, organization, cohort
):
    stranger = UserFactory(organization=organization)
    response = api_as(manager).post(
        f"{LIST}{cohort.pk}/members/", {"people": [stranger.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "people" in response.json()["error"]["fields"]
    assert not CohortMembership.objects.filter(learner=stranger).exists()


@pytest.mark.parametrize("cohorts", [2, 8])
def test_api_cohort_list_queries_are_flat(
    api_as, org_admin, organization, cohorts, django_assert_num_queries
):
    team = TeamFactory(
        organization=organization,
        members=[UserFactory(organization=organization) for _ in range(4)],
    )
    for index in range(cohorts):
        services.cohort_assign(
            by=org_admin,
            name=f"Cohort {index}",
            micromastery=published_version(organization, steps=1).micromastery,
            teams=[team],
            starts_on=date(2026, 3, 2),
        )
    client = api_as(org_admin)
    # count and page of cohorts, then five for the reports (an org admin needs no team check)
    with django_assert_num_queries(7):
        response = client.get(LIST)
    assert response.json()["count"] == cohorts
    assert all(row["counts"]["enrolled"] == 4 for row in response.json()["results"])


@pytest.mark.parametrize("far", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("field", ["starts_on", "due_on", "kickoff_at"])
def test_api_assign_with_a_date_at_the_ends_of_the_calendar_is_refused(
    client, api_as, manager, team, version, field, far
):
    changes = {field: far if field != "kickoff_at" else f"{far}T12:00:00Z"}
    if changes.get("starts_on") == "9999-12-31":
        changes["due_on"] = "9999-12-31"

    response = api_as(manager).post(LIST, payload(team, version, **changes), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"][field] == ["Pick a date within 5 years of today."]
    client.force_login(manager)
    body = payload(team, version, **changes)
    page = client.post(
        "/teams/assign/",
        {
            "teams": [team.pk],
            "work": f"m:{version.micromastery_id}",
            "starts_on": body["starts_on"],
            "due_on": body["due_on"],
            "kickoff_at": body["kickoff_at"][:16],
            "kickoff_url": body["kickoff_url"],
            "kickoff_minutes": "60",
        },
    )
    assert "Pick a date within 5 years of today." in page.content.decode()
    assert not Cohort.objects.exists()
