"""The outbox and team chats for real: worker processes, a broker, a local SMTP server and a
local HTTP receiver. Runs on SQLite + the filesystem broker and on PostgreSQL + Redis.

Waits are on progress: a wait fails only when nothing moved for a long while, never
because the machine is slow.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from practice import services as practice_services
from practice.nudges import dispatch, outbox, planning
from practice.nudges.models import Nudge, NudgeStatus, OutboxMessage
from practice.teachback import services as teachback_services
from tests.factories import TeamFactory, TeamWebhookFactory, UserFactory, published_version
from tests.practice.nudges.receivers import SmtpReceiver, WebhookReceiver, free_port
from tests.practice.nudges.test_reliability import learners_due, smtp_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

STALL = 120  # seconds without any progress before a wait gives up


def wait_for(condition, *, progress, stall=STALL, step=0.2):
    """Until ``condition()``; fails only when ``progress()`` stayed the same for ``stall`` s."""
    seen, since = progress(), time.monotonic()
    while not condition():
        time.sleep(step)
        now = progress()
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since > stall:
            return condition()
    return True


def outbox_state():
    return list(OutboxMessage.objects.order_by("pk").values_list("status", "attempts"))


def nudge_state():
    return list(Nudge.objects.order_by("pk").values_list("status", "attempts"))


def confirmed_teachback(invitees):
    """A teach-back confirmed by a learner who completed practice: invitations enqueued."""
    organization = invitees[0].organization
    teacher = UserFactory(organization=organization)
    version = published_version(organization, steps=1, metrics=1)
    version.steps.update(repetitions_required=1)
    enrollment = practice_services.enrollment_create(
        learner=teacher, micromastery=version.micromastery
    )
    practice_services.attempt_log(
        enrollment=enrollment,
        step=version.steps.get(),
        what_i_did="Did it",
        confidence=4,
        minutes=5,
    )
    session = teachback_services.teachback_propose(enrollment=enrollment)
    return teachback_services.teachback_confirm(
        session=session,
        by=teacher,
        starts_at=datetime.now(UTC) + timedelta(days=2),
        audience=invitees,
        location="Room 4",
    )


def test_smtp_down_then_up_teachback_invitations_arrive_once(celery_workers):
    invitees = learners_due(5, prefix="invitee")
    confirmed_teachback(invitees)
    assert OutboxMessage.objects.filter(status=NudgeStatus.PLANNED).count() == 5
    port = free_port()  # nothing listens here yet: the mail server is down
    celery_workers.start(
        {
            "MICROMASTERY_TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            # Retries every half second at most, for as long as the test needs.
            "MICROMASTERY_OUTBOX_RETRY_BASE": "0.1",
            "MICROMASTERY_OUTBOX_RETRY_MAX": "0.5",
            "MICROMASTERY_OUTBOX_RETRY_LIMIT": "100000",
        }
    )
    outbox.outbox_dispatch(queue=celery_workers.queue)
    # Down: every invitation is tried, and tried again, and none is given up.
    assert wait_for(
        lambda: all(attempts >= 3 for _, attempts in outbox_state()), progress=outbox_state
    )
    assert not OutboxMessage.objects.filter(status__in=[NudgeStatus.SENT, NudgeStatus.FAILED])
    assert "Email:" in OutboxMessage.objects.first().last_error
    with SmtpReceiver(port=port) as smtp:  # back up
        assert wait_for(
            lambda: (
                set(OutboxMessage.objects.values_list("status", flat=True)) == {NudgeStatus.SENT}
            ),
            progress=outbox_state,
        )
        received = smtp.keys("X-Micromastery-Message")
        recipients = sorted(message["To"] for message in smtp.messages)
    expected = {f"outbox-{pk}" for pk in OutboxMessage.objects.values_list("pk", flat=True)}
    assert set(received) == expected  # none lost
    assert set(received.values()) == {1}  # none twice
    assert recipients == sorted(person.email for person in invitees)


def test_receiver_failing_every_other_time_gets_each_nudge_through_once(celery_workers):
    with WebhookReceiver() as receiver:
        people = learners_due(6, email=False, webhook=True, prefix="flaky")
        team = TeamFactory(organization=people[0].organization, members=people)
        TeamWebhookFactory(team=team, url=receiver.url("/flaky"))
        planning.nudges_plan()
        celery_workers.start(
            {"MICROMASTERY_WEBHOOK_RETRY_BASE": "0.1", "MICROMASTERY_WEBHOOK_RETRY_MAX": "0.5"}
        )
        dispatch.nudges_dispatch(queue=celery_workers.queue)
        assert wait_for(
            lambda: not Nudge.objects.exclude(status=NudgeStatus.SENT).exists(),
            progress=nudge_state,
        )
        delivered = receiver.keys("/flaky", status=200)
        failed = receiver.keys("/flaky", status=500)
    keys = {nudge.idempotency_key for nudge in Nudge.objects.all()}
    assert set(delivered) == keys and set(delivered.values()) == {1}  # once in the channel
    assert sum(failed.values()) >= 1  # the receiver did fail, and it was retried


def test_stalled_receiver_delays_no_email(celery_workers):
    with WebhookReceiver() as receiver:
        people = learners_due(4, email=True, webhook=True, prefix="stalled")
        team = TeamFactory(organization=people[0].organization, members=people)
        TeamWebhookFactory(team=team, url=receiver.url("/hold"))
        planning.nudges_plan()
        assert Nudge.objects.filter(channel="email").count() == 4
        env = {"MICROMASTERY_WEBHOOK_TIMEOUT": "600"}
        with SmtpReceiver() as smtp:
            env |= smtp_env(smtp)
            celery_workers.start(env, queues=[celery_workers.queue])
            celery_workers.start(env, queues=[f"{celery_workers.queue}-webhooks"])
            dispatch.nudges_dispatch(queue=celery_workers.queue)
            # A post is stalled at the receiver, unanswered until the test releases it ...
            assert wait_for(lambda: receiver.holding >= 1, progress=nudge_state)
            # ... and every email goes out all the same.
            assert wait_for(
                lambda: Nudge.objects.filter(channel="email", status=NudgeStatus.SENT).count() == 4,
                progress=nudge_state,
            )
            assert len(smtp.keys()) == 4
            assert not receiver.released.is_set()
            assert not Nudge.objects.filter(channel="webhook", status=NudgeStatus.SENT).exists()
            receiver.release()
            assert wait_for(
                lambda: not Nudge.objects.exclude(status=NudgeStatus.SENT).exists(),
                progress=nudge_state,
            )
        assert set(receiver.keys("/hold").values()) == {1}


def test_receiver_past_the_timeout_gets_at_most_two_posts_per_nudge(celery_workers):
    with WebhookReceiver(slow_seconds=3) as receiver:
        people = learners_due(3, email=False, webhook=True, prefix="slow")
        team = TeamFactory(organization=people[0].organization, members=people)
        TeamWebhookFactory(team=team, url=receiver.url("/slow"))
        planning.nudges_plan()
        celery_workers.start(
            {"MICROMASTERY_WEBHOOK_TIMEOUT": "1", "MICROMASTERY_WEBHOOK_TIMEOUT_PAUSE": "0.2"}
        )
        dispatch.nudges_dispatch(queue=celery_workers.queue)
        assert wait_for(
            lambda: not Nudge.objects.filter(status=NudgeStatus.SENDING).exists(),
            progress=nudge_state,
        )
        posts = receiver.keys("/slow")
    nudges = list(Nudge.objects.all())
    assert len(nudges) == 3
    for nudge in nudges:
        assert posts[nudge.idempotency_key] == 2  # the first, and one retry after a pause
        assert nudge.status == NudgeStatus.FAILED
        assert "may have been delivered" in nudge.last_error
