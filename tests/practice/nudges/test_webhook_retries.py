"""The webhook retry rule: a timeout is "maybe delivered" (one more try, after a pause),
nothing-delivered failures back off up to a cap, and a receiver's 4xx fails at once."""

from __future__ import annotations

import pytest
import time_machine
from django.test import override_settings

from practice.nudges import planning
from practice.nudges.dispatch import nudges_claim, nudges_send, webhook_retry_plan
from practice.nudges.models import Nudge, NudgeStatus
from tests.factories import TeamFactory, TeamWebhookFactory
from tests.practice.nudges.helpers import day, enrol
from tests.practice.nudges.receivers import WebhookReceiver


def plan(retries, *, before=False, now=False, max_retries=6):
    return webhook_retry_plan(
        retries=retries,
        max_retries=max_retries,
        attempts=retries + 1,
        reason="Webhook did not answer within 5 s" if now else "Webhook answered HTTP 502",
        timed_out_before=before,
        timed_out_now=now,
    )


@override_settings(NUDGE_WEBHOOK_TIMEOUT_PAUSE_SECONDS=60)
def test_timeout_is_retried_once_after_a_pause_then_failed_as_maybe_delivered():
    first = plan(0, now=True)
    assert (first.countdown, first.timed_out) == (60.0, True)
    second = plan(1, before=True, now=True)
    assert second.countdown is None
    assert second.reason == (
        "Webhook did not answer within 5 s, twice. It may have been delivered, so it is not "
        "posted again."
    )


@override_settings(NUDGE_WEBHOOK_RETRY_BASE_SECONDS=1, NUDGE_WEBHOOK_RETRY_MAX_SECONDS=10)
def test_5xx_backs_off_up_to_the_cap_then_gives_up_with_the_reason():
    assert [plan(retries).countdown for retries in range(6)] == [1, 1, 2, 4, 8, 10]
    final = plan(6)
    assert final.countdown is None
    assert final.reason == "Gave up after 7 attempts. Webhook answered HTTP 502"


def test_a_timeout_then_5xx_keeps_backing_off_but_a_second_timeout_ends_it():
    after_timeout = plan(2, before=True)
    assert after_timeout.countdown is not None and after_timeout.timed_out
    assert plan(3, before=True, now=True).countdown is None


@pytest.mark.django_db
def test_4xx_fails_at_once_with_its_reason(learner, organization):
    with WebhookReceiver() as receiver:
        team = TeamFactory(organization=organization, members=[learner])
        TeamWebhookFactory(team=team, url=receiver.url("/gone"))
        enrol(learner)
        planning.nudges_plan(now=day(1, 10))
        ids, token = nudges_claim(now=day(1, 10), webhooks=True)
        with time_machine.travel(day(1, 10), tick=False):
            outcome = nudges_send(nudge_ids=ids, token=token)
    nudge = Nudge.objects.get(channel="webhook")
    assert outcome.failed == 1 and outcome.retry == []
    assert nudge.status == NudgeStatus.FAILED
    assert nudge.last_error == "Webhook answered HTTP 404 Not Found"
    assert len(receiver.posts) == 1
