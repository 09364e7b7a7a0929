"""The teacher confirms a proposal on a phone; an attendee gives feedback from the email."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from practice.teachback import services
from practice.teachback.models import SessionStatus, TeachBackSession
from tests.factories import TEST_PASSWORD, EnrollmentFactory, TeamFactory, UserFactory

# Chromium, the phone viewport and the ORM beside Playwright come from conftest.py.
pytestmark = pytest.mark.django_db(transaction=True)


def test_teacher_confirms_on_a_phone_and_attendee_gives_feedback(live_server, page, settings):
    settings.SITE_URL = live_server.url
    teacher = UserFactory(email="teacher@acme.example", display_name="Tess Teacher")
    organization = teacher.organization
    attendee = UserFactory(
        organization=organization, display_name="Ann Attendee", time_zone="Europe/Berlin"
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
    page.get_by_role("heading", name=re.compile("Teach back")).wait_for()
    assert page.get_by_text("Ann Attendee").is_visible()
    page.get_by_role("radio").first.check()
    page.get_by_label("Place").fill("Room 4")
    page.get_by_role("button", name="Confirm and send invitations").click()
    page.get_by_text("Confirmed. Your colleagues have their invitations.").wait_for()
    assert page.get_by_text("Room 4").is_visible()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED

    # The session took place; the teacher ticks who came.
    TeachBackSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    page.reload()
    page.get_by_label(re.compile("Ann Attendee")).check()
    page.get_by_role("button", name="Save who attended").click()
    page.get_by_text("Attendance saved").wait_for()

    feedback_mail = next(
        m for m in mail.outbox if m.to == [attendee.email] and "clear" in m.subject
    )
    feedback_url = next(word for word in feedback_mail.body.split() if "/feedback/" in word)
    page.context.clear_cookies()
    page.goto(feedback_url)
    page.get_by_label(re.compile("Crystal clear")).check()
    page.get_by_label("I will try this at work").check()
    page.get_by_label("Anything to add?").fill("Short and useful")
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_role("button", name="Start practising this skill").wait_for()

    enrollment.refresh_from_db()
    assert enrollment.mastered_at is not None
