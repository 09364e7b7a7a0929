"""Topics and courses in the authoring admin, scoped to the author's organization."""

import pytest
from django.urls import reverse

from courses.models import Course, Topic
from tests.factories import CourseFactory, TopicFactory, published_version

pytestmark = pytest.mark.django_db


def course_items(prefix="items", micromasteries=(), orders=None):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(micromasteries)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, micromastery in enumerate(micromasteries):
        data[f"{prefix}-{index}-micromastery"] = str(micromastery.pk)
        if orders:
            data[f"{prefix}-{index}-order"] = str(orders[index])
    return data


def test_topic_added_and_renamed_through_services(client, author, organization):
    client.force_login(author)
    response = client.post(reverse("admin:courses_topic_add"), {"name": "Running meetings"})
    assert response.status_code == 302, response.content.decode()[:2000]
    topic = Topic.objects.get()
    assert (topic.organization, topic.slug) == (organization, "running-meetings")
    response = client.post(
        reverse("admin:courses_topic_change", args=[topic.pk]), {"name": "Meetings"}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.name, topic.slug) == ("Meetings", "running-meetings")


def test_topic_forged_organization_is_ignored(client, author, organization, other_organization):
    client.force_login(author)
    client.post(
        reverse("admin:courses_topic_add"),
        {"name": "Sneaky", "organization": other_organization.pk},
    )
    assert Topic.objects.get(name="Sneaky").organization == organization


def test_topic_list_shows_only_own_organization(client, author, other_organization):
    TopicFactory(organization=author.organization, name="Ours")
    TopicFactory(organization=other_organization, name="Theirs")
    client.force_login(author)
    content = client.get(reverse("admin:courses_topic_changelist")).content.decode()
    assert "Ours" in content
    assert "Theirs" not in content


def test_course_added_with_ordered_micromasteries(client, author, organization):
    first = published_version(organization).micromastery
    second = published_version(organization).micromastery
    client.force_login(author)
    data = {"title": "Meetings that work", "slug": "meetings", "summary": ""}
    data.update(course_items(micromasteries=[first, second], orders=[2, 1]))
    response = client.post(reverse("admin:courses_course_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    course = Course.objects.get()
    assert course.organization == organization
    items = list(course.items.order_by("order").values_list("micromastery", "order"))
    assert items == [(second.pk, 1), (first.pk, 2)]


def test_course_refuses_another_organizations_micromastery(
    client, author, organization, other_organization
):
    foreign = published_version(other_organization).micromastery
    client.force_login(author)
    page = client.get(reverse("admin:courses_course_add")).content.decode()
    assert foreign.slug not in page
    data = {"title": "Mixed", "slug": "mixed", "summary": ""}
    data.update(course_items(micromasteries=[foreign]))
    response = client.post(reverse("admin:courses_course_add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Course.objects.exists()


def test_course_slug_unique_in_organization(client, author, organization):
    CourseFactory(organization=organization, slug="meetings", title="Old")
    client.force_login(author)
    data = {"title": "New", "slug": "meetings", "summary": ""}
    data.update(course_items())
    response = client.post(reverse("admin:courses_course_add"), data)
    assert response.status_code == 200
    assert "already has a course with this slug" in response.content.decode()
    assert Course.objects.get().title == "Old"


def test_course_publish_button_refuses_unpublished_micromasteries(client, author, organization):
    draft = published_version(organization, status="draft")
    course = CourseFactory(organization=organization, slug="path", status="draft")
    course.items.create(micromastery=draft.micromastery, order=1)
    client.force_login(author)
    response = client.post(reverse("admin:courses_course_publish", args=[course.pk]), follow=True)
    assert "Publish this micromastery first" in response.content.decode()
    course.refresh_from_db()
    assert course.status == "draft"


def test_course_publish_action_publishes(client, author, organization):
    version = published_version(organization)
    course = CourseFactory(organization=organization, slug="path", title="Path", status="draft")
    course.items.create(micromastery=version.micromastery, order=1)
    client.force_login(author)
    response = client.post(
        reverse("admin:courses_course_changelist"),
        {"action": "publish_selected", "_selected_action": [course.pk]},
        follow=True,
    )
    assert "“Path” is published." in response.content.decode()
    course.refresh_from_db()
    assert course.status == "published"


def test_course_publish_of_another_organization_is_not_found(client, outsider, author):
    course = CourseFactory(organization=author.organization)
    client.force_login(outsider)
    response = client.post(reverse("admin:courses_course_publish", args=[course.pk]))
    assert response.status_code == 404


def test_course_list_query_count_does_not_grow(
    client, author, organization, django_assert_num_queries
):
    version = published_version(organization)
    for index in range(30):
        course = CourseFactory(organization=organization, slug=f"course-{index}")
        course.items.create(micromastery=version.micromastery, order=1)
    client.force_login(author)
    url = reverse("admin:courses_course_changelist")
    client.get(url)
    # Session, user, two counts, the sidebar's two permission look-ups, the page of courses.
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count('class="action-select"') == 30


def test_micromastery_list_query_count_does_not_grow(
    client, author, organization, django_assert_num_queries
):
    topic = TopicFactory(organization=organization)
    for _ in range(30):
        published_version(organization, steps=0, metrics=0).micromastery.topics.set([topic])
    client.force_login(author)
    url = reverse("admin:courses_micromastery_changelist")
    client.get(url)
    # Session, user, two counts, permissions (2), the page, its versions and its topics.
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.content.decode().count('class="field-latest_title"') == 30


def test_topics_without_letters_or_digits_get_slugs_of_their_own_in_the_form(client, author):
    client.force_login(author)
    for name in ("!!!", "¿¿"):
        response = client.post(reverse("admin:courses_topic_add"), {"name": name})
        assert response.status_code == 302
    assert sorted(Topic.objects.values_list("name", "slug")) == [
        ("!!!", "topic"),
        ("¿¿", "topic-2"),
    ]
