"""The teacher of a spread-out team opens the proposal: an audience that can meet, a time
that fits, and a search that keeps the colleagues already ticked."""

import re

import pytest
import time_machine

from practice.teachback import services
from tests.practice.teachback.test_teachback_audience import MONDAY, world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_proposal_has_an_audience_with_a_slot_and_search_keeps_choices(
    page,
    live_server,
    sign_in,
    world,  # noqa: F811
):
    teacher, *_, enrollment = world
    with time_machine.travel(MONDAY, tick=True):
        session = services.teachback_propose(enrollment=enrollment)
        sign_in(teacher)
        page.goto(f"{live_server.url}/teachbacks/{session.pk}/")
        page.get_by_role("heading", name=re.compile("Teach back")).wait_for()
        invited = page.locator("fieldset", has=page.get_by_text("Invited", exact=True))
        assert invited.get_by_role("checkbox", checked=True).count() == 4
        assert page.get_by_text("No time in the next two weeks fits everyone").count() == 0
        assert page.get_by_role("radio").count() == 4  # three times and "Another time"

        page.get_by_label(re.compile("Haru Tokyo")).check()
        page.get_by_label("Find a colleague by name or email").fill("Aiko")
        page.get_by_text("Colleagues matching “Aiko”").wait_for()
        assert page.get_by_label(re.compile("Haru Tokyo")).is_checked()
        page.get_by_label(re.compile("Aiko Tokyo")).check()
        page.get_by_role("button", name="Save who is invited and find times").click()
        page.get_by_text("Audience saved").wait_for()
        names = set(session.invites.values_list("invitee__display_name", flat=True))
        assert {"Aiko Tokyo", "Haru Tokyo", "Bola Lagos"} <= names
