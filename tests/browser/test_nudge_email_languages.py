"""A nudge email read in German and in French: its words, and the page its link opens."""

from __future__ import annotations

from datetime import date

import pytest

from practice.nudges.channels.email import email_message
from practice.nudges.models import Nudge, NudgeChannel, NudgeKind
from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.factories import OrganizationFactory, UserFactory
from tests.practice.nudges.helpers import MONDAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEMS = [
    {
        "kind": NudgeKind.PRACTICE_DUE,
        "subject_ref": f"enrollment:{number}:step:1:0",
        "title": title,
        "text": "2 of 3 reps.",
        "path": "/",
    }
    for number, title in ((1, "Run a 15-minute stand-up"), (2, "Give feedback that lands"))
]

CASES = {
    "de": {
        "name": "Jonas Weber",
        "greeting": "Hallo Jonas,",
        "sentence": "Ein paar Minuten jetzt genügen.",
        "unsubscribe": "Alle Erinnerungen abbestellen",
        "question": "Erinnerungen zum Üben abbestellen?",
        "button": "Abbestellen",
        "done": "Du hast die Erinnerungen abbestellt",
    },
    "fr": {
        "name": "Camille Martin",
        "greeting": "Bonjour Camille,",
        "sentence": "Quelques minutes maintenant suffisent.",
        "unsubscribe": "Se désabonner de tous les rappels",
        "question": "Arrêter les rappels de pratique ?",
        "button": "Se désabonner",
        "done": "Vous êtes désabonné",
    },
}


@pytest.mark.parametrize("language", ["de", "fr"])
def test_nudge_email_and_the_page_its_link_opens_speak_the_persons_language(
    browser, live_server, settings, language
):
    case = CASES[language]
    settings.SITE_URL = live_server.url
    person = UserFactory(
        organization=OrganizationFactory(), language=language, display_name=case["name"]
    )
    nudge = Nudge.objects.create(
        recipient=person,
        kind=NudgeKind.DIGEST,
        channel=NudgeChannel.EMAIL,
        subject_ref="day",
        local_date=date(2026, 3, 2),
        due_at=MONDAY,
        dedupe_key=f"{person.pk}:digest:email",
        payload={"subject": "2 things to practise today", "items": ITEMS},
    )
    html = email_message(nudge).alternatives[0][0]

    # An English browser: the words come from the person's language, not the reader's software.
    context = browser.new_context(locale="en-US", viewport=PHONE)
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.set_content(html)
    text = page.locator("body").inner_text()
    assert case["greeting"] in text
    assert case["sentence"] in text
    assert "Run a 15-minute stand-up" in text  # the author's title, as written
    assert page.locator("html").get_attribute("lang") == language

    page.get_by_role("link", name=case["unsubscribe"]).click()
    page.get_by_role("heading", name=case["question"]).wait_for()
    assert page.url.startswith(f"{live_server.url}/nudges/unsubscribe/")
    assert page.locator("html").get_attribute("lang") == language
    assert person.email in page.locator("main").inner_text()

    page.get_by_role("button", name=case["button"]).click()
    page.get_by_role("heading", name=case["done"]).wait_for()
    context.close()
