"""A French teacher confirms on a phone in French; her German colleague answers the
invitation email in German, without signing in, and later gives feedback in German."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from practice.teachback import services
from practice.teachback.models import Rsvp, TeachBackSession
from tests.factories import TEST_PASSWORD, EnrollmentFactory, TeamFactory, UserFactory

# Chromium, the phone viewport and the ORM beside Playwright come from conftest.py.
pytestmark = pytest.mark.django_db(transaction=True)


def test_french_teacher_and_german_attendee_each_in_their_language(live_server, page, settings):
    settings.SITE_URL = live_server.url
    teacher = UserFactory(email="teacher@acme.example", display_name="Fanny Roux", language="fr")
    organization = teacher.organization
    attendee = UserFactory(
        organization=organization,
        display_name="Dirk Braun",
        time_zone="Europe/Berlin",
        language="de",
    )
    TeamFactory(organization=organization, members=[teacher, attendee])
    enrollment = EnrollmentFactory(learner=teacher, completed_at=timezone.now(), status="completed")
    session = services.teachback_propose(enrollment=enrollment)
    assert session.proposed_slots

    page.goto(f"{live_server.url}/accounts/login/?next=/teachbacks/{session.pk}/")
    page.get_by_label("Email").fill(teacher.email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("Transmettre")).wait_for()
    page.get_by_role("radio").first.check()
    page.get_by_label("Lieu").fill("Salle 4")
    page.get_by_role("button", name="Confirmer et envoyer les invitations").click()
    page.get_by_text("Confirmé. Vos collègues ont reçu leur invitation.").wait_for()
    assert page.get_by_role("heading", name="Quand et où").is_visible()

    # The German colleague opens the emailed link on his phone, not signed in.
    invitation = next(m for m in mail.outbox if m.to == [attendee.email])
    assert invitation.subject.startswith("Teach-back-Session „")
    accept_url = next(word for word in invitation.body.split() if "/accept/" in word)
    page.context.clear_cookies()
    page.goto(accept_url)
    page.get_by_role("button", name="Ja, ich bin dabei").click()
    page.get_by_text("Danke, Dirk: Du hast zugesagt.").wait_for()
    assert session.invites.get(invitee=attendee).rsvp == Rsvp.ACCEPTED

    # The session took place; the teacher says he came, and he gets the feedback request.
    TeachBackSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    services.attendance_mark(session=session, by=teacher, attended=[attendee])
    feedback_mail = next(
        m for m in mail.outbox if m.to == [attendee.email] and "verständlich" in m.subject
    )
    feedback_url = next(word for word in feedback_mail.body.split() if "/feedback/" in word)
    page.goto(feedback_url)
    page.get_by_role("button", name="Feedback senden").click()
    # Nothing tapped: the error speaks German too, and the form keeps what was there.
    page.get_by_text("Tippe an, wie verständlich es war, von 1 bis 5.").first.wait_for()
    page.get_by_label(re.compile("Glasklar")).check()
    page.get_by_label("Ich probiere das bei der Arbeit aus").check()
    page.get_by_role("button", name="Feedback senden").click()
    page.get_by_role("button", name="Diese Fähigkeit üben").wait_for()
    assert page.locator("html").get_attribute("lang") == "de"
