"""Preview as a learner, and the Markdown preview behind each textarea's button."""

import pytest
from django.urls import reverse

from tests.factories import MetricFactory, StepFactory, UserFactory, published_version

pytestmark = pytest.mark.django_db


def preview_url(version):
    return reverse("authoring:version_preview", args=[version.pk])


# --- Preview as a learner -----------------------------------------------------------------


def test_version_preview_shows_the_four_elements_in_order(client, author):
    draft = published_version(author.organization, status="draft", steps=0, metrics=0)
    StepFactory(version=draft, order=2, title="Then time the meeting", repetitions_required=3)
    StepFactory(version=draft, order=1, title="Write the decision first", min_spacing_hours=24)
    MetricFactory(version=draft, name="Meeting length", unit="minutes", direction="lower")
    client.force_login(author)
    response = client.get(preview_url(draft))
    assert response.status_code == 200
    content = response.content.decode()
    order = [
        "Context",
        draft.context_challenge,
        "The Way In",
        draft.way_in_insight,
        "Purposeful Practice",
        "Write the decision first",
        "Then time the meeting",
        "Payoff",
        "Meeting length",
    ]
    positions = [content.index(text) for text in order]
    assert positions == sorted(positions)
    assert "2 repetitions, at least 24 hours apart" in content
    assert "3 repetitions, at least 20 hours apart" in content
    assert "Measured in minutes" in content
    assert "Lower is better" in content
    assert 'class="phone-preview"' in content
    assert "version 1, draft" in content


def test_version_preview_renders_markdown_sanitized(client, author):
    draft = published_version(
        author.organization,
        status="draft",
        way_in_insight="**Decide first** <script>alert(1)</script>",
    )
    client.force_login(author)
    content = client.get(preview_url(draft)).content.decode()
    assert "<strong>Decide first</strong>" in content
    assert "<script>alert(1)" not in content


def test_version_preview_query_count_does_not_grow_with_steps(
    client, author, django_assert_num_queries
):
    version = published_version(author.organization, steps=12, metrics=4)
    client.force_login(author)
    # Session, user, the version, its steps, its payoff metrics.
    with django_assert_num_queries(5):
        assert client.get(preview_url(version)).status_code == 200


def test_version_preview_of_another_organization_is_not_found(client, outsider, author):
    version = published_version(author.organization)
    client.force_login(outsider)
    assert client.get(preview_url(version)).status_code == 404


@pytest.mark.parametrize("role", ["learner", "org_admin", "manager"])
def test_version_preview_needs_the_author_role(client, role, request):
    person = request.getfixturevalue(role)
    version = published_version(person.organization, status="draft")
    client.force_login(person)
    assert client.get(preview_url(version)).status_code == 404


def test_version_preview_needs_sign_in(client):
    version = published_version()
    response = client.get(preview_url(version))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_version_change_page_links_to_the_learner_preview(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    response = client.get(reverse("admin:courses_micromasteryversion_change", args=[version.pk]))
    assert preview_url(version) in response.content.decode()


# --- Markdown preview ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("Hello <script>alert('x')</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="javascript:alert(1)">click</a>', "javascript:"),
        ('<p style="color:red" onclick="steal()">Hi</p>', "onclick"),
    ],
)
def test_markdown_preview_sanitizes_unsafe_html(client, author, text, forbidden):
    client.force_login(author)
    response = client.post(reverse("authoring:markdown_preview"), {"text": text})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert forbidden not in response.content.decode().lower()


def test_markdown_preview_renders_markdown(client, author):
    client.force_login(author)
    response = client.post(
        reverse("authoring:markdown_preview"),
        {"text": "**Decide** first\n\n- one\n- two\n\n[More](https://example.com)"},
    )
    content = response.content.decode()
    assert "<strong>Decide</strong>" in content
    assert "<li>one</li>" in content
    assert 'href="https://example.com"' in content


def test_markdown_preview_of_nothing_says_so(client, author):
    client.force_login(author)
    response = client.post(reverse("authoring:markdown_preview"), {"text": "  "})
    assert "Nothing to preview yet." in response.content.decode()


def test_markdown_preview_any_author_may_use_it_and_it_reads_nothing_stored(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("authoring:markdown_preview"), {"text": "Just *this*"})
    assert response.status_code == 200
    assert response.content.decode().strip() == "<p>Just <em>this</em></p>"


@pytest.mark.parametrize("role", ["learner", "org_admin"])
def test_markdown_preview_refuses_non_authors(client, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("authoring:markdown_preview"), {"text": "Hi"})
    assert response.status_code == 403


def test_markdown_preview_refuses_anonymous_and_get(client, author):
    response = client.post(reverse("authoring:markdown_preview"), {"text": "Hi"})
    assert response.status_code == 302
    client.force_login(author)
    assert client.get(reverse("authoring:markdown_preview")).status_code == 405


def test_markdown_preview_requires_csrf(author):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(author)
    response = strict.post(reverse("authoring:markdown_preview"), {"text": "Hi"})
    assert response.status_code == 403


def test_markdown_preview_inactive_author_refused(client, organization):
    person = UserFactory(organization=organization, is_author=True, is_active=False)
    client.force_login(person)
    response = client.post(reverse("authoring:markdown_preview"), {"text": "Hi"})
    # An inactive account is signed out, so it is sent to the sign-in page.
    assert response.status_code == 302
