"""Phone-first and offline: error summaries, installable app, the four elements, night shifts."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from practice import services
from tests.factories import UserFactory, published_version

pytestmark = pytest.mark.django_db


def test_error_summary_tops_the_enrol_form_links_each_field_and_keeps_input(
    client, learner, organization
):
    version = published_version(organization, metrics=1)
    metric = version.payoff_metrics.get()
    metric.min_value = 0
    metric.save()
    client.force_login(learner)
    response = client.post(
        reverse("practice:enrol", args=[version.micromastery_id]),
        {"personal_payoff": "Shorter meetings", f"extension0-metric_{metric.pk}": "-5"},
    )
    content = response.content.decode()
    summary = content.split("data-error-summary")[1].split("</div>")[0]
    assert 'role="alert"' in content.split("data-error-summary")[0].rsplit("<div", 1)[1]
    assert f'href="#id_extension0-metric_{metric.pk}"' in summary
    assert "cannot be below 0" in summary
    assert f'id="id_extension0-metric_{metric.pk}"' in content
    assert "Shorter meetings" in content  # what was typed stays


def test_error_summary_tops_the_preferences_form(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("nudges:preferences"),
        {"time_zone": "Mars/Olympus", "work_starts_at": "09:00", "work_ends_at": "09:00"},
    )
    content = response.content.decode()
    assert "data-error-summary" in content
    assert 'href="#id_time_zone"' in content and 'href="#id_work_ends_at"' in content
    assert "must start and end at different times" in content


def test_preferences_accept_a_night_shift(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("nudges:preferences"),
        {
            "subscribed": "on",
            "email_enabled": "on",
            "time_zone": "Asia/Tokyo",
            "work_starts_at": "22:00",
            "work_ends_at": "06:00",
            "working_days": ["1", "2", "3", "4", "5"],
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert (learner.work_starts_at, learner.work_ends_at) == (time(22, 0), time(6, 0))


def test_a_night_shift_learner_sees_the_next_rep_inside_their_shift(client, organization):
    learner = UserFactory(
        organization=organization,
        time_zone="Asia/Tokyo",
        work_starts_at=time(22, 0),
        work_ends_at=time(6, 0),
    )
    version = published_version(organization, steps=1)
    step = version.steps.get()
    enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    # Logged Tuesday 23:00 in Tokyo; 20 hours later is Wednesday 19:00, before the shift.
    with time_machine.travel(datetime(2026, 3, 3, 14, 0, tzinfo=UTC), tick=False):
        services.attempt_log(
            enrollment=enrollment, step=step, what_i_did="Tried", confidence=3, minutes=5
        )
        client.force_login(learner)
        content = client.get(reverse("practice:step", args=[enrollment.pk, step.pk])).content
        home = client.get(reverse("home")).content.decode()
    assert "Next one counts from" in content.decode()
    assert "Wed 4 Mar, 22:00" in content.decode()
    assert "Wed 4 Mar, 19:00" not in content.decode()
    assert "22:00" in home


def test_service_worker_is_served_from_the_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert b'addEventListener("fetch"' in response.content


def test_web_manifest_makes_the_app_installable(client):
    manifest = client.get(reverse("web-manifest")).json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    icon = manifest["icons"][0]["src"]
    assert icon.startswith(settings.STATIC_URL)
    assert finders.find(icon.removeprefix(settings.STATIC_URL))


def test_pages_link_the_manifest_and_the_csp_allows_the_worker(client, learner):
    client.force_login(learner)
    response = client.get(reverse("home"))
    content = response.content.decode()
    assert f'rel="manifest" href="{reverse("web-manifest")}"' in content
    policy = response["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy
    assert "script-src 'self'" in policy and "<script>" not in content


def test_micromastery_page_opens_with_a_jump_list_to_the_four_elements(
    client, learner, organization
):
    version = published_version(organization, steps=3)
    client.force_login(learner)
    content = client.get(reverse("practice:micromastery", args=[version.micromastery_id]))
    content = content.content.decode()
    jump = content.split('aria-label="The four elements"')[1].split("</nav>")[0]
    for anchor in ("#element-context", "#element-way-in", "#element-practice", "#element-payoff"):
        assert f'href="{anchor}"' in jump
        assert f'id="{anchor[1:]}"' in content
    assert content.index('aria-label="The four elements"') < content.index('id="element-context"')
