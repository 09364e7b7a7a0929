"""The practice pages, the quick log, practice nudges and the practice API speak each
learner's language (their own choice here, through the model field)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from practice import services
from practice.models import PracticeAttempt
from practice.nudge_sources import PracticeNudgeSource
from practice.quick_log import quick_log_path
from tests.factories import UserFactory, published_version

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; 09:00 in London
NB = "\u00a0"  # French puts a no-break space before ":", "?" and "!"

# What a German and a French learner read where an English one reads the English text.
SAID = {
    "de": {
        "practise_today": "Heute üben",
        "due_meta": "Schritt 1, Wiederholung 1 von 2 · jetzt fällig",
        "log_heading": "Üben eintragen",
        "what_i_did": "Was ich gemacht habe",
        "counted": "Eingetragen: Das zählt als Wiederholung.",
        "one_more": "1 von 2 Wiederholungen: noch eine, und dieser Schritt sitzt.",
        "history_date": "Mo, 2. März, 09:30",
        "say_what_you_did": "Schreib in ein paar Worten, was du gemacht hast.",
        "catalog_count": "1 Micromastery.",
        "done_it": "Erledigt? Tippe an, wie sicher du dich jetzt fühlst",
        "start_nudge": "Bereit für deinen ersten Versuch? Schritt 1: Step 1.",
        "api_blank": "Schreib kurz, was du gemacht hast.",
        "quick_log_what_i_did": "Den Schritt wie beschrieben geübt.",
        "future": "Der Zeitpunkt deines Übens kann nicht in der Zukunft liegen.",
    },
    "fr": {
        "practise_today": "À pratiquer aujourd’hui",
        "due_meta": "étape 1, répétition 1 sur 2 · à faire maintenant",
        "log_heading": "Noter votre pratique",
        "what_i_did": "Ce que j’ai fait",
        "counted": f"Noté{NB}: celle-ci compte comme une répétition.",
        "one_more": f"1 sur 2 répétitions{NB}: encore une et cette étape est acquise.",
        "history_date": "lun 2 mars, 09:30",
        "say_what_you_did": "Dites en quelques mots ce que vous avez fait.",
        "catalog_count": "1 micromaîtrise.",
        "done_it": f"C’est fait{NB}? Touchez votre niveau de confiance actuel",
        "start_nudge": f"Prêt pour un premier essai{NB}? Étape 1{NB}: Step 1.",
        "api_blank": "Dites ce que vous avez fait.",
        "quick_log_what_i_did": "Étape pratiquée comme décrit.",
        "future": "Le moment de votre pratique ne peut pas être dans le futur.",
    },
}


@pytest.fixture
def version(organization):
    return published_version(
        organization, steps=2, metrics=1, title="Run a decisive meeting", estimated_minutes=7
    )


@pytest.fixture
def step(version):
    return version.steps.order_by("order").first()


def speaker(organization, language, email=None):
    return UserFactory(
        organization=organization, language=language, email=email or f"{language}@acme.example"
    )


def enrol(learner, version):
    with time_machine.travel(START, tick=False):
        return services.enrollment_create(learner=learner, micromastery=version.micromastery)


@pytest.mark.parametrize("language", ["de", "fr"])
def test_home_step_page_and_a_logged_rep_in_the_learners_language(
    client, organization, version, step, language
):
    learner = speaker(organization, language)
    enrollment = enrol(learner, version)
    said = SAID[language]
    client.force_login(learner)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        home = client.get(reverse("home"))
        assert home.headers["Content-Language"] == language
        content = home.content.decode()
        assert said["practise_today"] in content
        assert said["due_meta"] in content
        assert "Practise today" not in content

        url = reverse("practice:step", args=[enrollment.pk, step.pk])
        content = client.get(url).content.decode()
        assert said["log_heading"] in content and said["what_i_did"] in content
        assert "Log your practice" not in content

        data = {"what_i_did": "Asked for the decision first.", "confidence": "4", "minutes": "8"}
        logged = client.post(url, data, follow=True)
    content = logged.content.decode()
    assert said["counted"] in content
    assert said["one_more"] in content
    # Dates in the language's own order and words (times in the learner's London).
    assert said["history_date"] in content


@pytest.mark.parametrize("language", ["de", "fr"])
def test_form_errors_and_catalog_in_the_learners_language(
    client, organization, version, step, language
):
    learner = speaker(organization, language)
    enrollment = enrol(learner, version)
    client.force_login(learner)
    url = reverse("practice:step", args=[enrollment.pk, step.pk])
    refused = client.post(url, {"what_i_did": "", "confidence": "4", "minutes": "8"})
    assert refused.status_code == 200
    assert SAID[language]["say_what_you_did"] in refused.content.decode()
    catalog = client.get(reverse("practice:catalog")).content.decode()
    assert SAID[language]["catalog_count"] in catalog


def test_english_learner_keeps_the_english_pages(client, learner, version, step):
    enrollment = enrol(learner, version)
    client.force_login(learner)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        content = client.get(reverse("home")).content.decode()
        assert "Practise today" in content
        assert "step 1, rep 1 of 2 · due now" in content
        url = reverse("practice:step", args=[enrollment.pk, step.pk])
        data = {"what_i_did": "Asked for the decision first.", "confidence": "4", "minutes": "8"}
        content = client.post(url, data, follow=True).content.decode()
    assert "Logged: that one counts as a rep." in content
    assert "Mon 2 Mar, 09:30" in content


@pytest.mark.parametrize("language", ["de", "fr"])
def test_quick_log_link_signed_out_speaks_the_learners_language_not_the_browsers(
    client, organization, version, step, language
):
    # Opened on a computer whose browser asks for Spanish: the link is the learner's.
    learner = speaker(organization, language)
    enrollment = enrol(learner, version)
    link = quick_log_path(learner_id=learner.pk, enrollment_id=enrollment.pk, step_id=step.pk)
    shown = client.get(link, HTTP_ACCEPT_LANGUAGE="es")
    assert shown.headers["Content-Language"] == language
    assert SAID[language]["done_it"] in shown.content.decode()
    logged = client.post(link, {"confidence": "4"}, HTTP_ACCEPT_LANGUAGE="es")
    assert logged.headers["Content-Language"] == language
    content = logged.content.decode()
    assert SAID[language]["counted"] in content
    assert SAID[language]["one_more"] in content
    # What the one tap stands for is written in the learner's words too, as they read it.
    attempt = PracticeAttempt.objects.get(enrollment=enrollment)
    assert attempt.what_i_did == SAID[language]["quick_log_what_i_did"]


def test_quick_log_link_opened_by_someone_else_answers_in_their_own_language(
    client, organization, version, step
):
    learner = speaker(organization, "de")
    enrollment = enrol(learner, version)
    client.force_login(speaker(organization, "fr"))
    link = quick_log_path(learner_id=learner.pk, enrollment_id=enrollment.pk, step_id=step.pk)
    refused = client.get(link)
    assert refused.status_code == 403
    assert "Ce lien a été envoyé à quelqu’un d’autre" in refused.content.decode()


def test_damaged_quick_log_link_answers_in_the_browsers_language(client):
    # Whose link it was is unknown: the browser's language is all there is.
    refused = client.get(reverse("practice:quick-log", args=["damaged"]), HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 400
    assert "Ce lien est incomplet ou a été modifié." in refused.content.decode()


def test_practice_nudge_texts_are_written_in_each_recipients_language(organization, version):
    french = speaker(organization, "fr")
    english = UserFactory(organization=organization, email="en@acme.example")
    for learner in (french, english):
        enrol(learner, version)
    # Planned while German is active (say, a German operator's command): no matter.
    with translation.override("de"):
        items = PracticeNudgeSource().due_items(
            learners=[french, english], now=START + timedelta(days=2)
        )
    [french_item] = items[french.pk]
    [english_item] = items[english.pk]
    assert french_item.text == SAID["fr"]["start_nudge"]
    assert english_item.text == "Ready for your first try? Step 1: Step 1."


def test_practice_nudges_of_a_batch_read_organization_languages_in_one_query(
    organization, version, django_assert_max_num_queries
):
    organization.default_language = "fr"
    organization.save()
    learners = [
        UserFactory(organization=organization, email=f"l{number}@acme.example")
        for number in range(5)
    ]
    for learner in learners:
        enrol(learner, version)
    fresh = list(User.objects.filter(pk__in=[learner.pk for learner in learners]))
    source = PracticeNudgeSource()
    # Enrolments with steps and attempts (3), and the organizations once.
    with django_assert_max_num_queries(4):
        items = source.due_items(learners=fresh, now=START + timedelta(days=2))
    assert {item.text for learner_items in items.values() for item in learner_items} == {
        SAID["fr"]["start_nudge"]
    }


@pytest.mark.parametrize("language", ["de", "fr"])
def test_practice_api_errors_in_the_learners_language(
    api_client, organization, version, step, language
):
    learner = speaker(organization, language)
    enrollment = enrol(learner, version)
    api_client.force_login(learner)
    url = f"/api/v1/enrollments/{enrollment.pk}/attempts/"
    attempt = {"step": step.pk, "what_i_did": "Asked first.", "confidence": 4, "minutes": 5}
    blank = api_client.post(url, {**attempt, "what_i_did": ""}, format="json")
    assert blank.status_code == 400
    assert blank.json()["error"]["fields"]["what_i_did"] == [SAID[language]["api_blank"]]
    # A rule of the service, refused in the same language.
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    refused = api_client.post(url, {**attempt, "practiced_at": future}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == SAID[language]["future"]
