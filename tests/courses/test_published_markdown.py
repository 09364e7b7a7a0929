"""Published Markdown is rendered once, at publishing, by the one sanitiser; drafts live."""

from unittest import mock

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from courses import services
from micromastery.common import markdown
from tests.factories import EnrollmentFactory, OrganizationFactory, published_version

pytestmark = pytest.mark.django_db

HOSTILE = "Decide **first**. <script>alert(1)</script> [x](javascript:alert(1))"


def test_publishing_stores_each_markdown_field_sanitized(organization, author):
    draft = published_version(organization, status="draft", context_challenge=HOSTILE)
    draft.steps.update(action=HOSTILE)
    draft.payoff_metrics.update(how_to_measure="Count *minutes*.")
    services.version_publish(version=draft, by=author)
    draft.refresh_from_db()
    stored = draft.rendered_html["context_challenge"]
    assert "<strong>first</strong>" in stored
    assert "<script>" not in stored and "javascript:" not in stored
    assert set(draft.rendered_html) == set(draft.MARKDOWN_FIELDS)
    step = draft.steps.first()
    assert step.rendered_html == {
        "action": str(markdown.render_markdown(HOSTILE)),
        "feedback_how": str(markdown.render_markdown(step.feedback_how)),
        "tweak_prompt": str(markdown.render_markdown(step.tweak_prompt)),
    }
    assert draft.payoff_metrics.get().rendered_html == {
        "how_to_measure": "<p>Count <em>minutes</em>.</p>"
    }


def test_step_page_of_a_published_version_renders_no_markdown(client, learner, author):
    draft = published_version(learner.organization, status="draft")
    draft.steps.update(action="Write the **one decision** down.")
    services.version_publish(version=draft, by=author)
    enrollment = EnrollmentFactory(learner=learner, version=draft, micromastery=draft.micromastery)
    step = draft.steps.order_by("order").first()
    client.force_login(learner)
    url = reverse("practice:step", args=[enrollment.pk, step.pk])
    with mock.patch.object(
        markdown.markdown_lib, "markdown", wraps=markdown.markdown_lib.markdown
    ) as renderer:
        page = client.get(url)
    assert page.status_code == 200
    assert "Write the <strong>one decision</strong> down." in page.content.decode()
    assert renderer.call_count == 0


def test_draft_preview_renders_the_text_as_it_is_now(client, organization, author):
    draft = published_version(organization, status="draft", way_in_insight="Old *idea*.")
    draft.way_in_insight = "New **idea**."
    draft.save()
    client.force_login(author)
    page = client.get(reverse("authoring:version_preview", args=[draft.pk]))
    assert page.status_code == 200
    assert "New <strong>idea</strong>." in page.content.decode()
    assert draft.rendered_html == {}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_migration_renders_versions_published_before_it():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("courses")
    old = migrate([("courses", "0003_text_limits")])
    try:
        # Through today's model: the accounts table stays migrated, with columns the
        # historical state of these courses migrations does not know.
        organization = OrganizationFactory(name="Acme", slug="acme")
        micromastery_model = old.get_model("courses", "Micromastery")
        version_model = old.get_model("courses", "MicromasteryVersion")
        versions = {}
        for number, status in ((1, "published"), (2, "draft")):
            micromastery = micromastery_model.objects.create(
                organization_id=organization.pk, slug=f"skill-{number}"
            )
            versions[status] = version_model.objects.create(
                micromastery=micromastery, number=1, status=status, title="Decide",
                context_challenge="A **drifting** meeting.",
            )  # fmt: skip
            old.get_model("courses", "PracticeStep").objects.create(
                version=versions[status], key="s1", title="Step", action="Write it *down*."
            )
    finally:
        new = migrate(latest)
    version_model = new.get_model("courses", "MicromasteryVersion")
    published = version_model.objects.get(pk=versions["published"].pk)
    assert published.rendered_html["context_challenge"] == (
        "<p>A <strong>drifting</strong> meeting.</p>"
    )
    step_model = new.get_model("courses", "PracticeStep")
    assert step_model.objects.get(version=published).rendered_html["action"] == (
        "<p>Write it <em>down</em>.</p>"
    )
    assert version_model.objects.get(pk=versions["draft"].pk).rendered_html == {}
    assert step_model.objects.get(version_id=versions["draft"].pk).rendered_html == {}
