"""Teach-back speaks each person's language: invitations, updates, cancellations, feedback
requests, reminders and calendar files in the recipient's (never the sender's), and pages
in the reader's, with dates written the way their language writes them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
import vobject
from django.urls import reverse

from accounts.models import User
from practice.nudges.models import Notification
from practice.teachback import services
from practice.teachback.models import Rsvp, TeachBackSession
from practice.teachback.reminders import TeachBackReminderSource
from practice.teachback.tokens import invite_token
from tests.factories import (
    EnrollmentFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    UserFactory,
    published_version,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
STARTS = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # Wednesday 4 March, 14:00 UTC


@pytest.fixture
def teacher(organization):
    """A German teacher: whatever she sends goes out in each recipient's language."""
    return UserFactory(
        organization=organization,
        display_name="Greta Weber",
        time_zone="Europe/Berlin",
        language="de",
    )


@pytest.fixture
def invitees(organization):
    return {
        "de": UserFactory(
            organization=organization,
            display_name="Dirk Braun",
            time_zone="Europe/Berlin",
            language="de",
        ),
        "fr": UserFactory(
            organization=organization,
            display_name="Fanny Roux",
            time_zone="Europe/Paris",
            language="fr",
        ),
        # No choice of her own: her organization's default (English) speaks for her.
        "en": UserFactory(
            organization=organization, display_name="Emma Hill", time_zone="Europe/London"
        ),
    }


@pytest.fixture
def proposal(organization, teacher):
    version = published_version(organization, title="Run a decisive meeting")
    enrollment = EnrollmentFactory(
        learner=teacher, version=version, micromastery=version.micromastery
    )
    enrollment.completed_at = NOW - timedelta(days=1)
    enrollment.status = "completed"
    enrollment.save()
    with time_machine.travel(NOW, tick=False):
        return services.teachback_propose(enrollment=enrollment)


def confirm(proposal, teacher, invitees, capture):
    with time_machine.travel(NOW, tick=False), capture(execute=True):
        services.teachback_confirm(
            session=proposal,
            by=teacher,
            starts_at=STARTS,
            audience=list(invitees.values()),
            location="Raum 4",
        )
    proposal.refresh_from_db()
    return proposal


def mail_to(outbox, person):
    return [message for message in outbox if message.to == [person.email]]


def calendar_of(message):
    (attachment,) = [a for a in message.attachments if a[0] == "teach-back.ics"]
    content = attachment[1]
    return vobject.readOne(content.decode() if isinstance(content, bytes) else content)


def html_of(message):
    return next(content for content, kind in message.alternatives if kind == "text/html")


def test_one_invitation_to_a_german_a_french_and_an_english_colleague_speaks_three_languages(
    proposal, teacher, invitees, mailoutbox, django_capture_on_commit_callbacks
):
    confirm(proposal, teacher, invitees, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 3
    (german,) = mail_to(mailoutbox, invitees["de"])
    (french,) = mail_to(mailoutbox, invitees["fr"])
    (english,) = mail_to(mailoutbox, invitees["en"])

    assert german.subject == "Teach-back-Session „Run a decisive meeting“ von Greta Weber"
    assert "Hallo Dirk," in german.body
    assert "Greta Weber lädt dich zu einer 30-minütigen Teach-back-Session ein" in german.body
    # Her own zone (Berlin), in German order and names.
    assert "Wann: Mi., 4. März 2026, 15:00 (Europe/Berlin)" in german.body
    assert "Die Links funktionieren ohne Anmeldung." in german.body
    assert '<html lang="de">' in html_of(german)
    assert ">Zusagen</a>" in html_of(german)

    # The outbox folds a subject's spaces into plain ones (French no-break spaces included).
    assert french.subject == "Session de teach-back « Run a decisive meeting » par Greta Weber"
    assert "Bonjour Fanny," in french.body
    assert "Greta Weber vous invite à une session de teach-back de 30 minutes" in french.body
    assert "Quand\u00a0: mer. 4 mars 2026, 15:00 (Europe/Paris)" in french.body
    assert ">Accepter</a>" in html_of(french)

    assert english.subject == "Teach-back “Run a decisive meeting” by Greta Weber"
    assert "Hello Emma," in english.body
    assert "Greta Weber invites you to a 30-minute teach-back" in english.body
    assert "When: Wed 4 Mar 2026, 14:00 (Europe/London)" in english.body
    assert '<html lang="en">' in html_of(english)

    # The calendar file too: the same event, its texts in each invitee's language, named.
    calendars = {
        lang: calendar_of(message)
        for lang, message in (("de", german), ("fr", french), ("en", english))
    }
    assert {c.vevent.uid.value for c in calendars.values()} == {f"{proposal.uid}@micromastery"}
    assert {c.vevent.dtstart.value for c in calendars.values()} == {STARTS}
    summary = {lang: c.vevent.summary for lang, c in calendars.items()}
    assert summary["de"].value == summary["en"].value == "Teach-back: Run a decisive meeting"
    assert summary["fr"].value == "Teach-back\u00a0: Run a decisive meeting"
    assert {lang: s.params["LANGUAGE"] for lang, s in summary.items()} == {
        "de": ["de"],
        "fr": ["fr"],
        "en": ["en"],
    }
    description = {lang: c.vevent.description.value for lang, c in calendars.items()}
    assert description["de"] == (
        "Greta Weber zeigt dir „Run a decisive meeting“ in 30 Minuten und bittet dich dann "
        "um dein Feedback."
    )
    assert description["fr"].startswith("Greta Weber présente «\u00a0Run a decisive meeting")
    assert description["en"] == (
        "Greta Weber teaches “Run a decisive meeting” in 30 minutes, then asks for your feedback."
    )

    # The bell's copy, each in its reader's language and zone.
    bell = {
        note.recipient_id: note for note in Notification.objects.filter(key__startswith="teachback")
    }
    assert bell[invitees["de"].pk].title == (
        "Greta Weber lädt dich zu einer Teach-back-Session ein: Run a decisive meeting"
    )
    assert bell[invitees["de"].pk].body == "Mi., 4. März, 15:00 (Europe/Berlin). Bist du dabei?"
    assert bell[invitees["fr"].pk].body == "mer. 4 mars, 15:00 (Europe/Paris). Serez-vous là\u00a0?"
    assert bell[invitees["en"].pk].body == "Wed 4 Mar, 14:00 (Europe/London). Will you come?"


def test_updates_and_cancellations_reach_each_invitee_in_their_language(
    proposal, teacher, invitees, mailoutbox, django_capture_on_commit_callbacks
):
    session = confirm(proposal, teacher, invitees, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.teachback_reschedule(
            session=session, by=teacher, starts_at=STARTS + timedelta(days=1)
        )
    update = {person: mail_to(mailoutbox, person)[-1] for person in invitees.values()}
    assert update[invitees["de"]].subject.startswith("Aktualisiert: Teach-back-Session")
    assert "Greta Weber hat eine 30-minütige Teach-back-Session verschoben" in (
        update[invitees["de"]].body
    )
    assert update[invitees["fr"]].subject.startswith("Mise à jour : session de teach-back")
    assert update[invitees["en"]].subject.startswith("Updated: Teach-back")
    assert "Thu 5 Mar 2026, 14:00" in update[invitees["en"]].body

    with django_capture_on_commit_callbacks(execute=True):
        services.teachback_cancel(session=session, by=teacher)
    cancel = {person: mail_to(mailoutbox, person)[-1] for person in invitees.values()}
    assert "Greta Weber hat die Teach-back-Session „Run a decisive meeting“ abgesagt." in (
        cancel[invitees["de"]].body
    )
    assert "Greta Weber a annulé la session de teach-back" in cancel[invitees["fr"]].body
    assert "Greta Weber cancelled the teach-back" in cancel[invitees["en"]].body
    assert calendar_of(cancel[invitees["fr"]]).method.value == "CANCEL"


def test_feedback_request_in_the_attendees_language(
    organization, teacher, invitees, mailoutbox, django_capture_on_commit_callbacks
):
    session = TeachBackSessionFactory(enrollment__learner=teacher)
    for person in (invitees["fr"], invitees["en"]):
        TeachBackInviteFactory(session=session, invitee=person, rsvp=Rsvp.ACCEPTED)
    TeachBackSession.objects.filter(pk=session.pk).update(starts_at=STARTS)
    session.refresh_from_db()
    with (
        time_machine.travel(STARTS + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.attendance_mark(
            session=session, by=teacher, attended=[invitees["fr"], invitees["en"]]
        )
    (french,) = mail_to(mailoutbox, invitees["fr"])
    (english,) = mail_to(mailoutbox, invitees["en"])
    teacher_name = teacher.display_name
    assert french.subject == f"La session de teach-back de {teacher_name} était-elle claire ?"
    assert "Merci d'avoir participé à la session de teach-back" in french.body
    assert english.subject == f"How clear was {teacher_name}'s teach-back?"
    note = Notification.objects.get(recipient=invitees["fr"])
    assert note.title == f"La session de teach-back de {teacher_name} était-elle claire\u00a0?"
    assert note.body.startswith("Deux clics sur «\u00a0")


@pytest.fixture
def reminded(teacher, invitees):
    """A session in an hour with everyone accepted, and its people as the nudge planner
    loads them (without their organization)."""
    session = TeachBackSessionFactory(
        enrollment__learner=teacher, starts_at=STARTS, location="Raum 4"
    )
    for person in invitees.values():
        TeachBackInviteFactory(session=session, invitee=person, rsvp=Rsvp.ACCEPTED, rsvp_at=NOW)
    TeachBackSession.objects.filter(pk=session.pk).update(updated_at=NOW)
    people = [teacher, *invitees.values()]
    for person in people:
        person.refresh_from_db()
    return people


def due_reminders(people):
    return TeachBackReminderSource().due_items(learners=people, now=STARTS - timedelta(hours=1))


def test_reminders_in_each_persons_language_and_zone(teacher, invitees, reminded):
    text = {person_id: items[0].text for person_id, items in due_reminders(reminded).items()}
    assert text[teacher.pk] == (
        "Deine Teach-back-Session beginnt in einer Stunde, um 15:00 (Europe/Berlin), Raum 4."
    )
    assert text[invitees["fr"].pk] == (
        "La session de teach-back de Greta Weber commence dans une heure, à 15:00 "
        "(Europe/Paris), Raum 4."
    )
    assert text[invitees["en"].pk] == (
        "Greta Weber's teach-back starts in an hour, 14:00 (Europe/London), Raum 4."
    )


def test_reminders_load_organizations_once_for_everyone(reminded, django_assert_num_queries):
    User.objects.update(language="")  # everyone's language is their organization's default
    for person in reminded:
        person.refresh_from_db()
    # Sessions, their accepted invites, and the organizations of the four people (one query).
    with django_assert_num_queries(3):
        due = due_reminders(reminded)
    assert len(due) == 4


def test_session_page_in_the_teachers_language(
    client, teacher, invitees, proposal, django_capture_on_commit_callbacks
):
    session = confirm(proposal, teacher, invitees, django_capture_on_commit_callbacks)
    client.force_login(teacher)
    with time_machine.travel(NOW, tick=False):
        content = client.get(reverse("teachback:session", args=[session.pk])).content.decode()
    assert '<h2 id="when-heading">Wann und wo</h2>' in content
    assert "Mittwoch, 4. März 2026, 15:00–15:30" in content
    assert "Du leitest" in content
    assert "Kalenderdatei herunterladen (.ics)" in content
    assert "Nicht beantwortet" in content


def test_proposal_page_in_french_with_days_written_the_french_way(
    client, organization, invitees, teacher, proposal
):
    teacher.language = "fr"
    teacher.save()
    client.force_login(teacher)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("teachback:session", args=[proposal.pk]))
    content = response.content.decode()
    assert response.headers["Content-Language"] == "fr"
    assert "Vous avez terminé la pratique." in content
    assert "Confirmer et envoyer les invitations" in content
    if proposal.proposed_slots:
        first = datetime.fromisoformat(proposal.proposed_slots[0]).astimezone(teacher.zone)
        weekday = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."][first.weekday()]
        assert f"<strong>{weekday} {first.day} mars</strong>" in content


def test_invitation_link_speaks_the_invitees_language_to_a_visitor_not_signed_in(
    client, teacher, invitees, proposal, django_capture_on_commit_callbacks
):
    session = confirm(proposal, teacher, invitees, django_capture_on_commit_callbacks)
    invite = session.invites.get(invitee=invitees["de"])
    url = reverse("teachback:invite_accept", args=[invite_token(invite)])
    # His own choice wins over whatever the browser in hand asks for.
    with time_machine.travel(NOW, tick=False):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    content = response.content.decode()
    assert response.headers["Content-Language"] == "de"
    assert '<html lang="de"' in content
    assert "Ja, ich bin dabei" in content
    assert "Mittwoch, 4. März 2026, 15:00–15:30" in content
    with time_machine.travel(STARTS + timedelta(minutes=5), tick=False):
        refused = client.post(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Diese Teach-back-Session hat schon begonnen. Es wurde nichts geändert." in refused


def test_feedback_form_errors_in_the_attendees_language(client, teacher, invitees):
    session = TeachBackSessionFactory(enrollment__learner=teacher, starts_at=STARTS)
    invite = TeachBackInviteFactory(session=session, invitee=invitees["fr"], attended=True)
    url = reverse("teachback:invite_feedback", args=[invite_token(invite)])
    content = client.post(url, {"comment": "Super"}).content.decode()
    assert "Indiquez la clarté, de 1 à 5." in content
    assert "Était-ce clair\u00a0?" in content
    assert "5 · Limpide" in content


def test_api_errors_in_the_callers_language(client, teacher, invitees, proposal):
    client.force_login(teacher)
    response = client.post(
        f"/api/v1/teachbacks/{proposal.pk}/reschedule/",
        {"starts_at": STARTS.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Nur eine geplante Teach-back-Session kann verschoben werden."
    )
