import pytest
from django.urls import reverse

from practice.teachback.models import TeachBackSession
from tests.factories import TeachBackInviteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(learner):
    colleague = UserFactory(organization=learner.organization, display_name="Chloé Martin")
    return TeachBackInviteFactory(session__enrollment__learner=learner, invitee=colleague)


def test_teachback_admin_lists_the_organizations_sessions_with_who_was_invited(
    client, org_admin, invite
):
    client.force_login(org_admin)
    listing = client.get(reverse("admin:teachback_teachbacksession_changelist"))
    assert listing.status_code == 200
    assert str(invite.session.micromastery) in listing.content.decode()
    page = client.get(reverse("admin:teachback_teachbacksession_change", args=[invite.session.pk]))
    assert page.status_code == 200
    assert "Chloé Martin" in page.content.decode()


def test_teachback_admin_hides_other_organizations_and_other_roles(
    client, invite, outsider, learner
):
    url = reverse("admin:teachback_teachbacksession_change", args=[invite.session.pk])
    outsider.is_org_admin = True
    outsider.save()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert (
        str(invite.session.micromastery)
        not in client.get(reverse("admin:teachback_teachbacksession_changelist")).content.decode()
    )
    client.force_login(learner)
    # Not staff: the admin sends them to its login page.
    assert client.get(url).status_code == 302


def test_teachback_admin_changes_nothing(client, org_admin, invite):
    client.force_login(org_admin)
    session = invite.session
    url = reverse("admin:teachback_teachbacksession_change", args=[session.pk])
    response = client.post(url, {"status": "cancelled", "location": "Elsewhere"})
    assert response.status_code == 403
    session.refresh_from_db()
    assert (session.status, session.location) == ("scheduled", "Room 4")
    assert (
        client.post(
            reverse("admin:teachback_teachbacksession_delete", args=[session.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert TeachBackSession.objects.filter(pk=session.pk).exists()
