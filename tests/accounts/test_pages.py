import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_learner_sees_practice_section_only(client, learner):
    client.force_login(learner)
    content = client.get(reverse("home")).content.decode()
    assert "Your practice" in content
    assert "Open the authoring tool" not in content
    assert "Teams you manage" not in content
    assert "People and teams" not in content
    assert reverse("admin:index") not in content


def test_home_author_is_pointed_at_the_authoring_tool(client, author):
    client.force_login(author)
    content = client.get(reverse("home")).content.decode()
    assert "Open the authoring tool" in content


def test_home_manager_sees_only_own_teams(client, manager, team, other_team):
    client.force_login(manager)
    content = client.get(reverse("home")).content.decode()
    assert "Teams you manage" in content
    assert "Dispatch" in content
    assert "1 member" in content
    assert "Globex ops" not in content


def test_home_org_admin_is_pointed_at_people_and_teams(client, org_admin):
    client.force_login(org_admin)
    content = client.get(reverse("home")).content.decode()
    assert reverse("admin:accounts_user_changelist") in content


def test_home_query_count_does_not_grow_with_teams(
    client, manager, organization, django_assert_max_num_queries
):
    from tests.factories import TeamFactory, UserFactory

    client.force_login(manager)
    for index in range(10):
        TeamFactory(
            organization=organization,
            managers=[manager],
            members=[UserFactory(organization=organization) for _ in range(3)],
            name=f"Team {index}",
        )
    # Session, user, the manager's own (empty) enrolments, which sections have rows (with
    # the bell's unread count), teams.
    with django_assert_max_num_queries(5):
        assert client.get(reverse("home")).status_code == 200


def test_account_saves_working_hours_and_time_zone(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("accounts:account"),
        {
            "display_name": "Lee Learner",
            "time_zone": "Asia/Tokyo",
            "work_starts_at": "08:30",
            "work_ends_at": "17:30",
            "working_days": ["1", "2", "3", "4"],
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.time_zone == "Asia/Tokyo"
    assert learner.working_days == [1, 2, 3, 4]
    assert str(learner.work_starts_at) == "08:30:00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"work_starts_at": "17:00", "work_ends_at": "17:00"}, "must start and end at different"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"working_days": []}, "This field is required"),
    ],
)
def test_account_bad_input_shows_message_and_saves_nothing(client, learner, change, message):
    client.force_login(learner)
    data = {
        "display_name": "Changed",
        "time_zone": "Asia/Tokyo",
        "work_starts_at": "09:00",
        "work_ends_at": "17:00",
        "working_days": ["1"],
    }
    data.update(change)
    response = client.post(reverse("accounts:account"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    learner.refresh_from_db()
    assert learner.display_name != "Changed"
    assert learner.time_zone == "Europe/London"


def test_pages_load_nothing_from_other_sites_and_send_a_strict_csp(client, learner):
    client.force_login(learner)
    response = client.get(reverse("home"))
    content = response.content.decode()
    assert "https://" not in content
    assert "http://" not in content
    assert "default-src 'self'" in response["Content-Security-Policy"]
