"""The outbox: web requests only enqueue, tasks deliver once per key, failures are kept
with their reason and can be sent again by an org admin."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from micromastery.common.errors import ApplicationError
from micromastery.common.outbox import Attachment, MessageKind, OutgoingEmail
from practice import services as practice_services
from practice.nudges import dispatch, outbox, planning
from practice.nudges.channels.email import email_message
from practice.nudges.claims import rows_claim
from practice.nudges.models import (
    NudgePreference,
    NudgeStatus,
    OutboxMessage,
)
from practice.teachback import services as teachback_services
from tests.factories import UserFactory, published_version
from tests.practice.nudges.helpers import day, enrol

pytestmark = pytest.mark.django_db


def email(recipient, key="event:1", **fields):
    return OutgoingEmail(
        recipient_id=recipient.pk,
        to=recipient.email,
        kind=fields.pop("kind", MessageKind.TEACHBACK_INVITE),
        key=key,
        subject=fields.pop("subject", "You are invited"),
        text=fields.pop("text", "Come along."),
        **fields,
    )


def claim_and_send():
    ids, token = rows_claim(
        OutboxMessage.objects.all(), now=timezone.now(), batch_size=50, lease=dispatch.SEND_LEASE
    )
    return ids, token, outbox.outbox_send(message_ids=ids, token=token)


@pytest.fixture
def completed(organization, learner):
    version = published_version(organization, steps=1, metrics=1)
    version.steps.update(repetitions_required=1)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    practice_services.attempt_log(
        enrollment=enrollment,
        step=version.steps.get(),
        what_i_did="Did it",
        confidence=4,
        minutes=5,
    )
    enrollment.refresh_from_db()
    return enrollment


def test_teachback_confirm_only_enqueues_and_the_commit_delivers(
    completed, organization, django_capture_on_commit_callbacks
):
    colleagues = [UserFactory(organization=organization) for _ in range(2)]
    session = teachback_services.teachback_propose(enrollment=completed)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        teachback_services.teachback_confirm(
            session=session,
            by=completed.learner,
            starts_at=datetime.now(UTC) + timedelta(days=2),
            audience=colleagues,
            location="Room 4",
        )
    # The request talked to no mail server: two rows wait for a worker.
    assert mail.outbox == []
    rows = OutboxMessage.objects.order_by("to")
    assert [(row.to, row.kind, row.status) for row in rows] == sorted(
        (person.email, MessageKind.TEACHBACK_INVITE, NudgeStatus.PLANNED) for person in colleagues
    )
    assert all(row.attachments[0]["filename"] == "teach-back.ics" for row in rows)
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in colleagues)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {NudgeStatus.SENT}


def test_the_same_event_enqueued_twice_is_sent_once(learner):
    assert outbox.outbox_enqueue([email(learner)]) == 1
    assert outbox.outbox_enqueue([email(learner), email(learner)]) == 0
    claim_and_send()
    claim_and_send()
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().attempts == 1


def test_a_resend_is_the_message_first_rendered_with_the_same_message_id(learner):
    outbox.outbox_enqueue(
        [
            email(
                learner,
                html="<p>Come along.</p>",
                attachments=[Attachment("a.ics", "BEGIN:VCALENDAR", "text/calendar")],
                headers={"X-Micromastery-Teachback": "uid/0"},
            )
        ]
    )
    claim_and_send()
    OutboxMessage.objects.update(status=NudgeStatus.FAILED)
    outbox.outbox_message_resend(message=OutboxMessage.objects.get())
    claim_and_send()
    first, second = mail.outbox
    assert first.extra_headers == second.extra_headers
    assert (first.subject, first.body) == (second.subject, second.body)
    assert first.attachments == second.attachments
    assert first.alternatives == second.alternatives
    row = OutboxMessage.objects.get()
    assert first.extra_headers["Message-ID"] == f"<outbox-{row.pk}@127.0.0.1>"


@override_settings(SITE_URL="http://learn.example.com:8102")
def test_message_ids_name_the_host_without_port(learner):
    outbox.outbox_enqueue([email(learner)])
    claim_and_send()
    row = OutboxMessage.objects.get()
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<outbox-{row.pk}@learn.example.com>"
    enrol(learner)
    planning.nudges_plan(now=day(1, 10))
    from practice.nudges.models import Nudge

    nudge = Nudge.objects.filter(channel="email").first()
    nudge.payload = {"subject": "Practise", "items": []}
    assert (
        email_message(nudge).extra_headers["Message-ID"] == f"<nudge-{nudge.pk}@learn.example.com>"
    )


def test_events_reach_people_who_unsubscribed_from_nudges_and_outside_working_hours(learner):
    NudgePreference.objects.create(
        user=learner, unsubscribed_at=timezone.now(), email_enabled=False
    )
    learner.working_days = [1]
    learner.save()
    outbox.outbox_enqueue([email(learner, kind=MessageKind.PASSWORD_RESET)])
    _, _, outcome = claim_and_send()
    assert outcome.sent == 1 and mail.outbox[0].to == [learner.email]


def test_refused_address_fails_with_its_reason_and_transient_error_is_kept_for_retry(
    learner, organization
):
    other = UserFactory(organization=organization)
    outbox.outbox_enqueue([email(learner, key="a"), email(other, key="b")])

    def refuse(self, messages):
        to = messages[0].to[0]
        if to == learner.email:
            raise smtplib.SMTPRecipientsRefused({to: (550, b"No such user")})
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse):
        _, _, outcome = claim_and_send()
    assert outcome.failed == 1 and outcome.retry == [OutboxMessage.objects.get(to=other.email).pk]
    refused = OutboxMessage.objects.get(to=learner.email)
    assert refused.status == NudgeStatus.FAILED
    assert refused.last_error == f"The mail server refused {learner.email}."
    waiting = OutboxMessage.objects.get(to=other.email)
    assert waiting.status == NudgeStatus.SENDING
    assert "Connection unexpectedly closed" in waiting.last_error


def test_resend_refuses_a_message_that_did_not_fail_and_changes_nothing(learner):
    outbox.outbox_enqueue([email(learner)])
    claim_and_send()
    row = OutboxMessage.objects.get()
    with pytest.raises(ApplicationError, match="Only failed messages can be sent again"):
        outbox.outbox_message_resend(message=row)
    assert OutboxMessage.objects.get().status == NudgeStatus.SENT
    assert len(mail.outbox) == 1


# --- The admin --------------------------------------------------------------------------


def test_admin_outbox_lists_own_organization_with_reason_and_filters(
    client, org_admin, learner, outsider
):
    outbox.outbox_enqueue([email(learner, key="mine"), email(outsider, key="theirs")])
    OutboxMessage.objects.update(
        status=NudgeStatus.FAILED, last_error="The mail server refused it."
    )
    client.force_login(org_admin)
    url = reverse("admin:nudges_outboxmessage_changelist")
    page = client.get(url, {"status__exact": "failed", "kind__exact": "teachback_invite"})
    assert page.status_code == 200
    content = page.content.decode()
    assert learner.email in content and outsider.email not in content
    assert "The mail server refused it." in content
    assert client.get(url, {"status__exact": "sent"}).content.decode().count(learner.email) == 0
    theirs = OutboxMessage.objects.get(to=outsider.email)
    detail = reverse("admin:nudges_outboxmessage_change", args=[theirs.pk])
    assert client.get(detail).status_code == 404


def test_admin_send_again_puts_failed_messages_back_and_they_go_out(
    client, org_admin, learner, outsider, django_capture_on_commit_callbacks
):
    outbox.outbox_enqueue([email(learner, key="mine"), email(outsider, key="theirs")])
    OutboxMessage.objects.update(
        status=NudgeStatus.FAILED, last_error="The mail server refused it."
    )
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:nudges_outboxmessage_changelist"),
            {
                "action": "send_again",
                "_selected_action": list(OutboxMessage.objects.values_list("pk", flat=True)),
            },
        )
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[learner.email]]
    assert OutboxMessage.objects.get(to=learner.email).status == NudgeStatus.SENT
    # Another organization's message was not in the admin's queryset: untouched.
    assert OutboxMessage.objects.get(to=outsider.email).status == NudgeStatus.FAILED


def test_admin_outbox_refused_to_other_roles(client, learner, author):
    outbox.outbox_enqueue([email(learner)])
    for person in (learner, author):  # an author is staff, a learner is not
        client.force_login(person)
        response = client.get(reverse("admin:nudges_outboxmessage_changelist"))
        assert response.status_code in (302, 403)


def test_mail_server_down_when_the_batch_connects_keeps_every_message_for_a_retry(
    learner, organization
):
    other = UserFactory(organization=organization)
    outbox.outbox_enqueue([email(learner, key="a"), email(other, key="b")])
    refused = ConnectionRefusedError(111, "Connection refused")
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.open", side_effect=refused):
        _, _, outcome = claim_and_send()
    assert sorted(outcome.retry) == sorted(OutboxMessage.objects.values_list("pk", flat=True))
    assert mail.outbox == []
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {NudgeStatus.SENDING}


@pytest.mark.parametrize("rows", [2, 30])
def test_admin_outbox_list_queries_do_not_grow_with_rows(
    client, org_admin, organization, rows, django_assert_num_queries
):
    people = [UserFactory(organization=organization) for _ in range(rows)]
    outbox.outbox_enqueue([email(person, key=f"event:{person.pk}") for person in people])
    client.force_login(org_admin)
    url = reverse("admin:nudges_outboxmessage_changelist")
    client.get(url)  # warm the session and content types
    # Session, user, two counts, permissions (2), the single sign-on check, the page.
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


def test_outbox_emails_are_written_in_one_pass_unless_they_carry_attachments(learner):
    from email import message_from_bytes

    from practice.nudges.channels.mime import OnePassMixin

    outbox.outbox_enqueue(
        [
            email(learner, key="plain", html="<p>Come along.</p>"),
            email(
                learner,
                key="invite",
                attachments=[Attachment("a.ics", "BEGIN:VCALENDAR", "text/calendar")],
            ),
        ]
    )
    messages = {
        "invite" if row.attachments else "plain": outbox.outbox_email(row).message()
        for row in OutboxMessage.objects.all()
    }
    assert isinstance(messages["plain"], OnePassMixin)
    assert not isinstance(messages["invite"], OnePassMixin)  # Django writes attachments
    for message in messages.values():
        parsed = message_from_bytes(message.as_bytes(linesep="\r\n"))
        assert parsed["Subject"] == "You are invited"
        assert parsed["To"] == learner.email
    plain = message_from_bytes(messages["plain"].as_bytes())
    assert [part.get_content_type() for part in plain.walk()] == [
        "multipart/alternative", "text/plain", "text/html",
    ]  # fmt: skip
