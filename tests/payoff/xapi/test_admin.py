"""The LRS in the admin: an org admin connects their organization's store and tests it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from micromastery.common.outbox import MessageKind
from payoff.xapi.models import LearningRecordStore
from practice.nudges.models import NudgeStatus, OutboxMessage
from tests.factories import UserFactory
from tests.payoff.xapi.conftest import connect_lrs

pytestmark = pytest.mark.django_db

ADD = "admin:xapi_learningrecordstore_add"
CHANGELIST = "admin:xapi_learningrecordstore_changelist"


def form(endpoint, **fields):
    return {
        "endpoint": endpoint,
        "username": "acme",
        "password": "acme-lrs-secret",
        "is_enabled": "on",
        **fields,
    }


def test_org_admin_connects_the_lrs_of_their_organization_with_the_password_encrypted(
    client, org_admin, other_organization
):
    client.force_login(org_admin)
    # An organization picked in the form is ignored: the field is fixed to the admin's own.
    response = client.post(
        reverse(ADD),
        form("https://lrs.example.com/xAPI/", organization=other_organization.pk),
        follow=True,
    )
    assert response.status_code == 200
    lrs = LearningRecordStore.objects.get()
    assert lrs.organization_id == org_admin.organization_id
    assert lrs.endpoint == "https://lrs.example.com/xAPI/"
    assert lrs.statements_url == "https://lrs.example.com/xAPI/statements"
    assert "acme-lrs-secret" not in lrs.password_encrypted
    assert lrs.password == "acme-lrs-secret"
    page = client.get(reverse("admin:xapi_learningrecordstore_change", args=[lrs.pk]))
    assert "acme-lrs-secret" not in page.content.decode()
    assert lrs.password_encrypted not in page.content.decode()


def test_leaving_the_password_empty_keeps_the_stored_one(client, org_admin, organization):
    lrs = LearningRecordStore(
        organization=organization, endpoint="https://a.example/x", username="a"
    )
    lrs.password = "kept"
    lrs.save()
    client.force_login(org_admin)
    client.post(
        reverse("admin:xapi_learningrecordstore_change", args=[lrs.pk]),
        form("https://b.example/xAPI", password=""),
    )
    lrs.refresh_from_db()
    assert (lrs.endpoint, lrs.password) == ("https://b.example/xAPI", "kept")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (form("ftp://lrs.example.com/xAPI"), "Use the LRS&#x27;s https:// address"),
        (form("https://lrs.example.com/xAPI", password=""), "Enter the LRS password"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_change_nothing(
    client, org_admin, fields, message
):
    client.force_login(org_admin)
    response = client.post(reverse(ADD), fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LearningRecordStore.objects.exists()


def test_private_addresses_are_refused_outside_tests(client, org_admin, settings):
    settings.NUDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client.force_login(org_admin)
    response = client.post(reverse(ADD), form("http://127.0.0.1:9/xAPI"))
    assert "public" in response.content.decode() or "private" in response.content.decode()
    assert not LearningRecordStore.objects.exists()


def test_another_organization_s_lrs_is_404_and_other_roles_are_turned_away(
    client, org_admin, other_organization, author, manager
):
    theirs = LearningRecordStore(
        organization=other_organization, endpoint="https://lrs.globex.example/x", username="g"
    )
    theirs.password = "theirs"
    theirs.save()
    client.force_login(org_admin)
    change = reverse("admin:xapi_learningrecordstore_change", args=[theirs.pk])
    assert client.get(change).status_code == 404
    assert client.post(change, form("https://evil.example/xAPI")).status_code == 404
    assert "lrs.globex.example" not in client.get(reverse(CHANGELIST)).content.decode()
    for person in (author, manager):
        client.force_login(person)
        assert client.get(reverse(CHANGELIST)).status_code in (302, 403)
        assert client.post(reverse(ADD), form("https://a.example/xAPI")).status_code in (302, 403)
    theirs.refresh_from_db()
    assert theirs.endpoint == "https://lrs.globex.example/x"
    assert LearningRecordStore.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_send_a_test_statement_reaches_the_lrs(client, ralph, organization):
    admin_user = UserFactory(
        organization=organization, email="priya@acme.example", is_org_admin=True
    )
    lrs = connect_lrs(organization, ralph, "acme")
    client.force_login(admin_user)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "send_test_statement", "_selected_action": [lrs.pk]},
        follow=True,
    )
    assert "a test statement is on its way" in response.content.decode()
    message = OutboxMessage.objects.get(kind=MessageKind.XAPI_STATEMENT)
    assert (message.status, message.last_error) == (NudgeStatus.SENT, "")
    [stored] = ralph.statements("acme")
    assert stored["actor"]["mbox"] == "mailto:priya@acme.example"
    assert stored["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"


def test_testing_a_switched_off_lrs_says_so(client, org_admin, organization):
    lrs = LearningRecordStore(
        organization=organization, endpoint="https://a.example/x", username="a", is_enabled=False
    )
    lrs.password = "p"
    lrs.save()
    client.force_login(org_admin)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "send_test_statement", "_selected_action": [lrs.pk]},
        follow=True,
    )
    assert "switched off" in response.content.decode()
    assert not OutboxMessage.objects.exists()
