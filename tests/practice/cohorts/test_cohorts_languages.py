"""An assignment reaches each learner in their own language: email, calendar, bell, pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import vobject
from django.core import mail
from django.urls import reverse

from practice.cohorts import services
from practice.nudges.models import Notification
from tests.factories import TeamFactory, UserFactory, published_version

pytestmark = pytest.mark.django_db

KICKOFF = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def german_assigner(organization):
    return UserFactory(
        organization=organization, is_org_admin=True, language="de", display_name="Greta Vogel"
    )


@pytest.fixture
def learners(organization):
    return {
        language: UserFactory(organization=organization, language=language, display_name=name)
        for language, name in (("de", "Jonas Weber"), ("fr", "Camille Martin"), ("en", "Sam Lee"))
    }


@pytest.fixture
def assigned(german_assigner, learners, organization, django_capture_on_commit_callbacks):
    version = published_version(organization, steps=1, title="Run a 15-minute stand-up")
    team = TeamFactory(organization=organization, members=list(learners.values()))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.cohort_assign(
            by=german_assigner,
            name="Dispatch spring",
            micromastery=version.micromastery,
            teams=[team],
            starts_on=date(2026, 3, 2),
            due_on=date(2026, 3, 10),
            kickoff_at=KICKOFF,
            kickoff_minutes=45,
            kickoff_location="Room 4",
            kickoff_url="https://meet.example.com/dispatch",
        )
    return outcome.cohort


def _email_to(person):
    (message,) = [message for message in mail.outbox if message.to == [person.email]]
    return message


def _event(message):
    return vobject.readOne(message.attachments[0][1]).vevent


def test_one_assignment_emails_each_learner_in_their_own_language(assigned, learners):
    german, french, english = (_email_to(learners[code]) for code in ("de", "fr", "en"))
    assert german.subject == "Greta Vogel hat dir zugewiesen: Run a 15-minute stand-up"
    assert "Hallo Jonas," in german.body
    assert "Fällig: bis einschließlich Dienstag, 10. März 2026" in german.body
    assert "Kick-off: Dienstag, 3. März 2026, 09:30 (Europe/London), 45 Minuten" in german.body
    assert "Die Kalendereinladung ist angehängt" in german.body

    assert french.subject == "Greta Vogel vous a attribué : Run a 15-minute stand-up"
    assert "Bonjour Camille," in french.body
    assert "Échéance : d'ici la fin du mardi 10 mars 2026" in french.body
    assert "Lancement : mardi 3 mars 2026, 09:30 (Europe/London), 45 minutes" in french.body

    # The sender reads German; an English reader still gets English.
    assert english.subject == "Greta Vogel assigned you: Run a 15-minute stand-up"
    assert "Due: by the end of Tuesday 10 March 2026" in english.body


def test_kickoff_invitation_summary_and_description_in_each_learners_language(assigned, learners):
    german = _event(_email_to(learners["de"]))
    french = _event(_email_to(learners["fr"]))
    english = _event(_email_to(learners["en"]))
    assert german.summary.value == "Kick-off: Run a 15-minute stand-up"
    assert german.description.value == (
        "Kick-off von „Run a 15-minute stand-up“ für Dispatch spring.\n"
        "Online teilnehmen: https://meet.example.com/dispatch"
    )
    assert french.summary.value == "Lancement : Run a 15-minute stand-up"
    assert french.description.value.startswith("Lancement de « Run a 15-minute stand-up » pour")
    assert english.summary.value == "Kickoff: Run a 15-minute stand-up"
    assert english.description.value.startswith("Kickoff of “Run a 15-minute stand-up”")


def test_kickoff_cancellation_in_each_learners_language(
    assigned, german_assigner, learners, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_member_remove(cohort=assigned, by=german_assigner, learner=learners["fr"])
    (message,) = mail.outbox
    assert message.subject == "Lancement annulé : Run a 15-minute stand-up"
    assert "Vous ne faites plus partie de Dispatch spring" in message.body
    assert "le mardi 3 mars 2026, 09:30 (Europe/London)" in message.body


def test_assignment_notification_in_the_recipients_language(assigned, learners):
    german = Notification.objects.get(recipient=learners["de"])
    french = Notification.objects.get(recipient=learners["fr"])
    assert german.title == "Greta Vogel hat dir „Run a 15-minute stand-up“ zugewiesen"
    assert german.body == "Dispatch spring: Start am 2. März 2026, fällig am 10. März 2026."
    assert french.title == "Greta Vogel vous a attribué « Run a 15-minute stand-up »"
    assert french.body == "Dispatch spring : début le 2 mars 2026, échéance le 10 mars 2026."


def test_learner_home_shows_assigned_work_in_their_language(assigned, learners, client):
    client.force_login(learners["de"])
    page = client.get(reverse("home")).content.decode()
    assert "Dir zugewiesen" in page
    assert "Fällig bis einschließlich Dienstag, 10. März" in page


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("de", ["Kohorten", "Meinem Team zuweisen", "Mitglieder", "Start am 2. März 2026"]),
        ("fr", ["Cohortes", "Attribuer à mon équipe", "Membres", "début le 2 mars 2026"]),
    ],
)
def test_cohort_list_for_a_manager_in_their_language(
    assigned, client, organization, language, texts
):
    client.force_login(UserFactory(organization=organization, is_org_admin=True, language=language))
    page = client.get(reverse("cohorts:list")).content.decode()
    for text in texts:
        assert text in page


def test_cohort_detail_and_assign_form_in_german(assigned, german_assigner, client):
    client.force_login(german_assigner)
    detail = client.get(reverse("cohorts:detail", args=[assigned.pk])).content.decode()
    assert "Fällig bis einschließlich Dienstag, 10. März 2026" in detail
    assert "Überfällig</span> nicht begonnen" in detail
    form = client.get(reverse("cohorts:assign")).content.decode()
    assert "Name der Kohorte" in form and "Ort des Kick-offs" in form
    refused = client.post(reverse("cohorts:assign"), {"teams": [], "starts_on": "2026-03-02"})
    assert "Wähle mindestens ein Team." in refused.content.decode()
