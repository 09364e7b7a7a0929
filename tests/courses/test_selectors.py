import pytest
from django.http import Http404

from courses import selectors
from tests.factories import CourseFactory, TopicFactory, published_version

pytestmark = pytest.mark.django_db


def test_micromastery_list_shows_only_published_versions_of_own_organization(
    organization, other_organization, learner
):
    ours = published_version(organization, title="Run a stand-up")
    published_version(organization, status="draft", title="Half-written draft")
    published_version(organization, status="archived", title="Retired one")
    published_version(other_organization, title="Globex secret")

    titles = [version.title for version in selectors.micromastery_list(viewer=learner)]

    assert titles == [ours.title]


def test_micromastery_list_filters_by_topic_and_search(organization, learner):
    meetings = TopicFactory(organization=organization, name="Meetings", slug="meetings")
    standup = published_version(organization, title="Run a stand-up", summary="Fifteen minutes")
    standup.micromastery.topics.add(meetings)
    published_version(organization, title="Write an email", summary="One read, one reply")

    by_topic = selectors.micromastery_list(viewer=learner, topic="meetings")
    by_summary = selectors.micromastery_list(viewer=learner, search="ONE READ")

    assert [version.title for version in by_topic] == ["Run a stand-up"]
    assert [version.title for version in by_summary] == ["Write an email"]


def test_micromastery_get_of_another_organization_is_not_found(other_organization, learner):
    theirs = published_version(other_organization)
    with pytest.raises(Http404):
        selectors.micromastery_get(viewer=learner, micromastery_id=theirs.micromastery_id)


def test_micromastery_get_prefetches_steps_and_metrics(
    organization, learner, django_assert_num_queries
):
    version = published_version(organization, steps=5, metrics=2)
    with django_assert_num_queries(4):
        found = selectors.micromastery_get(viewer=learner, micromastery_id=version.micromastery_id)
        assert [step.order for step in found.steps.all()] == [1, 2, 3, 4, 5]
        assert len(found.payoff_metrics.all()) == 2
        assert list(found.micromastery.topics.all()) == []


def test_authored_micromastery_get_needs_an_author_of_the_organization(
    organization, author, learner, outsider
):
    draft = published_version(organization, status="draft")
    found = selectors.authored_micromastery_get(
        viewer=author, micromastery_id=draft.micromastery_id
    )
    assert found == draft.micromastery
    for viewer in (learner, outsider):
        with pytest.raises(Http404):
            selectors.authored_micromastery_get(viewer=viewer, micromastery_id=found.pk)


def test_course_list_orders_micromasteries_and_skips_unpublished(organization, learner):
    first = published_version(organization, title="First")
    second = published_version(organization, title="Second")
    draft_only = published_version(organization, status="draft", title="Not yet")
    CourseFactory(
        organization=organization,
        title="Path",
        micromasteries=[second.micromastery, draft_only.micromastery, first.micromastery],
    )
    CourseFactory(organization=organization, title="Draft course", status="draft")

    courses = list(selectors.course_list(viewer=learner))

    assert [course.title for course in courses] == ["Path"]
    items = courses[0].published_items
    assert [item.micromastery.published_versions[0].title for item in items] == [
        "Second",
        "First",
    ]


def test_course_get_of_another_organization_is_not_found(other_organization, learner):
    theirs = CourseFactory(organization=other_organization)
    with pytest.raises(Http404):
        selectors.course_get(viewer=learner, course_id=theirs.pk)
