"""Team webhooks API: org admins for every team, managers for theirs; a test message
through the outbox; the secret shown once; the README's verification code on a real post."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from practice.nudges.models import NudgeStatus, OutboxMessage, TeamWebhook
from tests.factories import TeamFactory, TeamWebhookFactory, UserFactory
from tests.practice.nudges.receivers import WebhookReceiver

pytestmark = pytest.mark.django_db

LIST = "/api/v1/team-webhooks/"
README = Path(__file__).resolve().parents[3] / "README.md"


def detail(webhook, action=""):
    return f"{LIST}{webhook.pk}/{action}"


@pytest.fixture
def other_team_here(organization):
    return TeamFactory(organization=organization, name="Warehouse")


def test_org_admin_creates_and_sees_the_secret_once(api_as, org_admin, team):
    api = api_as(org_admin)
    response = api.post(
        LIST,
        {"team": team.pk, "url": "https://hooks.example.com/services/T/B/x", "service": "slack"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = TeamWebhook.objects.get()
    assert response.json()["secret"] == created.secret and len(created.secret) >= 32
    assert "secret" not in api.get(detail(created)).json()
    assert all("secret" not in row for row in api.get(LIST).json()["results"])


def test_manager_sees_and_changes_only_their_teams(api_as, manager, team, other_team_here):
    mine = TeamWebhookFactory(team=team)
    theirs = TeamWebhookFactory(team=other_team_here)
    api = api_as(manager)
    assert [row["id"] for row in api.get(LIST).json()["results"]] == [mine.pk]
    assert api.get(detail(theirs)).status_code == 404
    assert api.patch(detail(theirs), {"is_active": False}, format="json").status_code == 404
    response = api.post(
        LIST,
        {"team": other_team_here.pk, "url": "https://hooks.example.com/x", "service": "teams"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["team"] == ["Choose a team you manage."]
    response = api.patch(detail(mine), {"service": "teams"}, format="json")
    assert response.status_code == 200 and response.json()["service"] == "teams"
    assert TeamWebhook.objects.get(pk=theirs.pk).is_active


def test_another_organization_gets_404_and_a_learner_403(api_as, outsider, learner, team):
    webhook = TeamWebhookFactory(team=team)
    for action in ("", "test/", "rotate-secret/"):
        method = "get" if not action else "post"
        assert getattr(api_as(outsider), method)(detail(webhook, action)).status_code == 404
    assert api_as(outsider).get(LIST).json()["results"] == []
    learner_api = api_as(learner)
    assert learner_api.get(LIST).status_code == 403
    assert learner_api.post(detail(webhook, "test/")).status_code == 403
    assert learner_api.delete(detail(webhook)).status_code == 403
    assert TeamWebhook.objects.filter(pk=webhook.pk).exists()


def test_bad_url_is_refused_with_its_reason_and_changes_nothing(api_as, org_admin, team):
    webhook = TeamWebhookFactory(team=team)
    api = api_as(org_admin)
    response = api.patch(detail(webhook), {"url": "ftp://files.example.com/"}, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid" and "http" in body["fields"]["url"][0]
    assert TeamWebhook.objects.get(pk=webhook.pk).url == webhook.url
    response = api.post(
        LIST,
        {"team": team.pk, "url": "https://hooks.example.com/y", "service": "irc"},
        format="json",
    )
    assert response.status_code == 400 and "service" in response.json()["error"]["fields"]
    assert TeamWebhook.objects.count() == 1


def test_second_webhook_for_a_team_is_refused(api_as, org_admin, team):
    TeamWebhookFactory(team=team)
    response = api_as(org_admin).post(
        LIST,
        {"team": team.pk, "url": "https://hooks.example.com/z", "service": "slack"},
        format="json",
    )
    assert response.status_code == 400
    assert "already has a chat webhook" in response.json()["error"]["message"]


def test_delete_removes_the_webhook(api_as, org_admin, team):
    webhook = TeamWebhookFactory(team=team)
    assert api_as(org_admin).delete(detail(webhook)).status_code == 204
    assert not TeamWebhook.objects.exists()


def test_rotate_secret_returns_a_new_one_that_signs_from_now_on(api_as, org_admin, team):
    webhook = TeamWebhookFactory(team=team)
    response = api_as(org_admin).post(detail(webhook, "rotate-secret/"))
    assert response.status_code == 200
    secret = response.json()["secret"]
    assert secret != webhook.secret and TeamWebhook.objects.get().secret == secret


def readme_verification():
    text = README.read_text()
    code = re.search(r"<!-- signature-example -->\s*```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["is_from_micromastery"]


def test_test_message_goes_through_the_outbox_signed_as_the_readme_verifies(
    api_as, org_admin, team, django_capture_on_commit_callbacks
):
    with WebhookReceiver() as receiver:
        webhook = TeamWebhookFactory(team=team, url=receiver.url("/ok"), service="slack")
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(org_admin).post(detail(webhook, "test/"))
        assert response.status_code == 202
    message = OutboxMessage.objects.get()
    assert response.json() == {"message_id": message.pk, "status": "planned"}
    assert message.status == NudgeStatus.SENT
    [post] = receiver.posts
    assert post["key"] == f"outbox-{message.pk}"
    assert set(post["json"]) == {"text", "blocks"}  # the same body a real nudge gets
    verify = readme_verification()
    assert verify(webhook.secret, post["headers"], post["body"])
    assert not verify(webhook.secret, post["headers"], post["body"] + b" ")
    assert not verify("another-secret", post["headers"], post["body"])


def test_admin_actions_send_a_test_message_and_rotate_the_secret(
    client, org_admin, team, django_capture_on_commit_callbacks
):
    with WebhookReceiver() as receiver:
        webhook = TeamWebhookFactory(team=team, url=receiver.url("/ok"), service="teams")
        client.force_login(org_admin)
        changelist = reverse("admin:nudges_teamwebhook_changelist")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                changelist,
                {"action": "send_test_message", "_selected_action": [webhook.pk]},
                follow=True,
            )
    assert "a test message is on its way" in response.content.decode()
    [post] = receiver.posts
    assert (
        post["json"]["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    )
    response = client.post(
        changelist, {"action": "rotate_secret", "_selected_action": [webhook.pk]}, follow=True
    )
    new_secret = TeamWebhook.objects.get().secret
    assert new_secret != webhook.secret and new_secret in response.content.decode()


def test_admin_shows_the_secret_once_on_creation(client, org_admin, team):
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:nudges_teamwebhook_add"),
        {
            "team": team.pk,
            "service": "slack",
            "url": "https://hooks.example.com/a",
            "is_active": "on",
        },
        follow=True,
    )
    secret = TeamWebhook.objects.get().secret
    assert secret in response.content.decode()
    page = client.get(
        reverse("admin:nudges_teamwebhook_change", args=[TeamWebhook.objects.get().pk])
    )
    assert secret not in page.content.decode()


def test_admin_webhooks_of_another_organization_are_404(client, org_admin, other_team):
    theirs = TeamWebhookFactory(team=other_team)
    client.force_login(org_admin)
    assert (
        client.get(reverse("admin:nudges_teamwebhook_change", args=[theirs.pk])).status_code == 404
    )
    manager_only = UserFactory(organization=org_admin.organization)
    client.force_login(manager_only)
    assert client.get(reverse("admin:nudges_teamwebhook_changelist")).status_code in (302, 403)
