"""Nudges, notifications and chat posts reach each person in their own language."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from micromastery.common.outbox import MessageKind
from practice.nudges import dispatch, outbox, planning
from practice.nudges.channels import in_app
from practice.nudges.channels.email import email_message
from practice.nudges.channels.webhook import nudge_chat_payload
from practice.nudges.models import (
    Notification,
    Nudge,
    NudgeChannel,
    NudgeKind,
    NudgeStatus,
    OutboxMessage,
)
from practice.nudges.tokens import unsubscribe_token
from tests.factories import TeamFactory, TeamWebhookFactory, UserFactory
from tests.practice.nudges.helpers import MONDAY, day, enrol

pytestmark = pytest.mark.django_db

ITEMS = [
    {
        "kind": NudgeKind.PRACTICE_DUE,
        "subject_ref": "enrollment:1:step:1:0",
        "title": "Run a 15-minute stand-up",
        "text": "Open with what is blocked.",
        "path": "/",
    },
    {
        "kind": NudgeKind.REFRESHER_DUE,
        "subject_ref": "enrollment:2:refresher:0",
        "title": "Give feedback that lands",
        "text": "One quick refresher.",
        "path": "/",
    },
]


def digest_for(person, channel=NudgeChannel.EMAIL):
    return Nudge.objects.create(
        recipient=person,
        kind=NudgeKind.DIGEST,
        channel=channel,
        subject_ref="day",
        local_date=date(2026, 3, 2),
        due_at=MONDAY,
        dedupe_key=f"{person.pk}:digest:{channel}",
        # Stored when it was planned, in whatever language the planner had.
        payload={"subject": "2 things to practise today", "items": ITEMS},
    )


@pytest.fixture
def people(organization):
    return {
        language: UserFactory(organization=organization, language=language, display_name=name)
        for language, name in (("de", "Jonas Weber"), ("fr", "Camille Martin"), ("en", "Sam Lee"))
    }


def test_nudge_email_is_in_each_recipients_language_whatever_the_senders(people):
    with translation.override("de"):  # a worker that happens to speak German
        german = email_message(digest_for(people["de"]))
        french = email_message(digest_for(people["fr"]))
        english = email_message(digest_for(people["en"]))
    assert german.subject == "2 Sachen zum Üben heute"
    assert "Hallo Jonas," in german.body and "Ein paar Minuten jetzt genügen." in german.body
    assert "Alle Erinnerungen abbestellen:" in german.body
    assert french.subject == "2 choses à pratiquer aujourd'hui"
    assert "Bonjour Camille," in french.body
    french_html = french.alternatives[0][0]
    assert '<html lang="fr">' in french_html
    assert "Se désabonner de tous les rappels" in french_html
    assert english.subject == "2 things to practise today"
    assert "Hi Sam," in english.body and "A few minutes now is all it takes." in english.body
    # The author's words stay as written.
    assert "Run a 15-minute stand-up" in german.body and "Run a 15-minute stand-up" in french.body


def test_in_app_notification_is_in_the_recipients_language(people, client):
    with translation.override("en"):
        notification = in_app.send(digest_for(people["fr"], NudgeChannel.IN_APP))
    assert notification.title == "2 choses à pratiquer aujourd'hui"
    Notification.objects.filter(pk=notification.pk).update(created_at=MONDAY)
    client.force_login(people["fr"])
    page = client.get(reverse("nudges:notifications")).content.decode()
    assert "2 choses à pratiquer aujourd&#x27;hui" in page
    assert "Tout marquer comme lu" in page
    assert ">lun 2 mars, 08:00</time>" in page


def test_team_chat_nudge_speaks_to_its_recipient_in_their_language(people, organization):
    team = TeamFactory(organization=organization, members=list(people.values()))
    slack = TeamWebhookFactory(team=team, service="slack")
    teams = TeamWebhookFactory.build(team=team, service="teams")
    german = nudge_chat_payload(digest_for(people["de"], NudgeChannel.WEBHOOK), slack)
    french = nudge_chat_payload(digest_for(people["fr"], NudgeChannel.WEBHOOK), teams)
    assert german["text"].startswith("Jonas, 2 Sachen zum Üben heute")
    card = french["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Camille, 2 choses à pratiquer aujourd'hui"


def test_webhook_test_message_is_in_the_testers_language(
    organization, django_capture_on_commit_callbacks
):
    tester = UserFactory(organization=organization, language="es", display_name="Lucía Gómez")
    tester.is_org_admin = True
    tester.save()
    webhook = TeamWebhookFactory(team=TeamFactory(organization=organization), service="slack")
    message = outbox.webhook_test_enqueue(webhook=webhook, by=tester)
    assert message.payload["text"].startswith("Lucía, este es un mensaje de prueba de Micromastery")
    assert message.subject == "Mensaje de prueba"


def test_unsubscribe_page_speaks_the_persons_language_without_a_session(people, client):
    url = reverse("nudges:unsubscribe", args=[unsubscribe_token(people["de"].pk)])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Erinnerungen zum Üben abbestellen?" in page
    assert '<html lang="de"' in page
    done = client.post(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Du hast die Erinnerungen abbestellt" in done
    french = reverse("nudges:unsubscribe", args=[unsubscribe_token(people["fr"].pk)])
    assert "Arrêter les rappels de pratique ?" in client.get(french).content.decode()


@pytest.mark.parametrize(
    ("language", "heading", "label"),
    [
        ("de", "Erinnerungen zum Üben", "Schick mir Erinnerungen zum Üben"),
        ("fr", "Rappels de pratique", "M&#x27;envoyer des rappels de pratique"),
    ],
)
def test_nudge_settings_page_in_the_persons_language(
    client, organization, language, heading, label
):
    client.force_login(UserFactory(organization=organization, language=language))
    page = client.get(reverse("nudges:preferences")).content.decode()
    assert heading in page and label in page


def test_nudge_settings_save_in_german_says_so_in_german(client, organization):
    person = UserFactory(organization=organization, language="de")
    client.force_login(person)
    response = client.post(
        reverse("nudges:preferences"),
        {
            "subscribed": "on",
            "email_enabled": "on",
            "time_zone": "Europe/Berlin",
            "work_starts_at": "09:00",
            "work_ends_at": "17:00",
            "working_days": ["1", "2", "3", "4", "5"],
        },
        follow=True,
    )
    assert "Deine Einstellungen für Erinnerungen sind gespeichert." in response.content.decode()
    person.refresh_from_db()
    assert person.language == "de"


def test_outbox_admin_in_the_org_admins_language(client, organization):
    admin = UserFactory(organization=organization, is_org_admin=True, language="de")
    OutboxMessage.objects.create(
        recipient=admin,
        to=admin.email,
        kind=MessageKind.COHORT_ASSIGNMENT,
        channel=NudgeChannel.EMAIL,
        idempotency_key="test:1",
        status=NudgeStatus.FAILED,
        due_at=MONDAY,
        subject="Assigned to you",
    )
    client.force_login(admin)
    page = client.get(reverse("admin:nudges_outboxmessage_changelist")).content.decode()
    assert "Nachricht im Postausgang" in page
    assert "Erneut senden (fehlgeschlagene Nachrichten)" in page
    assert "Zuweisung an eine Kohorte" in page and "Fehlgeschlagen" in page


def test_one_dispatch_batch_sends_each_recipient_their_own_language(people):
    for person in people.values():
        enrol(person)
    planning.nudges_plan(now=day(1, 10))
    with translation.override("de"), time_machine.travel(day(1, 10), tick=False):
        ids, token = dispatch.nudges_claim(now=day(1, 10))
        outcome = dispatch.nudges_send(nudge_ids=ids, token=token)
    assert outcome.sent == 6  # email and in-app for each of the three
    greetings = {message.to[0]: message.body.splitlines()[0] for message in mail.outbox}
    assert greetings == {
        people["de"].email: "Hallo Jonas,",
        people["fr"].email: "Bonjour Camille,",
        people["en"].email: "Hi Sam,",
    }
