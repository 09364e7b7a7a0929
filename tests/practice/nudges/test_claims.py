"""Batch claims: one statement per batch, disjoint batches, leases that outlive a dead worker,
and each email template rendered once per language."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from practice.nudges import dispatch, planning
from practice.nudges.models import Nudge, NudgePreference, NudgeStatus
from practice.nudges.tokens import unsubscribe_user_id
from tests.factories import UserFactory, published_version
from tests.practice.nudges.helpers import day, enrol

NOW = day(1, 10)


def learners_planned(organization, count, *, email_only=True):
    version = published_version(organization, steps=2, metrics=1)
    people = [
        UserFactory(organization=organization, email=f"person{index}@acme.example")
        for index in range(count)
    ]
    for person in people:
        if email_only:
            NudgePreference.objects.create(user=person, in_app_enabled=False)
        enrol(person, version)
    planning.nudges_plan(now=NOW)
    return people


def claim(now=NOW, batch_size=dispatch.CLAIM_BATCH_SIZE, lease=dispatch.SEND_LEASE):
    return dispatch.nudges_claim(now=now, batch_size=batch_size, lease=lease, webhooks=False)


def send(ids, token, now=NOW, lease=dispatch.SEND_LEASE):
    with time_machine.travel(now, tick=False):
        return dispatch.nudges_send(nudge_ids=ids, token=token, lease=lease)


@pytest.mark.django_db
def test_claim_takes_a_whole_batch_in_one_statement(organization, django_assert_num_queries):
    learners_planned(organization, 5)
    with django_assert_num_queries(1):
        ids, token = claim(batch_size=3)
    assert len(ids) == 3 and token
    claimed = Nudge.objects.filter(pk__in=ids)
    assert {str(nudge.claim_token) for nudge in claimed} == {token}
    assert set(claimed.values_list("status", flat=True)) == {NudgeStatus.SENDING}
    assert Nudge.objects.filter(status=NudgeStatus.PLANNED).count() == 2


@pytest.mark.django_db
def test_sending_a_batch_writes_once_for_the_batch_and_once_per_nudge(organization):
    learners_planned(organization, 9)

    def updates(batch_size):
        ids, token = claim(batch_size=batch_size)
        with CaptureQueriesContext(connection) as queries:
            outcome = send(ids, token)
        assert outcome.sent == batch_size
        return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]

    # The check that the task owns its nudges is one statement for the whole batch; each
    # email is then delivered and recorded as sent before the next.
    for batch_size in (3, 6):
        statements = updates(batch_size)
        assert len(statements) == batch_size + 1
        assert '"attempts" + 1' in statements[0]


@pytest.mark.django_db(transaction=True)
def test_dispatchers_claiming_at_the_same_time_never_get_the_same_nudge(organization):
    learners_planned(organization, 60)
    claims: list[list[int]] = [[] for _ in range(3)]
    errors: list[BaseException] = []

    def dispatcher(index):
        try:
            while True:
                ids, _token = claim(batch_size=4)
                if not ids:
                    return
                claims[index].extend(ids)
        except BaseException as error:  # surfaced in the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    every_claim = [pk for ids in claims for pk in ids]
    assert len(every_claim) == len(set(every_claim)) == 60
    assert set(Nudge.objects.values_list("status", flat=True)) == {NudgeStatus.SENDING}
    # Every nudge is under the token of the one claim that took it.
    assert Nudge.objects.values("claim_token").distinct().count() == 15


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except clause catches it."""


class DyingBackend(LocmemBackend):
    """Delivers ``survives`` messages, then the worker dies before the next one is out."""

    survives = 0

    def send_messages(self, messages):
        if len(mail.outbox) >= type(self).survives:
            raise WorkerKilled
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_batch_whose_worker_died_is_reclaimed_after_its_lease_and_nothing_is_sent_twice(
    organization, settings
):
    learners_planned(organization, 6)
    lease = timedelta(minutes=5)
    ids, token = claim(lease=lease)
    assert len(ids) == 6
    settings.EMAIL_BACKEND = f"{__name__}.DyingBackend"
    DyingBackend.survives = 2
    with pytest.raises(WorkerKilled):
        send(ids, token, lease=lease)
    assert Nudge.objects.filter(status=NudgeStatus.SENT).count() == 2
    stranded = set(Nudge.objects.filter(status=NudgeStatus.SENDING).values_list("pk", flat=True))
    assert len(stranded) == 4

    # Within the lease nobody else may take them.
    assert dispatch.nudges_reclaim_expired(now=NOW + lease - timedelta(seconds=1)) == 0
    assert claim(now=NOW + lease - timedelta(seconds=1)) == ([], "")

    later = NOW + lease + timedelta(minutes=1)
    assert dispatch.nudges_reclaim_expired(now=later) == 4
    new_ids, new_token = claim(now=later, lease=lease)
    assert set(new_ids) == stranded
    # The dead worker's task, delivered again by the broker, owns nothing any more.
    DyingBackend.survives = 100
    assert send(ids, token, now=later).sent == 0
    assert send(new_ids, new_token, now=later).sent == 4

    keys = [message.extra_headers["X-Micromastery-Nudge"] for message in mail.outbox]
    assert sorted(keys) == sorted(
        f"nudge-{pk}" for pk in Nudge.objects.values_list("pk", flat=True)
    )
    assert set(Nudge.objects.values_list("status", flat=True)) == {NudgeStatus.SENT}


@pytest.mark.django_db
def test_a_batch_renders_each_template_once_per_language_and_each_email_is_its_own(
    organization, monkeypatch
):
    people = learners_planned(organization, 6)
    german = {person.pk for person in people[::2]}
    languages_asked = []

    def language_of(user):
        languages_asked.append(user.pk)
        return "de" if user.pk in german else "en"

    monkeypatch.setattr(dispatch, "recipient_language", language_of)
    rendered = []

    def count(sender, template, context, **kwargs):
        rendered.append((template.name, context.get("language")))

    template_rendered.connect(count)
    try:
        ids, token = claim()
        outcome = send(ids, token)
    finally:
        template_rendered.disconnect(count)
    assert outcome.sent == 6
    assert sorted(languages_asked) == sorted(person.pk for person in people)
    by_template = {}
    for name, language in rendered:
        by_template.setdefault(name, []).append(language)
    assert sorted(by_template["nudges/email/nudge.txt"]) == ["de", "en"]
    assert sorted(by_template["nudges/email/nudge.html"]) == ["de", "en"]
    assert len(by_template["nudges/email/nudge_item.txt"]) == 2

    by_person = {person.email: person for person in people}
    for message in mail.outbox:
        [address] = message.to
        person = by_person[address]
        nudge = Nudge.objects.get(recipient=person, channel="email")
        html = message.alternatives[0][0]
        greeting = "Hallo" if person.pk in german else "Hi"
        assert f"{greeting} {person.get_short_name()}," in message.body
        assert f'<html lang="{"de" if person.pk in german else "en"}">' in html
        assert message.extra_headers["X-Micromastery-Nudge"] == f"nudge-{nudge.pk}"
        unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
        token_part = unsubscribe.rstrip("/").rsplit("/", 1)[1]
        with time_machine.travel(NOW, tick=False):
            assert unsubscribe_user_id(token_part) == person.pk
        assert unsubscribe in message.body and unsubscribe in html


@pytest.mark.django_db
def test_values_filled_into_a_shared_rendering_stay_text(organization, learner):
    version = published_version(organization, steps=1, metrics=0)
    version.title = "Say <b>no</b> [[nudge:unsubscribe_url]]"
    version.save(update_fields=["title"])
    NudgePreference.objects.create(user=learner, in_app_enabled=False)
    enrol(learner, version)
    planning.nudges_plan(now=NOW)
    ids, token = claim()
    assert send(ids, token).sent == 1
    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert "Say <b>no</b> [[nudge:unsubscribe_url]]" in message.body
    assert "Say &lt;b&gt;no&lt;/b&gt; [[nudge:unsubscribe_url]]" in html
    assert "<b>no</b>" not in html


@pytest.mark.django_db
def test_a_batch_that_outlived_its_lease_leaves_the_rest_to_whoever_reclaimed_it(
    organization, monkeypatch
):
    learners_planned(organization, 4)
    lease = timedelta(0)  # renewed every half lease: before every nudge here
    ids, token = claim(lease=lease)
    renew = dispatch.rows_renew_lease
    renewals = []
    reclaimed = []

    def renew_late(*args, **kwargs):
        renewals.append(args)
        if len(renewals) == 2:
            # The first email took so long that another dispatcher reclaimed the rest.
            later = NOW + timedelta(hours=1)
            dispatch.nudges_reclaim_expired(now=later)
            reclaimed.append(claim(now=later))
        return renew(*args, **kwargs)

    monkeypatch.setattr(dispatch, "rows_renew_lease", renew_late)
    outcome = send(ids, token, lease=lease)
    assert outcome.sent == 1 and outcome.skipped == 3
    [(new_ids, new_token)] = reclaimed
    assert len(new_ids) == 3
    monkeypatch.setattr(dispatch, "rows_renew_lease", renew)
    assert send(new_ids, new_token).sent == 3
    keys = [message.extra_headers["X-Micromastery-Nudge"] for message in mail.outbox]
    assert len(keys) == len(set(keys)) == 4
