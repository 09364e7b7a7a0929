"""Exactly-once dispatch for real: worker processes, a broker, an SMTP server, a webhook.

Runs on SQLite + the filesystem broker and on PostgreSQL + Redis (CI's second run).
"""

import os
import signal
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from micromastery.celery import app
from micromastery.common.models import Heartbeat
from micromastery.common.tasks import heartbeat_task
from practice.models import Enrollment
from practice.nudges import dispatch, planning
from practice.nudges.models import Nudge, NudgePreference, NudgeStatus
from practice.nudges.tasks import SEND_MAX_RETRIES
from tests.factories import OrganizationFactory, TeamFactory, TeamWebhookFactory, published_version
from tests.practice.nudges.receivers import SmtpReceiver, WebhookReceiver
from tests.waiting import children_cpu, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


def learners_due(count, *, email=True, in_app=False, webhook=False, prefix="learner"):
    """``count`` learners, enrolled two days ago and never started: a start nudge is due.

    Working hours cover the whole day, so whatever the clock says the nudges are due now.
    """
    organization = OrganizationFactory()
    version = published_version(organization, steps=1, metrics=0)
    people = User.objects.bulk_create(
        User(
            email=f"{prefix}{index}@{organization.slug}.example",
            display_name=f"Learner {index}",
            organization=organization,
            time_zone="UTC",
            work_starts_at=datetime.min.time(),
            work_ends_at=datetime.max.time().replace(microsecond=0),
            working_days=EVERY_DAY,
            password="!",
        )
        for index in range(count)
    )
    people = list(User.objects.filter(organization=organization).order_by("pk"))
    Enrollment.objects.bulk_create(
        Enrollment(learner=person, micromastery=version.micromastery, version=version)
        for person in people
    )
    Enrollment.objects.filter(version=version).update(created_at=timezone.now() - timedelta(days=2))
    NudgePreference.objects.bulk_create(
        NudgePreference(
            user=person, email_enabled=email, in_app_enabled=in_app, webhook_enabled=webhook
        )
        for person in people
    )
    return people


def smtp_env(smtp):
    return {
        "MICROMASTERY_TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
    }


def sent_count():
    return Nudge.objects.filter(status=NudgeStatus.SENT).count()


def delivery(*receivers):
    """What moves while nudges go out: rows sent, messages received, workers busy.

    An idle worker uses no CPU, so a worker waiting for work that never comes is no progress.
    """
    return lambda: (sent_count(), *(len(r.keys()) for r in receivers), children_cpu())


# How often the test stands in for beat's every-minute dispatch: a pace, not a deadline.
BEAT_EVERY = timedelta(seconds=2)


def dispatch_until_sent(queue, total, *, lease, receiver):
    """What beat does every minute, faster: dispatch until every nudge is sent.

    Gives up only when nothing has been sent or received for a long while.
    """
    next_beat = time.monotonic()

    def all_sent():
        nonlocal next_beat
        if time.monotonic() >= next_beat:
            dispatch.nudges_dispatch(queue=queue, lease=lease)
            next_beat = time.monotonic() + BEAT_EVERY.total_seconds()
        return sent_count() == total

    return wait_until(all_sent, progress=delivery(receiver))


def worker_drained(queue, *receivers):
    """Everything queued so far has been handled: a marker sent last has been run.

    The test's worker runs one task at a time in queue order, so once the marker has run,
    nothing queued before it is still to come.
    """
    marker = f"drained-{uuid.uuid4().hex[:8]}"
    heartbeat_task.apply_async(kwargs={"name": marker}, queue=queue)
    return wait_until(
        lambda: Heartbeat.objects.filter(name=marker).exists(), progress=delivery(*receivers)
    )


def test_worker_killed_mid_dispatch_every_nudge_sent_exactly_once(celery_workers):
    lease = timedelta(seconds=6)
    learners_due(2000)
    planning.nudges_plan()
    assert Nudge.objects.filter(channel="email", status=NudgeStatus.PLANNED).count() == 2000
    with SmtpReceiver() as smtp:
        worker = celery_workers.start(smtp_env(smtp))
        dispatch.nudges_dispatch(queue=celery_workers.queue, lease=lease)
        assert wait_until(lambda: len(smtp.keys()) >= 400, progress=delivery(smtp))
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        killed_at = len(smtp.keys())
        assert killed_at < 2000, "the worker must be killed in the middle of dispatch"
        in_flight = set(
            Nudge.objects.filter(status=NudgeStatus.SENDING).values_list("pk", flat=True)
        )
        celery_workers.start(smtp_env(smtp))
        assert dispatch_until_sent(celery_workers.queue, 2000, lease=lease, receiver=smtp)
        received = smtp.keys()

    expected = {f"nudge-{pk}" for pk in Nudge.objects.values_list("pk", flat=True)}
    assert set(received) == expected  # none lost
    repeated = {key for key, count in received.items() if count > 1}
    # The documented residual window: the one nudge whose message the SMTP server had
    # accepted when the worker died, before "sent" was committed. Its Message-ID and
    # X-Micromastery-Nudge header are the same both times, so a receiver can drop it.
    assert len(repeated) <= 1, repeated
    assert {int(key.removeprefix("nudge-")) for key in repeated} <= in_flight
    assert set(Nudge.objects.values_list("status", flat=True)) == {NudgeStatus.SENT}


def test_two_beats_at_once_plan_and_send_nothing_twice(celery_workers):
    learners_due(300)
    lease = timedelta(seconds=30)
    errors = []

    def beat():
        try:
            for _ in range(6):
                planning.nudges_plan()
                dispatch.nudges_dispatch(queue=celery_workers.queue, lease=lease, batch_size=20)
                time.sleep(0.3)
        except Exception as error:  # surfaced in the assertion below
            errors.append(error)
        finally:
            connection.close()

    with SmtpReceiver() as smtp:
        celery_workers.start(smtp_env(smtp))
        beats = [threading.Thread(target=beat) for _ in range(2)]
        for thread in beats:
            thread.start()
        for thread in beats:
            thread.join()
        assert errors == []
        assert wait_until(lambda: sent_count() == 300, progress=delivery(smtp))
        # A message sent twice would arrive after the last "sent": wait for the worker to
        # finish everything queued, rather than for a while.
        assert worker_drained(celery_workers.queue, smtp)
        received = smtp.keys()
    # Each learner's nudge for today went out once; later cycles planned tomorrow's.
    today = Nudge.objects.filter(status=NudgeStatus.SENT)
    assert today.count() == 300
    assert today.values("recipient").distinct().count() == 300
    tomorrow = Nudge.objects.exclude(status=NudgeStatus.SENT)
    assert all(n.local_date > n.created_at.date() for n in tomorrow)
    assert tomorrow.values("recipient").distinct().count() == tomorrow.count()
    assert len(received) == 300 and set(received.values()) == {1}


def test_broker_lost_mid_run_next_cycle_sends_the_rest_once(celery_workers):
    learners_due(600)
    lease = timedelta(seconds=4)
    planning.nudges_plan()
    with SmtpReceiver() as smtp:
        worker = celery_workers.start(smtp_env(smtp))
        dispatch.nudges_dispatch(queue=celery_workers.queue, lease=lease, batch_size=20)
        assert wait_until(lambda: len(smtp.keys()) >= 60, progress=delivery(smtp))
        celery_workers.stop(worker)  # then the broker loses every queued message
        with app.connection_for_write() as broker:
            broker.default_channel.queue_purge(celery_workers.queue)
        assert Nudge.objects.filter(status=NudgeStatus.SENDING).exists()
        celery_workers.start(smtp_env(smtp))
        # The lost messages' leases run out while dispatch_until_sent beats; then it resends.
        assert dispatch_until_sent(celery_workers.queue, 600, lease=lease, receiver=smtp)
        received = smtp.keys()
    assert len(received) == 600 and set(received.values()) == {1}


def test_webhook_timeout_or_500_retried_then_failed_others_unaffected(celery_workers):
    with WebhookReceiver(slow_seconds=3) as receiver:
        people = learners_due(6, email=False, webhook=True, prefix="hooked")
        organization = people[0].organization
        for name, path, members in (
            ("Failing", "/fail", people[:2]),
            ("Slow", "/slow", people[2:4]),
            ("Fine", "/ok", people[4:]),
        ):
            team = TeamFactory(organization=organization, name=name, members=members)
            TeamWebhookFactory(team=team, url=receiver.url(path))
        planning.nudges_plan()
        assert Nudge.objects.filter(channel="webhook").count() == 6
        # A timed-out post gets its one more try after a short pause here.
        celery_workers.start(
            {"MICROMASTERY_WEBHOOK_TIMEOUT": "1", "MICROMASTERY_WEBHOOK_TIMEOUT_PAUSE": "0.5"}
        )
        dispatch.nudges_dispatch(queue=celery_workers.queue, lease=timedelta(minutes=5))
        assert wait_until(
            lambda: not Nudge.objects.filter(status=NudgeStatus.SENDING).exists(),
            progress=delivery(receiver),
        )
        posts_to_failing = receiver.keys("/fail")

    by_team = {
        nudge.webhook.team.name: nudge for nudge in Nudge.objects.select_related("webhook__team")
    }
    attempts = SEND_MAX_RETRIES + 2  # the batch's, the retry task's first, its retries
    for nudge in Nudge.objects.filter(webhook__team__name="Failing"):
        assert nudge.status == NudgeStatus.FAILED
        assert nudge.attempts == attempts
        assert f"Gave up after {attempts} attempts" in nudge.last_error
        assert "HTTP 500" in nudge.last_error
        assert posts_to_failing[nudge.idempotency_key] == attempts
    for nudge in Nudge.objects.filter(webhook__team__name="Slow"):
        assert nudge.status == NudgeStatus.FAILED
        assert "did not answer within 1 s" in nudge.last_error
    assert by_team["Fine"].status == NudgeStatus.SENT
    assert set(
        Nudge.objects.filter(webhook__team__name="Fine").values_list("status", flat=True)
    ) == {NudgeStatus.SENT}
