"""The services the authoring admin saves through."""

import pytest

from courses import services
from courses.models import Micromastery, MicromasteryVersion
from micromastery.common.errors import ApplicationError
from tests.factories import TopicFactory, published_version

pytestmark = pytest.mark.django_db


def test_version_save_draft_is_all_or_nothing(organization):
    draft = published_version(organization, status="draft")
    with pytest.raises(ApplicationError, match="Practice step 1"):
        services.version_save_draft(
            version=draft,
            content={"title": "New title"},
            steps=[{"title": "Too many", "action": "Do it", "repetitions_required": 99}],
            payoff_metrics=[],
        )
    draft.refresh_from_db()
    assert draft.title != "New title"
    assert draft.steps.count() == 2
    assert draft.payoff_metrics.count() == 1


def test_version_save_draft_refuses_a_published_version(organization):
    version = published_version(organization)
    with pytest.raises(ApplicationError, match="cannot change"):
        services.version_save_draft(
            version=version, content={"title": "Changed"}, steps=[], payoff_metrics=[]
        )
    version.refresh_from_db()
    assert version.title != "Changed"


def test_version_replace_parts_never_gives_a_kept_key_to_a_new_step(organization):
    draft = published_version(organization, status="draft", steps=0)
    services.version_replace_parts(
        version=draft,
        steps=[
            {"title": "Step 1", "action": "New step named like the kept one"},
            {"key": "step-1", "title": "Kept", "action": "Kept step"},
            {"key": "step-1", "title": "Copied", "action": "Pasted with the same key"},
        ],
    )
    keys = dict(draft.steps.values_list("title", "key"))
    assert keys["Kept"] == "step-1"
    assert keys["Step 1"] != "step-1"
    assert len(set(keys.values())) == 3


def test_version_delete_draft_refuses_published_and_takes_an_empty_micromastery(organization):
    version = published_version(organization)
    with pytest.raises(ApplicationError, match="only a draft can be deleted"):
        services.version_delete_draft(version=version)
    draft = services.version_create_draft(version=version, by=None)
    services.version_delete_draft(version=draft)
    assert Micromastery.objects.filter(pk=version.micromastery_id).exists()
    assert list(MicromasteryVersion.objects.all()) == [version]


def test_micromastery_set_topics_refuses_another_organizations_topic(
    organization, other_organization
):
    version = published_version(organization)
    foreign = TopicFactory(organization=other_organization)
    with pytest.raises(ApplicationError, match="organization"):
        services.micromastery_set_topics(micromastery=version.micromastery, topics=[foreign])
    assert not version.micromastery.topics.exists()


def test_topic_rename_keeps_the_slug_and_refuses_an_empty_name(organization):
    topic = services.topic_upsert(organization=organization, name="Running meetings")
    services.topic_rename(topic=topic, name="Meetings")
    topic.refresh_from_db()
    assert (topic.name, topic.slug) == ("Meetings", "running-meetings")
    with pytest.raises(ApplicationError, match="Give the topic a name"):
        services.topic_rename(topic=topic, name="  ")


def test_micromastery_create_refuses_21_steps_and_writes_nothing(organization, author):
    steps = [{"title": f"Step {index}", "action": "Do it."} for index in range(21)]
    with pytest.raises(ApplicationError, match="at most 20 practice steps") as refused:
        services.micromastery_create(
            organization=organization, by=author, title="Too long a routine", steps=steps
        )
    assert list(refused.value.fields) == ["steps"]
    assert not Micromastery.objects.exists()


def test_version_replace_parts_refuses_11_metrics_and_keeps_the_old_ones(organization):
    draft = published_version(organization, status="draft", metrics=1)
    metrics = [{"name": f"Metric {index}", "unit": "minutes"} for index in range(11)]
    with pytest.raises(ApplicationError, match="at most 10 payoff metrics"):
        services.version_replace_parts(version=draft, payoff_metrics=metrics)
    assert draft.payoff_metrics.count() == 1


def test_version_save_draft_refuses_an_over_long_way_in(organization):
    draft = published_version(organization, status="draft")
    with pytest.raises(ApplicationError) as refused:
        services.version_save_draft(
            version=draft,
            content={"way_in_insight": "x" * 4001},
            steps=[],
            payoff_metrics=[],
        )
    assert "way_in_insight" in refused.value.fields
    draft.refresh_from_db()
    assert len(draft.way_in_insight) < 4001
    assert draft.steps.count() == 2


def test_topic_upsert_names_without_slug_characters_stay_apart(organization):
    exclaimed = services.topic_upsert(organization=organization, name="!!!")
    questioned = services.topic_upsert(organization=organization, name="¿¿")
    assert exclaimed != questioned
    assert [(t.name, t.slug) for t in organization.topics.order_by("pk")] == [
        ("!!!", "topic"),
        ("¿¿", "topic-2"),
    ]
    # The same name again is the same topic, and a name that happens to make a fallback
    # slug is a topic of its own.
    assert services.topic_upsert(organization=organization, name="!!!") == exclaimed
    topic_two = services.topic_upsert(organization=organization, name="Topic 2")
    assert topic_two not in (exclaimed, questioned)
    assert topic_two.slug == "topic-2-2"
    assert organization.topics.count() == 3


def test_topic_upsert_finds_a_topic_by_its_name_or_slug(organization):
    topic = services.topic_upsert(organization=organization, name="Running meetings")
    assert services.topic_upsert(organization=organization, name="running meetings!") == topic
    assert services.topic_upsert(organization=organization, name="RUNNING MEETINGS") == topic
    assert organization.topics.count() == 1


def test_micromastery_create_keeps_topics_without_slug_characters_apart(organization, author):
    version = services.micromastery_create(
        organization=organization, by=author, title="¡¡¡", topics=["!!!", "¿¿", "!!!"]
    )
    other = services.micromastery_create(organization=organization, by=author, title="¿¿")
    assert sorted(version.micromastery.topics.values_list("name", flat=True)) == ["!!!", "¿¿"]
    assert (version.micromastery.slug, other.micromastery.slug) == (
        "micromastery",
        "micromastery-2",
    )


def test_micromastery_slugs_from_long_titles_fit_the_field(organization, author):
    title = "x" * 120
    first = services.micromastery_create(organization=organization, by=author, title=title)
    second = services.micromastery_create(organization=organization, by=author, title=title)
    limit = Micromastery._meta.get_field("slug").max_length
    assert len(first.micromastery.slug) <= limit
    assert len(second.micromastery.slug) <= limit
    assert second.micromastery.slug.endswith("-2")
    assert first.micromastery.slug != second.micromastery.slug
