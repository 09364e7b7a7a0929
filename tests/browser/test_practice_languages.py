"""A German and a French learner practise in their own language, on a phone."""

import pytest
from playwright.sync_api import expect

from practice import services
from practice.models import PracticeAttempt
from tests.factories import UserFactory, published_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NB = "\u00a0"  # French puts a no-break space before ":", "?" and "!"

SAID = {
    "de": {
        "practise_today": "Heute üben",
        "title": "Schritt 1: Step 1",
        "log_heading": "Üben eintragen",
        "what_i_did": "Was ich gemacht habe",
        "log_button": "Dieses Üben eintragen",
        "counted": "Eingetragen: Das zählt als Wiederholung.",
        "one_more": "1 von 2 Wiederholungen: noch eine, und dieser Schritt sitzt.",
        "progress": "1 von 3 Wiederholungen geschafft",
    },
    "fr": {
        "practise_today": "À pratiquer aujourd’hui",
        "title": f"Étape 1{NB}: Step 1",
        "log_heading": "Noter votre pratique",
        "what_i_did": "Ce que j’ai fait",
        "log_button": "Noter cette pratique",
        "counted": f"Noté{NB}: celle-ci compte comme une répétition.",
        "one_more": f"1 sur 2 répétitions{NB}: encore une et cette étape est acquise.",
        "progress": "1 sur 3 répétitions faites",
    },
}


@pytest.mark.parametrize("language", ["de", "fr"])
def test_learner_sees_home_and_a_step_and_logs_a_rep_in_their_language(
    sign_in, organization, language
):
    learner = UserFactory(
        organization=organization, email=f"{language}@acme.example", language=language
    )
    version = published_version(organization, steps=2, title="Run a decisive meeting")
    version.steps.filter(order=2).update(repetitions_required=1)
    services.enrollment_create(learner=learner, micromastery=version.micromastery)
    said = SAID[language]

    # The sign-in page follows the browser (English here); after it, the learner's own.
    page = sign_in(learner)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=said["practise_today"])).to_be_visible()

    page.locator(".practise-link").first.click()
    expect(page).to_have_title(f"{said['title']} · Micromastery")
    expect(page.get_by_role("heading", name=said["log_heading"])).to_be_visible()
    page.get_by_label(said["what_i_did"]).fill("Wrote the decision at the top of the agenda.")
    page.locator("label.tap-target", has_text="4").click()
    page.get_by_role("button", name=said["log_button"]).click()

    expect(page.get_by_text(said["counted"])).to_be_visible()
    expect(page.get_by_text(said["one_more"])).to_be_visible()
    expect(page.get_by_text(said["progress"])).to_be_visible()
    assert PracticeAttempt.objects.filter(enrollment__learner=learner).count() == 1
