"""A learner checks in on two payoff metrics at once, on a phone."""

import pytest
import time_machine
from playwright.sync_api import expect

from payoff.models import PayoffMeasurement
from tests.payoff.conftest import NOW, two_metrics  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_learner_checks_in_on_two_metrics_in_one_form(page, live_server, sign_in, two_metrics):  # noqa: F811
    learner, enrollment, _, _ = two_metrics
    with time_machine.travel(NOW, tick=True):
        sign_in(learner)
        page.goto(f"{live_server.url}/enrollments/{enrollment.pk}/checkin/")
        page.get_by_label("Planning time now (minutes)").fill("8")
        page.get_by_label("Calls back now (calls)").fill("3")
        page.get_by_role("button", name="Save my check-in").click()
        # Calls back has no baseline yet: the page says so, in the error summary (focused)
        # and beside the field, and keeps both values.
        summary = page.locator("[data-error-summary]")
        summary.get_by_text("Give your Calls back from before you started").wait_for()
        expect(summary).to_be_focused()
        assert page.get_by_text("Give your Calls back from before you started").count() == 2
        assert page.get_by_label("Planning time now (minutes)").input_value() == "8"
        assert page.get_by_label("Calls back now (calls)").input_value() == "3"
        assert not PayoffMeasurement.objects.filter(enrollment=enrollment, kind="checkin").exists()
        page.get_by_label("Calls back before you started (calls)").fill("9")
        page.get_by_role("button", name="Save my check-in").click()
        page.get_by_text("Saved your check-in: Planning time, Calls back.").wait_for()
        rows = page.get_by_role("region", name="Your payoff")
        assert "12 better" in rows.inner_text() and "6 better" in rows.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
