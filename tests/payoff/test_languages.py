"""The payoff pages, exports, chart and check-in nudge in each person's language."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from payoff.nudges import PayoffCheckinNudgeSource
from payoff.rollups import rollups_rebuild
from tests.factories import EnrollmentFactory, UserFactory
from tests.payoff.conftest import NOW

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def german_manager(dataset, manager, organization):
    """The dataset's manager reads German; the organization prices an hour at 1,234.50."""
    organization.hourly_cost_rate = Decimal("1234.50")
    organization.save()
    rollups_rebuild()
    manager.language = "de"
    manager.save()
    return manager


def visible_text(html):
    main = html[html.index("<main") :]
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", main))


def test_dashboard_for_a_german_manager_has_german_labels_and_numbers(client, german_manager):
    client.force_login(german_manager)
    response = client.get(reverse("payoff:dashboard"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "de"
    text = visible_text(response.content.decode())
    # Headings, figure labels and their one-line explanations.
    for heading in ("Nutzen-Dashboard", "1. Reichweite", "2. Üben", "6. Wert", "7. Erinnerungen"):
        assert heading in text
    assert "Eingeschrieben 3 Nicht abgebrochene Einschreibungen" in text
    assert "Sicherheit beim letzten Versuch 3,5 Mittlere Sicherheit (1 bis 5)" in text
    # The band, with its period.
    assert "Reichweite 3 eingeschrieben" in text
    assert f"Können 50{NBSP}% der Schritte erledigt" in text
    # Numbers with a decimal comma, a thousands dot, and the percent sign spaced.
    assert f"(66,7{NBSP}% aller Einschreibungen)" in text
    assert "Versuche pro aktiver Person und Woche 1,75" in text
    # Money in German: amount, then the currency, with its period and basis beside it.
    assert f"Wert der Veränderung 1.254,50{NBSP}€ In den letzten 90 Tagen" in text
    assert f"x den Stundenkostensatz 1.234,50{NBSP}€." in text
    # Results in the viewer's words, the author's metric name as written.
    assert "Meeting length (minutes), niedriger ist besser" in text
    assert f"Mit Erinnerungen 1 15 25{NBSP}% 100{NBSP}% (1 von 1)" in text
    assert "5 schlechter (1)" in text
    # Dates as German writes them.
    assert "15. Juni 2026" in text
    for english in ("Payoff dashboard", "Enrolled", "not measured yet", "In the last 90 days"):
        assert english not in text


def test_dashboard_for_an_english_manager_stays_english(client, dataset, manager):
    client.force_login(manager)
    text = visible_text(client.get(reverse("payoff:dashboard")).content.decode())
    assert "Payoff dashboard" in text
    assert "(66.7% of enrolled)" in text
    assert "Value of the change €70.00 In the last 90 days" in text
    assert "June 15, 2026" in text


def test_csv_export_has_german_headers_and_machine_readable_numbers(client, german_manager):
    client.force_login(german_manager)
    response = client.get(reverse("payoff:dashboard-csv"))
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Bereich", "Zahl", "Gruppe", "Wert", "Einheit", "Berechnung"]
    by_label = {row[1]: row for row in rows[1:]}
    # Labels and explanations in German; the numbers keep a dot so spreadsheets and
    # scripts read them whatever their locale.
    assert by_label["Versuche pro aktiver Person und Woche"][:4] == [
        "Üben", "Versuche pro aktiver Person und Woche", "", "1.75",
    ]  # fmt: skip
    assert by_label["Wert der Veränderung"][3:5] == ["1254.5", "EUR"]
    assert by_label["Woche ab 2026-06-15"][5] == "1 Versuch von 1 aktiven lernenden Person"

    learners = client.get(reverse("payoff:learners-csv"))
    body = b"".join(learners.streaming_content).decode("utf-8").lstrip("\ufeff")
    header, *lines = list(csv.reader(io.StringIO(body)))
    assert header[:4] == ["Lernende(r)", "E-Mail", "Micromastery", "Kontrollgruppe"]
    ben = next(line for line in lines if line[0] == "Ben Okri")
    assert ben[3] == "ja"
    assert ben[4] == (NOW - timedelta(days=20)).date().isoformat()


def test_practice_chart_speaks_the_viewers_language(client, german_manager):
    client.force_login(german_manager)
    svg = client.get(reverse("payoff:practice-chart")).content.decode()
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "Versuche pro aktiver Person, nach Woche" in labels
    assert "15. Juni" in labels
    assert "0,2" in labels  # the axis with a decimal comma


def test_check_in_page_for_a_french_learner_is_in_french(client, two_metrics):
    learner, enrollment, minutes, calls = two_metrics
    learner.language = "fr"
    learner.save()
    client.force_login(learner)
    url = reverse("payoff:checkin", args=[enrollment.pk])
    html = client.get(url).content.decode()
    assert "<h1>Relevé des bénéfices</h1>" in html
    assert "Plan the day in five minutes : qu'est-ce que la pratique vous a apporté ?" in html
    assert "Planning time maintenant (minutes)" in html
    assert "Calls back avant de commencer (calls)" in html
    assert "Enregistrer mon relevé" in html
    refused = client.post(
        url, {f"metric-{minutes.pk}-value": "8", f"metric-{calls.pk}-value": "300",
              f"metric-{calls.pk}-no_baseline": "on"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "Calls back ne peut pas être supérieur à 50 calls." in refused.content.decode()
    saved = client.post(
        url, {f"metric-{minutes.pk}-value": "8", f"metric-{calls.pk}-no_baseline": "on"},
        follow=True,
    )  # fmt: skip
    assert "Votre relevé est enregistré : Planning time." in saved.content.decode()


def test_check_in_page_for_a_german_learner_says_when_the_first_comes(client, two_metrics):
    learner, enrollment, *_ = two_metrics
    enrollment.completed_at = NOW - timedelta(days=3)
    enrollment.save()
    learner.language = "de"
    learner.save()
    client.force_login(learner)
    html = client.get(reverse("payoff:checkin", args=[enrollment.pk])).content.decode()
    assert "Dein erster Check-in ist am" in html
    assert ">Freitag, 26. Juni 2026</time>" in html
    assert "Wir erinnern dich daran." in html


def test_check_in_nudge_is_in_each_recipients_language_not_the_planners(two_metrics):
    french, enrollment, *_ = two_metrics
    french.language = "fr"
    french.save()
    english = UserFactory(organization=french.organization, language="en")
    EnrollmentFactory(
        learner=english, version=enrollment.version, status="completed",
        completed_at=NOW - timedelta(days=20),
    )  # fmt: skip
    # Whatever runs the planner speaks German.
    with translation.override("de"):
        due = PayoffCheckinNudgeSource().due_items(learners=[french, english], now=NOW)
    assert [item.text for item in due[french.pk]] == [
        "Relevé à 14 jours : qu'est-ce que cela vous apporte ? Indiquez Planning time, Calls back."
    ]
    assert [item.text for item in due[english.pk]] == [
        "14-day check-in: how is it paying off? Report Planning time, Calls back."
    ]


def test_api_refusal_follows_the_callers_language(api_client, two_metrics):
    learner, enrollment, minutes, _calls = two_metrics
    api_client.force_authenticate(learner)
    response = api_client.post(
        f"/api/v1/enrollments/{enrollment.pk}/measurements/",
        {"metric": minutes.pk, "value": "1500"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["value"] == [
        "Planning time no puede ser superior a 120 minutes."
    ]
