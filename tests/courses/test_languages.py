"""Authors work in their own language, and learners read the interface around a
micromastery in theirs, while the author's own words stay as written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import MicromasteryVersion
from tests.courses.test_admin import change_url, version_post
from tests.factories import published_version

pytestmark = pytest.mark.django_db


def speaking(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


def incomplete_draft(organization):
    """A draft whose key insight is missing and whose first step gives no feedback."""
    draft = published_version(organization, status="draft")
    MicromasteryVersion.objects.filter(pk=draft.pk).update(way_in_insight="")
    draft.refresh_from_db()
    draft.steps.filter(order=1).update(feedback_how="")
    return draft


def refused_publish(client, draft):
    """Press "Save and publish" on an incomplete draft; the page the author lands on."""
    response = client.post(change_url(draft), {**version_post(draft), "_publish": "1"})
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def test_studio_speaks_german_to_a_german_author(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(speaking(author, "de"))
    html = client.get(change_url(draft)).content.decode()
    headings = ["1. Kontext", "2. Der Schlüssel", "3. Gezieltes Üben", "4. Der Nutzen"]
    positions = [html.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert (
        "<strong>Kontext: das Problem mit dem Status quo, das diese Fähigkeit löst.</strong>"
        in (html)
    )
    assert "<strong>Gezieltes Üben: eine Routine, die Lernende bei der Arbeit wiederholen." in html
    assert "Was Lernende sehen werden" in html
    assert "Micromastery – Erstellung" in html  # the admin's own header
    assert "Sichern und veröffentlichen" in html
    assert "Version 1 ist ein Entwurf. Lernende sehen ihn, sobald du ihn veröffentlichst" in html
    # Field labels and help come from the model, in German too.
    assert "Die zentrale Erkenntnis" in html
    assert "Wie oft geübt wird, bis der Schritt geschafft ist." in html
    # The Markdown preview button's words travel with the field to the script.
    assert 'data-markdown-preview-button="Vorschau"' in html
    # The author's own text is never translated.
    assert draft.context_challenge in html


def test_german_author_learns_in_german_what_stops_publishing(client, author):
    draft = incomplete_draft(author.organization)
    client.force_login(speaking(author, "de"))
    html = refused_publish(client, draft)
    assert "ist noch nicht veröffentlicht: Deine Änderungen sind gespeichert" in html
    assert "Noch nicht veröffentlicht: 2 Punkte sind noch offen" in html
    assert '<a href="#id_way_in_insight">Schlüssel: Die zentrale Erkenntnis ist leer.</a>' in html
    assert (
        '<a href="#id_steps-0-feedback_how">Üben: Schritt 1 „Step 1“ sagt nicht, wie man '
        "Feedback bekommt.</a>"
    ) in html
    # The hint beside the steps, under the German heading it belongs to.
    assert "Schritt 1 „Step 1“ hat keinen Weg zu Feedback" in html
    assert 'aria-label="Hinweise zu 3. Gezieltes Üben"' in html
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_french_author_learns_in_french_what_stops_publishing(client, author):
    draft = incomplete_draft(author.organization)
    client.force_login(speaking(author, "fr"))
    html = refused_publish(client, draft)
    assert "n&#x27;est pas encore publiée\u00a0: vos modifications sont enregistrées" in html
    assert "Pas encore publiée\u00a0: 2 points à terminer" in html
    assert "Clé\u00a0: l&#x27;idée clé est vide." in html


def test_publish_action_on_the_list_refuses_in_german_with_what_is_missing(client, author):
    draft = incomplete_draft(author.organization)
    client.force_login(speaking(author, "de"))
    response = client.post(
        reverse("admin:courses_micromasteryversion_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert f"„{draft.title}“ ist noch nicht veröffentlicht. Was noch fehlt:" in html
    assert "<li>Schlüssel: Die zentrale Erkenntnis ist leer.</li>" in html


def test_english_author_keeps_english_beside_a_german_colleague(client, author, organization):
    draft = incomplete_draft(organization)
    client.force_login(speaking(author, "en"))
    html = refused_publish(client, draft)
    assert '<a href="#id_way_in_insight">Way In: the key insight is empty.</a>' in html
    assert "Not published yet: 2 things to finish" in html


def test_import_errors_name_the_line_in_the_author_s_language(client, author):
    client.force_login(speaking(author, "es"))
    upload = b"title: Decide\nsteps: &steps\n  - title: One\npayoff_metrics: *steps\n"
    response = client.post(
        reverse("admin:courses_micromasteryversion_import"),
        {"file": SimpleUploadedFile("skill.yaml", upload, content_type="application/yaml")},
    )
    html = response.content.decode()
    assert "El archivo usa un ancla o alias de YAML" in html
    assert "línea 2" in html
    assert "Importar como borrador" in html


def test_api_refuses_publishing_in_the_author_s_language(api_client, author):
    draft = incomplete_draft(author.organization)
    api_client.force_login(speaking(author, "de"))
    response = api_client.post(reverse("api-micromastery-publish", args=[draft.micromastery_id]))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("Noch nicht veröffentlicht. Schlüssel: Die zentrale")
    assert "Schlüssel: Die zentrale Erkenntnis ist leer." in error["fields"]["publish"]


@pytest.mark.parametrize(
    ("language", "sentences"),
    [
        (
            "de",
            [
                "Vorschau aus Sicht der Lernenden: Version 1, Entwurf.",
                "Der Schlüssel",
                "Gezieltes Üben",
                "2 Wiederholungen, mindestens 20 Stunden Abstand",
                "Ziel: 10 minutes weniger",
                "Etwa 10 Minuten pro Übung.",
            ],
        ),
        (
            "fr",
            [
                "Aperçu côté apprenant\u00a0: version 1, brouillon.",
                "La clé",
                "Pratique délibérée",
                "2 répétitions, à au moins 20 heures d'intervalle",
                "objectif\u00a0: 10 minutes de moins",
                "Environ 10 minutes par pratique.",
            ],
        ),
    ],
)
def test_learner_view_of_a_version_follows_the_reader(client, author, language, sentences):
    draft = published_version(author.organization, status="draft")
    client.force_login(speaking(author, language))
    html = client.get(reverse("authoring:version_preview", args=[draft.pk])).content.decode()
    for sentence in sentences:
        assert sentence in html
    # Units and the rest of the author's words stay as the author wrote them.
    assert draft.way_in_insight in html
