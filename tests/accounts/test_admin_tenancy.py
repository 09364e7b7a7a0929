import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_learner_cannot_open_the_admin(client, learner):
    client.force_login(learner)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302


def test_admin_org_admin_lists_only_own_organization_people(client, org_admin, learner, outsider):
    client.force_login(org_admin)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert learner.email in content
    assert outsider.email not in content


@pytest.mark.parametrize(
    ("url_name", "target"),
    [
        ("admin:accounts_user_change", "outsider"),
        ("admin:accounts_team_change", "other_team"),
        ("admin:accounts_organization_change", "other_organization"),
        ("admin:accounts_user_history", "outsider"),
    ],
)
def test_admin_other_organization_rows_are_not_found(client, org_admin, url_name, target, request):
    obj = request.getfixturevalue(target)
    client.force_login(org_admin)
    response = client.get(reverse(url_name, args=[obj.pk]))
    assert response.status_code == 404


def test_admin_org_admin_cannot_change_another_organizations_person(client, org_admin, outsider):
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:accounts_user_change", args=[outsider.pk]),
        {"email": "taken@acme.example", "display_name": "Taken"},
    )
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.email == "outsider@globex.example"


def test_admin_author_has_no_people_or_team_admin(client, author, learner, team):
    client.force_login(author)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_team_change", args=[team.pk])).status_code == 403


def test_admin_org_admin_adds_a_person_to_own_organization(
    client, org_admin, organization, other_organization
):
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            # A forged organization is ignored: the field is fixed to the admin's own.
            "organization": other_organization.pk,
            "email": "New.Person@Acme.example",
            "display_name": "New Person",
            "time_zone": "Europe/Paris",
            "work_starts_at": "08:00",
            "work_ends_at": "16:00",
            "working_days": "[1, 2, 3, 4]",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from accounts.models import User

    person = User.objects.get(email="new.person@acme.example")
    assert person.organization == organization
    assert not person.has_usable_password()
    assert not person.is_superuser


def test_admin_org_admin_cannot_grant_superuser(client, org_admin, learner):
    client.force_login(org_admin)
    response = client.get(reverse("admin:accounts_user_change", args=[learner.pk]))
    assert "is_superuser" not in response.content.decode()


def test_admin_team_refuses_members_of_another_organization(
    client, org_admin, organization, learner, outsider
):
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:accounts_team_add"),
        {"name": "Mixed", "members": [learner.pk, outsider.pk], "managers": []},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    from accounts.models import Team

    assert not Team.objects.filter(name="Mixed").exists()


def test_admin_team_name_unique_within_organization(client, org_admin, team):
    client.force_login(org_admin)
    response = client.post(reverse("admin:accounts_team_add"), {"name": team.name})
    assert response.status_code == 200
    assert "already has a team with this name" in response.content.decode()


def test_admin_org_admin_edits_own_organization_only(client, org_admin, organization):
    client.force_login(org_admin)
    response = client.get(reverse("admin:accounts_organization_changelist"))
    assert response.status_code == 200
    assert "Globex" not in response.content.decode()
    assert client.get(reverse("admin:accounts_organization_add")).status_code == 403


def test_admin_superuser_sees_every_organization(
    client, organization, other_organization, learner, outsider
):
    from accounts.models import User

    root = User.objects.create_superuser("root@platform.example", "pw-for-tests-123")
    client.force_login(root)
    content = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert learner.email in content
    assert outsider.email in content


def test_admin_send_password_link_reaches_people_without_password(
    client, org_admin, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    newcomer = UserFactory(organization=org_admin.organization, email="new@acme.example")
    newcomer.set_unusable_password()
    newcomer.save()
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers on commit
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "send_password_reset", "_selected_action": [newcomer.pk]},
        )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["new@acme.example"]]
    assert "/accounts/password/reset/" in mailoutbox[0].body
