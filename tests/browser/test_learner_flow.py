from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from payoff.models import PayoffMeasurement
from practice import services
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from tests.factories import UserFactory, published_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner(organization):
    return UserFactory(
        organization=organization, email="phone@acme.example", time_zone="Europe/Berlin"
    )


@pytest.fixture
def version(organization):
    version = published_version(organization, steps=2, metrics=1, title="Run a decisive meeting")
    # Step 1 takes two spaced reps, step 2 one: enough to see spacing and completion.
    version.steps.filter(order=2).update(repetitions_required=1)
    return version


def log_practice(page, what_i_did, confidence="4"):
    page.get_by_label("What I did").fill(what_i_did)
    page.locator("label.tap-target", has_text=confidence).click()
    page.get_by_role("button", name="Log this practice").click()


def test_learner_enrols_practises_and_completes_on_a_phone(sign_in, live_server, learner, version):
    page = sign_in(learner)
    expect(page.get_by_text("A micromastery is a small, doable skill")).to_be_visible()

    page.get_by_role("link", name="Browse the catalog").click()
    page.get_by_role("link", name="Run a decisive meeting").click()
    expect(page.get_by_role("heading", name="The Way In")).to_be_visible()
    page.get_by_role("link", name="Enrol", exact=True).click()

    page.get_by_label("What success looks like for me").fill("Meetings end with a decision")
    page.get_by_label("Meeting length today (minutes)").fill("50")
    page.get_by_role("button", name="Enrol and start step 1").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Step 1")
    expect(page.get_by_text("0 of 3 reps done")).to_be_visible()
    # The log form is reachable on the phone and the minutes come pre-filled.
    expect(page.get_by_label("Minutes it took")).to_have_value("10")

    log_practice(page, "Wrote the decision at the top of the agenda.")
    expect(page.get_by_text("1 of 2 reps: one more and this step is yours.")).to_be_visible()
    expect(page.get_by_text("1 of 3 reps done")).to_be_visible()
    expect(page.get_by_text("Next one counts from")).to_be_visible()

    # A day later the spacing has passed: the next rep counts and step 1 is done.
    with time_machine.travel(timezone.now() + timedelta(hours=21)):
        page.reload()
        expect(page.get_by_text("Your next rep counts now.")).to_be_visible()
        log_practice(page, "Asked for the decision first; done in 20 minutes.", "5")
        expect(page.get_by_text("2 of 2 reps: this step is yours.")).to_be_visible()
        expect(page.get_by_text("2 of 3 reps done")).to_be_visible()

        page.get_by_role("link", name="Step 2: Step 2").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Step 2")
        log_practice(page, "Closed the meeting by reading the decision out.")
        expect(page.get_by_role("heading", name="You have completed “Run a decisive meeting”"))
        expect(page.get_by_text("3 of 3 reps done")).to_be_visible()
        expect(page.get_by_role("heading", name="Teach it back")).to_be_visible()

        page.get_by_role("link", name="Home").click()
        expect(page.get_by_text("3 of 3 reps done")).to_be_visible()

    enrollment = Enrollment.objects.get(learner=learner)
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.personal_payoff == "Meetings end with a decision"
    assert PayoffMeasurement.objects.get(enrollment=enrollment).value == Decimal("50")
    assert PracticeAttempt.objects.filter(enrollment=enrollment).count() == 3


def test_learner_pages_have_no_serious_accessibility_violations(
    sign_in, live_server, learner, version
):
    enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    first = version.steps.order_by("order").first()
    services.attempt_log(
        enrollment=enrollment,
        step=first,
        what_i_did="Wrote the decision at the top.",
        what_happened="Done in 25 minutes.",
        confidence=3,
        minutes=10,
    )
    other = published_version(learner.organization, title="Say no kindly")
    page = sign_in(learner)
    pages = {
        "home": "/",
        "catalog": "/catalog/",
        "micromastery": f"/micromasteries/{version.micromastery_id}/",
        "enrol": f"/micromasteries/{other.micromastery_id}/enrol/",
        "enrolment": f"/enrollments/{enrollment.pk}/",
        "practice": f"/enrollments/{enrollment.pk}/steps/{first.pk}/",
    }
    axe = Axe()
    problems = {}
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        results = axe.run(page)
        assert results.response["testEngine"]["name"] == "axe-core"
        serious = [
            f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        if serious:
            problems[name] = serious
    assert problems == {}
