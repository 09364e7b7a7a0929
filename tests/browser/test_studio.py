"""An author edits a draft in the studio: the learner preview follows the edits unsaved,
a refused publish lists what is missing with a link to each field, then it publishes."""

import pytest

from courses.models import MicromasteryVersion
from tests.factories import UserFactory, published_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}


def test_author_edits_with_a_live_preview_and_publishes_after_fixing(page, live_server, sign_in):
    author = UserFactory(email="author@acme.example", is_author=True)
    draft = published_version(author.organization, steps=1, metrics=1, status="draft")
    MicromasteryVersion.objects.filter(pk=draft.pk).update(way_in_insight="")
    draft.steps.update(feedback_how="")
    page.set_viewport_size(DESKTOP)
    sign_in(author)
    page.goto(f"{live_server.url}/admin/courses/micromasteryversion/{draft.pk}/change/")

    preview = page.locator("#studio-preview")
    page.locator("#id_title").fill("Say no with a reason")
    preview.get_by_role("heading", name="Say no with a reason").wait_for()
    draft.refresh_from_db()
    assert draft.title != "Say no with a reason"  # followed, not saved

    page.get_by_role("button", name="Save and publish").click()
    summary = page.locator("#publish-problems")
    summary.wait_for()
    assert (
        summary.get_by_role("link", name="Way In: the key insight is empty.").get_attribute("href")
        == "#id_way_in_insight"
    )
    feedback = summary.get_by_role("link", name="does not say how to get feedback")
    assert feedback.get_attribute("href") == "#id_steps-0-feedback_how"
    # Errors never look like successes.
    assert page.locator(".messagelist .success").count() == 0
    assert page.locator(".messagelist .error").count() == 1
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Say no with a reason", "draft")

    page.locator("#id_way_in_insight").fill("Give the reason first; the no follows.")
    page.locator("#id_steps-0-feedback_how").fill("Ask how it landed.")
    preview.get_by_text("Give the reason first; the no follows.").wait_for()
    page.get_by_role("button", name="Save and publish").click()
    page.get_by_text("“Say no with a reason” version 1 is published.").wait_for()
    draft.refresh_from_db()
    assert draft.status == "published"


def test_german_author_works_in_german_with_the_preview_and_the_refusal(page, live_server, sign_in):
    author = UserFactory(email="autorin@acme.example", is_author=True, language="de")
    draft = published_version(author.organization, steps=1, metrics=1, status="draft")
    MicromasteryVersion.objects.filter(pk=draft.pk).update(way_in_insight="")
    page.set_viewport_size(DESKTOP)
    sign_in(author)
    page.goto(f"{live_server.url}/admin/courses/micromasteryversion/{draft.pk}/change/")

    # The Markdown preview the script adds speaks German, named after its field.
    page.get_by_role("button", name="Vorschau: Die Herausforderung").click()
    page.get_by_text(draft.context_challenge).first.wait_for()
    page.locator("#id_title").fill("Nein sagen mit Begründung")
    page.locator("#studio-preview").get_by_role(
        "heading", name="Nein sagen mit Begründung"
    ).wait_for()
    assert page.locator("#studio-preview-status").inner_text() == (
        "Folgt deinen Änderungen beim Tippen; gespeichert wird erst, wenn du sicherst."
    )

    page.get_by_role("button", name="Sichern und veröffentlichen").click()
    summary = page.locator("#publish-problems")
    summary.wait_for()
    assert summary.get_by_role("heading").inner_text() == (
        "Noch nicht veröffentlicht: 1 Punkt ist noch offen"
    )
    link = summary.get_by_role("link", name="Schlüssel: Die zentrale Erkenntnis ist leer.")
    assert link.get_attribute("href") == "#id_way_in_insight"
