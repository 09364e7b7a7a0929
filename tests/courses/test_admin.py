"""The authoring tool in the admin: editing drafts, the lifecycle, tenancy and roles."""

import pytest
from django.urls import reverse

from courses.models import Micromastery, MicromasteryVersion, PracticeStep
from tests.factories import (
    MicromasteryFactory,
    TopicFactory,
    UserFactory,
    VersionFactory,
    published_version,
)

pytestmark = pytest.mark.django_db


def change_url(version):
    return reverse("admin:courses_micromasteryversion_change", args=[version.pk])


def management(prefix, total, initial):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def version_post(version, **overrides):
    """What the change page posts for ``version`` as it is stored, plus ``overrides``."""
    data = {
        "title": version.title,
        "summary": version.summary,
        "estimated_minutes": str(version.estimated_minutes),
        "context_challenge": version.context_challenge,
        "context_audience": version.context_audience,
        "context_why_it_matters": version.context_why_it_matters,
        "way_in_insight": version.way_in_insight,
        "way_in_missing_link": version.way_in_missing_link,
        "way_in_media_url": version.way_in_media_url,
    }
    steps = list(version.steps.all())
    data.update(management("steps", len(steps), len(steps)))
    for index, step in enumerate(steps):
        data.update(
            {
                f"steps-{index}-id": str(step.pk),
                f"steps-{index}-version": str(version.pk),
                f"steps-{index}-order": str(step.order),
                f"steps-{index}-title": step.title,
                f"steps-{index}-action": step.action,
                f"steps-{index}-feedback_how": step.feedback_how,
                f"steps-{index}-tweak_prompt": step.tweak_prompt,
                f"steps-{index}-repetitions_required": str(step.repetitions_required),
                f"steps-{index}-min_spacing_hours": str(step.min_spacing_hours),
                f"steps-{index}-evidence_kind": step.evidence_kind,
            }
        )
    metrics = list(version.payoff_metrics.all())
    data.update(management("payoff_metrics", len(metrics), len(metrics)))
    for index, metric in enumerate(metrics):
        data.update(
            {
                f"payoff_metrics-{index}-id": str(metric.pk),
                f"payoff_metrics-{index}-version": str(version.pk),
                f"payoff_metrics-{index}-order": str(metric.order),
                f"payoff_metrics-{index}-name": metric.name,
                f"payoff_metrics-{index}-unit": metric.unit,
                f"payoff_metrics-{index}-direction": metric.direction,
                f"payoff_metrics-{index}-how_to_measure": metric.how_to_measure,
                f"payoff_metrics-{index}-target_change": str(metric.target_change or ""),
                f"payoff_metrics-{index}-reported_by": metric.reported_by,
                f"payoff_metrics-{index}-checkin_days": "[14, 30, 60, 90]",
                f"payoff_metrics-{index}-value_basis": metric.value_basis,
            }
        )
    data.update(overrides)
    return data


# --- The change page ----------------------------------------------------------------------


def test_version_change_page_shows_four_elements_in_order_with_teaching(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(author)
    response = client.get(change_url(draft))
    assert response.status_code == 200
    content = response.content.decode()
    headings = ["1. Context", "2. The Way In", "3. Purposeful Practice", "4. Payoff"]
    positions = [content.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert "the problem with the status quo that this skill solves" in content
    assert "courses/markdown_preview.js" in content
    assert "data-markdown-preview-url" in content
    assert "<script>" not in content.replace("<script src=", "")


def test_version_change_page_teaching_is_formatted_without_marking_text_safe(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(author)
    content = client.get(change_url(draft)).content.decode()
    for heading in ("Purposeful Practice: a routine", "Payoff: what success looks like"):
        assert f"<strong>{heading}" in content
        assert f"&lt;strong&gt;{heading}" not in content


def test_version_draft_saves_content_and_reordered_steps_through_services(client, author):
    draft = published_version(author.organization, status="draft", steps=2)
    first, second = draft.steps.all()
    client.force_login(author)
    data = version_post(
        draft,
        title="Run a 15-minute stand-up",
        context_challenge="Stand-ups run for 40 minutes.",
        **{"steps-0-order": "2", "steps-1-order": "1", "steps-1-title": "Start on time"},
    )
    response = client.post(change_url(draft), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.title == "Run a 15-minute stand-up"
    assert draft.context_challenge == "Stand-ups run for 40 minutes."
    steps = list(draft.steps.order_by("order"))
    assert [(step.title, step.key, step.order) for step in steps] == [
        ("Start on time", second.key, 1),
        (first.title, first.key, 2),
    ]


def test_version_draft_adds_and_deletes_steps(client, author):
    draft = published_version(author.organization, status="draft", steps=2)
    _, second = draft.steps.all()
    client.force_login(author)
    data = version_post(draft, **{"steps-0-DELETE": "on"})
    data.update(management("steps", 3, 2))
    data.update(
        {
            "steps-2-version": str(draft.pk),
            "steps-2-title": "Step 1",
            "steps-2-action": "Ask for one decision.",
            "steps-2-repetitions_required": "3",
            "steps-2-min_spacing_hours": "20",
            "steps-2-evidence_kind": "reflection",
        }
    )
    response = client.post(change_url(draft), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    steps = list(draft.steps.order_by("order"))
    # The new step is named like the deleted one, yet never takes a kept step's key.
    assert [step.title for step in steps] == [second.title, "Step 1"]
    assert steps[0].key == second.key
    assert len({step.key for step in steps}) == 2


def test_version_draft_invalid_input_shows_errors_and_changes_nothing(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(author)
    data = version_post(draft, title="", **{"steps-0-repetitions_required": "99"})
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    draft.refresh_from_db()
    assert draft.title != ""
    assert draft.steps.first().repetitions_required == 2


# --- Published versions are read-only -----------------------------------------------------


def test_published_version_change_page_is_read_only_with_banner(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    response = client.get(change_url(version))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Published versions cannot change: make a new version" in content
    assert 'name="title"' not in content
    assert 'name="steps-0-action"' not in content
    assert 'name="_save"' not in content
    assert "deletelink" not in content
    assert version.way_in_insight in content


def test_published_version_post_changes_nothing(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    data = version_post(version, title="Sneaky edit", **{"steps-0-title": "Sneaky step"})
    response = client.post(change_url(version), data)
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.title != "Sneaky edit"
    assert not version.steps.filter(title="Sneaky step").exists()
    delete = client.post(
        reverse("admin:courses_micromasteryversion_delete", args=[version.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert MicromasteryVersion.objects.filter(pk=version.pk).exists()


def test_archived_version_is_read_only_too(client, author):
    version = published_version(author.organization, status="archived")
    client.force_login(author)
    response = client.get(change_url(version))
    assert "Published versions cannot change" in response.content.decode()
    assert client.post(change_url(version), version_post(version)).status_code == 403


def test_draft_published_by_someone_else_refuses_a_stale_save(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(author)
    data = version_post(draft, title="Late edit")
    # Another author publishes the draft between loading the page and saving it.
    MicromasteryVersion.objects.filter(pk=draft.pk).update(status="published")
    # The page now refuses (403) because the admin reflects the service's rule.
    assert client.post(change_url(draft), data).status_code == 403
    draft.refresh_from_db()
    assert draft.title != "Late edit"


# --- Publishing ---------------------------------------------------------------------------


def test_publish_button_refused_lists_what_is_missing(client, author):
    draft = VersionFactory(
        micromastery=MicromasteryFactory(organization=author.organization), way_in_insight=""
    )
    client.force_login(author)
    response = client.post(change_url(draft), {**version_post(draft), "_publish": "1"}, follow=True)
    content = response.content.decode()
    assert "is not published yet" in content
    assert "Way In: the key insight is empty." in content
    assert "Practice: add at least one step." in content
    assert "Payoff: add at least one metric with a unit." in content
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_publish_button_saves_then_publishes_a_complete_draft(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(author)
    response = client.post(
        change_url(draft), {**version_post(draft, title="Final title"), "_publish": "1"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.status, draft.published_by) == ("Final title", "published", author)


def test_publish_list_action_reports_each_version(client, author):
    complete = published_version(author.organization, status="draft")
    incomplete = VersionFactory(
        micromastery=MicromasteryFactory(organization=author.organization), context_audience=""
    )
    client.force_login(author)
    response = client.post(
        reverse("admin:courses_micromasteryversion_changelist"),
        {"action": "publish_selected", "_selected_action": [complete.pk, incomplete.pk]},
        follow=True,
    )
    content = response.content.decode()
    assert f"“{complete.title}” version 1 is published." in content
    assert "Context: who it is for is empty." in content
    complete.refresh_from_db()
    incomplete.refresh_from_db()
    assert (complete.status, incomplete.status) == ("published", "draft")


# --- New version, duplicate, archive ------------------------------------------------------


def test_new_version_button_opens_the_new_draft(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    response = client.post(
        reverse("admin:courses_micromasteryversion_new_version", args=[version.pk])
    )
    draft = MicromasteryVersion.objects.get(micromastery=version.micromastery, number=2)
    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    assert draft.status == "draft"
    assert list(draft.steps.values_list("key", flat=True)) == ["step-1", "step-2"]


def test_new_version_refused_when_a_draft_exists(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    url = reverse("admin:courses_micromasteryversion_new_version", args=[version.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "already a draft" in response.content.decode()
    assert MicromasteryVersion.objects.filter(micromastery=version.micromastery).count() == 2
    page = client.get(change_url(version)).content.decode()
    assert "Edit the draft (version 2)" in page


def test_new_version_list_action_opens_the_draft(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    response = client.post(
        reverse("admin:courses_micromasteryversion_changelist"),
        {"action": "new_version_selected", "_selected_action": [version.pk]},
    )
    draft = MicromasteryVersion.objects.get(micromastery=version.micromastery, number=2)
    assert response["Location"] == change_url(draft)


def test_duplicate_button_makes_a_new_micromastery(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    response = client.post(
        reverse("admin:courses_micromasteryversion_duplicate", args=[version.pk])
    )
    copy = MicromasteryVersion.objects.exclude(micromastery=version.micromastery).get()
    assert response["Location"] == change_url(copy)
    assert copy.title == f"Copy of {version.title}"
    assert copy.micromastery.organization == author.organization
    assert copy.steps.count() == 2


def test_archive_button_takes_the_version_out_of_the_catalog(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    response = client.post(
        reverse("admin:courses_micromasteryversion_archive", args=[version.pk]), follow=True
    )
    assert "is archived" in response.content.decode()
    version.refresh_from_db()
    assert version.status == "archived"


def test_archive_list_action_refuses_a_draft_only_micromastery(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(author)
    response = client.post(
        reverse("admin:courses_micromasteryversion_changelist"),
        {"action": "archive_selected", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "Only a published micromastery can be archived." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_lifecycle_buttons_need_post(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    url = reverse("admin:courses_micromasteryversion_new_version", args=[version.pk])
    assert client.get(url).status_code == 405
    assert MicromasteryVersion.objects.count() == 1


def test_draft_delete_goes_with_its_micromastery_when_it_was_the_only_version(client, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(author)
    response = client.post(
        reverse("admin:courses_micromasteryversion_delete", args=[draft.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Micromastery.objects.filter(pk=draft.micromastery_id).exists()
    assert not PracticeStep.objects.exists()


# --- Starting a micromastery --------------------------------------------------------------


def test_add_micromastery_asks_for_a_title_and_opens_the_draft(client, author, organization):
    topic = TopicFactory(organization=organization, name="Meetings")
    client.force_login(author)
    page = client.get(reverse("admin:courses_micromastery_add"))
    assert page.status_code == 200
    assert "Meetings" in page.content.decode()
    response = client.post(
        reverse("admin:courses_micromastery_add"),
        {"title": "Say no to a meeting", "topics": [topic.pk]},
    )
    draft = MicromasteryVersion.objects.get()
    assert response["Location"] == change_url(draft)
    assert (draft.title, draft.number, draft.status) == ("Say no to a meeting", 1, "draft")
    assert draft.created_by == author
    assert draft.micromastery.organization == organization
    assert list(draft.micromastery.topics.all()) == [topic]


def test_add_micromastery_refuses_another_organizations_topic(client, author, other_organization):
    foreign = TopicFactory(organization=other_organization, name="Globex secrets")
    client.force_login(author)
    page = client.get(reverse("admin:courses_micromastery_add")).content.decode()
    assert "Globex secrets" not in page
    response = client.post(
        reverse("admin:courses_micromastery_add"), {"title": "Sneak", "topics": [foreign.pk]}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Micromastery.objects.exists()


def test_micromastery_page_lists_version_history_with_links(client, author):
    version = published_version(author.organization)
    client.force_login(author)
    client.post(reverse("admin:courses_micromasteryversion_new_version", args=[version.pk]))
    response = client.get(
        reverse("admin:courses_micromastery_change", args=[version.micromastery_id])
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert change_url(version) in content
    draft = MicromasteryVersion.objects.get(micromastery=version.micromastery, number=2)
    assert change_url(draft) in content


def test_micromastery_topics_saved_through_service(client, author, organization):
    version = published_version(organization)
    topic = TopicFactory(organization=organization, name="Meetings")
    client.force_login(author)
    url = reverse("admin:courses_micromastery_change", args=[version.micromastery_id])
    data = {"topics": [topic.pk]}
    data.update(management("versions", 1, 1))
    data.update(
        {"versions-0-id": str(version.pk), "versions-0-micromastery": str(version.micromastery_id)}
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(version.micromastery.topics.all()) == [topic]


# --- The version list ---------------------------------------------------------------------


def test_version_list_shows_columns_search_and_topic_filter(client, author, organization):
    topic = TopicFactory(organization=organization, name="Meetings")
    other_topic = TopicFactory(organization=organization, name="Writing")
    meeting = published_version(organization, title="Run a stand-up")
    meeting.micromastery.topics.set([topic])
    writing = published_version(organization, status="draft", title="Write a one-pager")
    writing.micromastery.topics.set([other_topic])
    meeting.created_by = author
    meeting.save()
    client.force_login(author)
    url = reverse("admin:courses_micromasteryversion_changelist")

    def titles_listed(params):
        content = client.get(url, params).content.decode()
        return {title for title in ("Run a stand-up", "Write a one-pager") if title in content}

    assert titles_listed({}) == {"Run a stand-up", "Write a one-pager"}
    assert author.display_name in client.get(url).content.decode()
    assert titles_listed({"topic": topic.pk}) == {"Run a stand-up"}
    assert titles_listed({"q": writing.micromastery.slug}) == {"Write a one-pager"}
    assert titles_listed({"q": "stand-up"}) == {"Run a stand-up"}
    assert titles_listed({"status__exact": "draft"}) == {"Write a one-pager"}


def test_version_list_query_count_does_not_grow_with_rows(
    client, author, organization, django_assert_num_queries
):
    topic = TopicFactory(organization=organization)
    for _ in range(30):
        version = published_version(organization, steps=1)
        version.micromastery.topics.set([topic])
        version.created_by = author
        version.save()
    client.force_login(author)
    url = reverse("admin:courses_micromasteryversion_changelist")
    client.get(url)
    # Session, user, topic filter choices, two counts, the admin sidebar's two permission
    # look-ups, the page of versions with their micromastery and author, one prefetch of
    # their topics: the same for 30 rows as for 1.
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="action-select"') == 30


# --- Tenancy and roles --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:courses_micromasteryversion_change",
        "admin:courses_micromasteryversion_history",
        "admin:courses_micromasteryversion_delete",
    ],
)
def test_version_of_another_organization_is_not_found(client, outsider, author, url_name):
    version = published_version(author.organization, status="draft")
    client.force_login(outsider)
    assert client.get(reverse(url_name, args=[version.pk])).status_code == 404


@pytest.mark.parametrize("name", ["publish", "new_version", "duplicate", "archive"])
def test_lifecycle_buttons_on_another_organization_are_not_found(client, outsider, author, name):
    version = published_version(author.organization)
    client.force_login(outsider)
    url = reverse(f"admin:courses_micromasteryversion_{name}", args=[version.pk])
    assert client.post(url).status_code == 404
    version.refresh_from_db()
    assert version.status == "published"
    assert MicromasteryVersion.objects.count() == 1


def test_list_action_cannot_reach_another_organizations_versions(client, outsider, author):
    version = published_version(author.organization)
    client.force_login(outsider)
    client.post(
        reverse("admin:courses_micromasteryversion_changelist"),
        {"action": "archive_selected", "_selected_action": [version.pk]},
    )
    version.refresh_from_db()
    assert version.status == "published"


def test_outsider_post_to_our_draft_changes_nothing(client, outsider, author):
    draft = published_version(author.organization, status="draft")
    client.force_login(outsider)
    response = client.post(change_url(draft), version_post(draft, title="Taken over"))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.title != "Taken over"


def test_version_list_shows_only_own_organization(client, author, outsider):
    ours = published_version(author.organization, title="Our skill")
    theirs = published_version(outsider.organization, title="Their skill")
    TopicFactory(organization=outsider.organization, name="Their topic")
    client.force_login(author)
    content = client.get(reverse("admin:courses_micromasteryversion_changelist")).content.decode()
    assert ours.title in content
    assert theirs.title not in content
    assert "Their topic" not in content


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:courses_micromastery_change",
        "admin:courses_topic_change",
        "admin:courses_course_change",
    ],
)
def test_other_organizations_rows_are_not_found(client, outsider, author, url_name):
    from tests.factories import CourseFactory

    version = published_version(author.organization)
    rows = {
        "admin:courses_micromastery_change": version.micromastery,
        "admin:courses_topic_change": TopicFactory(organization=author.organization),
        "admin:courses_course_change": CourseFactory(organization=author.organization),
    }
    client.force_login(outsider)
    assert client.get(reverse(url_name, args=[rows[url_name].pk])).status_code == 404


def test_learner_has_no_authoring_admin(client, learner):
    version = published_version(learner.organization, status="draft")
    client.force_login(learner)
    for url in [
        reverse("admin:courses_micromasteryversion_changelist"),
        change_url(version),
        reverse("admin:courses_micromastery_add"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_org_admin_without_author_flag_is_refused(client, org_admin):
    version = published_version(org_admin.organization, status="draft")
    client.force_login(org_admin)
    index = client.get(reverse("admin:index")).content.decode()
    assert "Micromastery versions" not in index
    for url in [
        reverse("admin:courses_micromasteryversion_changelist"),
        change_url(version),
        reverse("admin:courses_micromastery_add"),
        reverse("admin:courses_topic_changelist"),
        reverse("admin:courses_course_changelist"),
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("admin:courses_micromasteryversion_new_version", args=[version.pk])
    )
    assert response.status_code == 403


def test_org_admin_who_is_also_an_author_may_author(client, organization):
    person = UserFactory(organization=organization, is_org_admin=True, is_author=True)
    client.force_login(person)
    assert client.get(reverse("admin:courses_micromasteryversion_changelist")).status_code == 200


def test_version_draft_keeps_payoff_metric_keys_when_reordered(client, author):
    draft = published_version(author.organization, status="draft", metrics=2, steps=1)
    client.force_login(author)
    data = version_post(draft, **{"payoff_metrics-0-order": "2", "payoff_metrics-1-order": "1"})
    assert client.post(change_url(draft), data).status_code == 302
    keys = list(draft.payoff_metrics.order_by("order").values_list("key", flat=True))
    assert keys == ["metric-2", "metric-1"]
