"""The author studio: check-in days as numbers, a live preview of unsaved edits, publish
problems linked to their fields, quality hints."""

import pytest
from django.urls import reverse

from courses.models import MicromasteryVersion, PayoffMetric
from tests.courses.test_admin import change_url, version_post
from tests.factories import UserFactory, published_version

pytestmark = pytest.mark.django_db


def preview_url(version):
    return reverse("authoring:version_preview", args=[version.pk])


def test_checkin_days_are_written_and_shown_as_a_list_of_numbers(client, author):
    draft = published_version(author.organization, status="draft")
    metric = draft.payoff_metrics.get()
    client.force_login(author)
    html = client.get(change_url(draft)).content.decode()
    assert 'name="payoff_metrics-0-checkin_days"' in html
    assert 'value="14, 30, 60, 90"' in html
    response = client.post(
        change_url(draft), version_post(draft, **{"payoff_metrics-0-checkin_days": "7, 30"})
    )
    assert response.status_code == 302
    assert PayoffMetric.objects.get(version=draft).checkin_days == [7, 30]
    assert metric.pk


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("14, soon", "Write whole days after completing, separated by commas"),
        ("0, 30", "whole days after completion"),
    ],
)
def test_checkin_days_refused_with_a_message_and_nothing_changed(client, author, typed, message):
    draft = published_version(author.organization, status="draft")
    before = list(PayoffMetric.objects.filter(version=draft).values_list("checkin_days", "name"))
    client.force_login(author)
    response = client.post(
        change_url(draft),
        version_post(draft, title="Changed", **{"payoff_metrics-0-checkin_days": typed}),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (
        list(PayoffMetric.objects.filter(version=draft).values_list("checkin_days", "name"))
        == before
    )
    draft.refresh_from_db()
    assert draft.title != "Changed"


def test_preview_of_unsaved_edits_renders_them_and_saves_nothing(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(author)
    data = version_post(
        draft,
        title="Unsaved title <b>bold</b>",
        way_in_insight="**The aha** <script>alert(1)</script>",
        **{"steps-0-title": "An edited step", "payoff_metrics-0-name": "Calls back"},
    )
    response = client.post(preview_url(draft), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unsaved title &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<strong>The aha</strong>" in html and "<script>" not in html
    assert "An edited step" in html and "Calls back" in html
    assert "<html" not in html
    draft.refresh_from_db()
    assert draft.title != "Unsaved title <b>bold</b>"
    assert not draft.steps.filter(title="An edited step").exists()


def test_preview_is_refused_to_other_organizations_and_learners(client, author, outsider, learner):
    draft = published_version(author.organization, status="draft")
    client.force_login(outsider)
    assert client.post(preview_url(draft), version_post(draft)).status_code == 404
    client.force_login(learner)
    assert client.post(preview_url(draft), version_post(draft)).status_code == 404


def test_refused_publish_lists_problems_linked_to_fields_without_success_styling(client, author):
    draft = published_version(author.organization, status="draft")
    MicromasteryVersion.objects.filter(pk=draft.pk).update(way_in_insight="")
    draft.refresh_from_db()
    draft.steps.update(feedback_how="")
    client.force_login(author)
    response = client.post(change_url(draft), {**version_post(draft), "_publish": "1"})
    assert response.status_code == 302
    assert "publish_problems=1" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert 'id="publish-problems"' in html
    assert '<a href="#id_way_in_insight">Way In: the key insight is empty.</a>' in html
    assert 'href="#id_steps-0-feedback_how"' in html
    assert 'class="success"' not in html
    # A quality hint beside the practice steps.
    assert "has no way to get feedback" in html


def test_quality_hint_for_a_long_way_in(client, author):
    draft = published_version(author.organization, status="draft")
    MicromasteryVersion.objects.filter(pk=draft.pk).update(
        way_in_insight="One. Two. Three. Four. Five. Six."
    )
    client.force_login(author)
    html = client.get(change_url(draft)).content.decode()
    assert "The key insight runs to 6 sentences" in html


def test_studio_page_of_another_organization_is_not_found(client, author, organization):
    other_author = UserFactory(is_author=True)
    draft = published_version(other_author.organization, status="draft")
    client.force_login(author)
    assert client.get(change_url(draft)).status_code == 404
