"""A manager assigns a micromastery to their team; the learner finds it on their home page."""

import pytest

from tests.factories import OrganizationFactory, TeamFactory, UserFactory, published_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_assigns_a_micromastery_and_the_learner_sees_it_on_home(page, live_server, sign_in):
    organization = OrganizationFactory(name="Acme", slug="acme")
    manager = UserFactory(organization=organization, email="manager@acme.example")
    learner = UserFactory(organization=organization, email="learner@acme.example")
    TeamFactory(organization=organization, name="Dispatch", managers=[manager], members=[learner])
    published_version(organization, steps=1, title="Run a 15-minute stand-up")

    sign_in(manager)
    page.goto(f"{live_server.url}/teams/assign/")
    page.get_by_label("Dispatch").check()
    page.get_by_label("Micromastery or course").select_option(label="Run a 15-minute stand-up")
    page.get_by_label("Start date").fill("2026-03-02")
    page.get_by_label("Due date").fill("2026-03-31")
    page.get_by_role("button", name="Assign").click()
    page.get_by_text("Enrolled 1 person.").wait_for()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Run a 15-minute stand-up · Dispatch"
    page.get_by_role("button", name="Sign out").click()

    sign_in(learner)
    assigned = page.locator("#assigned-work")
    assigned.wait_for()
    assert "Run a 15-minute stand-up" in assigned.inner_text()
    assert str(manager) in assigned.inner_text()
