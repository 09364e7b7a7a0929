import hashlib
import hmac
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from practice.nudges import dispatch, planning
from practice.nudges.channels.webhook import webhook_url_problem
from practice.nudges.models import Notification, Nudge, NudgeStatus
from tests.factories import NudgePreferenceFactory, TeamFactory, TeamWebhookFactory
from tests.practice.nudges.helpers import day, enrol, practise
from tests.practice.nudges.receivers import WebhookReceiver

pytestmark = pytest.mark.django_db

NOW = day(1, 10)


@pytest.fixture
def planned(learner):
    enrollment = enrol(learner)
    planning.nudges_plan(now=NOW)
    return enrollment


def claim_and_send(now=NOW, lease=dispatch.SEND_LEASE):
    with time_machine.travel(now, tick=False):
        ids, token = dispatch.nudges_claim(now=now, lease=lease)
        return ids, token, dispatch.nudges_send(nudge_ids=ids, token=token, lease=lease)


def test_send_email_with_deep_link_unsubscribe_headers_and_idempotency_key(planned, learner):
    _ids, _token, outcome = claim_and_send()
    assert outcome.sent == 2  # email and in-app
    [message] = mail.outbox
    email = Nudge.objects.get(recipient=learner, channel="email")
    assert message.to == [learner.email]
    assert message.extra_headers["X-Micromastery-Nudge"] == f"nudge-{email.pk}"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/nudges/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert "Ready for your first try?" in message.body
    assert "http://127.0.0.1:8000/n/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Unsubscribe from all nudges" in html
    assert email.status == NudgeStatus.SENT and email.attempts == 1 and email.sent_at


def test_send_task_twice_sends_once(planned):
    ids, token, _ = claim_and_send()
    with time_machine.travel(NOW, tick=False):
        again = dispatch.nudges_send(nudge_ids=ids, token=token)
    assert again.sent == 0 and again.skipped == 2
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_expired_lease_is_reclaimed_and_the_stale_task_sends_nothing(planned):
    with time_machine.travel(NOW, tick=False):
        ids, stale = dispatch.nudges_claim(now=NOW, lease=timedelta(minutes=1))
    later = NOW + timedelta(minutes=2)
    assert dispatch.nudges_reclaim_expired(now=later) == 2
    with time_machine.travel(later, tick=False):
        assert dispatch.nudges_send(nudge_ids=ids, token=stale).skipped == 2
        new_ids, token = dispatch.nudges_claim(now=later)
        assert sorted(new_ids) == sorted(ids) and token != stale
        assert dispatch.nudges_send(nudge_ids=new_ids, token=token).sent == 2
    assert len(mail.outbox) == 1


def test_send_checks_preferences_and_recent_practice_again(planned, learner):
    NudgePreferenceFactory(user=learner, email_enabled=False)
    _, _, outcome = claim_and_send()
    assert outcome.cancelled == 1 and outcome.sent == 1
    assert Nudge.objects.get(channel="email").status == NudgeStatus.CANCELLED
    assert mail.outbox == []


def test_send_suppressed_after_unsubscribe(planned, learner):
    NudgePreferenceFactory(user=learner, unsubscribed_at=NOW)
    claim_and_send()
    assert set(Nudge.objects.values_list("status", flat=True)) == {NudgeStatus.SUPPRESSED}


def test_send_postponed_when_practised_in_the_last_hour(planned):
    practise(planned, at=NOW - timedelta(minutes=20))
    _, _, outcome = claim_and_send()
    assert outcome.postponed == 2
    assert {(n.status, n.due_at) for n in Nudge.objects.all()} == {
        (NudgeStatus.PLANNED, NOW + timedelta(minutes=40))
    }


def test_send_cancelled_when_nothing_is_due_any_more(planned):
    planned.status = "dropped"
    planned.save()
    _, _, outcome = claim_and_send()
    assert outcome.cancelled == 2
    assert Nudge.objects.first().last_error == "Nothing is due any more."


def test_webhook_posts_signed_slack_and_teams_json(learner, organization):
    with WebhookReceiver() as receiver:
        team = TeamFactory(organization=organization, members=[learner])
        webhook = TeamWebhookFactory(team=team, url=receiver.url("/ok"))
        enrol(learner)
        planning.nudges_plan(now=NOW)
        _, _, outcome = claim_and_send()
    assert outcome.sent == 3
    [post] = receiver.posts
    nudge = Nudge.objects.get(channel="webhook")
    assert post["key"] == f"nudge-{nudge.pk}"
    expected = hmac.new(
        webhook.secret.encode(), post["timestamp"].encode() + b"." + post["body"], hashlib.sha256
    ).hexdigest()
    assert post["signature"] == f"sha256={expected}"
    assert "Ready for your first try?" in post["json"]["text"]
    # Slack's incoming webhooks take no "summary": Block Kit and its text fallback only.
    assert set(post["json"]) == {"text", "blocks"}


def test_webhook_500_is_retried_and_404_fails_with_its_reason(learner, organization):
    with WebhookReceiver() as receiver:
        team = TeamFactory(organization=organization, members=[learner])
        webhook = TeamWebhookFactory(team=team, url=receiver.url("/fail"))
        enrol(learner)
        planning.nudges_plan(now=NOW)
        _ids, token, outcome = claim_and_send()
        nudge = Nudge.objects.get(channel="webhook")
        assert outcome.retry == [nudge.pk]
        nudge.refresh_from_db()
        assert nudge.status == NudgeStatus.SENDING and "HTTP 500" in nudge.last_error
        webhook.url = receiver.url("/gone")
        webhook.save()
        with time_machine.travel(NOW, tick=False):
            again = dispatch.nudges_send(nudge_ids=[nudge.pk], token=token)
    assert again.failed == 1
    nudge.refresh_from_db()
    assert nudge.status == NudgeStatus.FAILED and "HTTP 404" in nudge.last_error
    assert nudge.attempts == 2


@override_settings(NUDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS=False)
@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "https://169.254.169.254/latest",
        "http://[::1]/hook",
    ],
)
def test_webhook_url_refused_when_not_http_or_private(url):
    assert webhook_url_problem(url)


def test_webhook_url_public_https_accepted_when_private_allowed():
    assert webhook_url_problem("https://hooks.slack.com/services/T/B/x") is None


def test_mail_server_down_when_the_batch_connects_keeps_the_nudge_for_a_retry(planned, learner):
    refused = ConnectionRefusedError(111, "Connection refused")
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.open", side_effect=refused):
        _ids, _token, outcome = claim_and_send()
    email = Nudge.objects.get(recipient=learner, channel="email")
    assert outcome.retry == [email.pk] and mail.outbox == []
    assert email.status == NudgeStatus.SENDING
    assert "ConnectionRefusedError" in email.last_error
