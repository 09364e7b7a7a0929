import pytest

from courses import services
from courses.models import Micromastery, MicromasteryVersion
from tests.factories import CourseFactory, StepFactory, TopicFactory, published_version

pytestmark = pytest.mark.django_db

XSS_ACTION = (
    "Say **hello**.\n\n<script>alert('action')</script>"
    '<img src=x onerror="alert(1)"> [click](javascript:alert(2))'
)


def complete_body(**overrides):
    body = {
        "title": "Say no without burning the bridge",
        "summary": "Decline a request and keep the relationship.",
        "estimated_minutes": 5,
        "topics": ["Communication"],
        "context": {
            "challenge": "You say yes to everything and miss your own deadlines.",
            "audience": "Anyone who receives ad-hoc requests.",
            "why_it_matters": "Every unplanned yes delays planned work.",
        },
        "way_in": {
            "insight": "Say no to the request, yes to the person.",
            "missing_link": "Offer what you can do instead.",
            "media_url": "https://example.com/say-no",
        },
        "steps": [
            {
                "title": "Name what you are protecting",
                "action": "Before you answer, write down the task your yes would delay.",
                "feedback_how": "Ask the requester if the trade-off made sense to them.",
                "tweak_prompt": "What will you offer instead next time?",
                "repetitions_required": 2,
                "min_spacing_hours": 24,
            }
        ],
        "payoff_metrics": [
            {
                "name": "Unplanned requests accepted",
                "unit": "per week",
                "direction": "lower",
                "how_to_measure": "Count the yeses to unplanned work in your calendar.",
                "target_change": 3,
                "checkin_days": [14, 30],
            }
        ],
    }
    body.update(overrides)
    return body


# --- Catalog --------------------------------------------------------------------------------


def test_micromastery_list_shows_own_published_micromasteries_only(
    api_as, learner, organization, other_organization
):
    ours = published_version(organization, title="Run a stand-up")
    published_version(organization, status="draft", title="Draft in progress")
    published_version(other_organization, title="Globex only")

    response = api_as(learner).get("/api/v1/micromasteries/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [item["id"] for item in body["results"]] == [ours.micromastery_id]
    assert body["results"][0]["version"] == 1


def test_micromastery_list_filters_by_topic_slug_and_search(api_as, learner, organization):
    topic = TopicFactory(organization=organization, name="Meetings", slug="meetings")
    standup = published_version(organization, title="Run a stand-up")
    standup.micromastery.topics.add(topic)
    published_version(organization, title="Write an email that gets a reply")
    client = api_as(learner)

    by_topic = client.get("/api/v1/micromasteries/", {"topic": "meetings"}).json()
    by_search = client.get("/api/v1/micromasteries/", {"search": "email"}).json()

    assert [item["title"] for item in by_topic["results"]] == ["Run a stand-up"]
    assert by_topic["results"][0]["topics"] == [{"name": "Meetings", "slug": "meetings"}]
    assert [item["title"] for item in by_search["results"]] == ["Write an email that gets a reply"]


def test_micromastery_list_query_count_does_not_grow_with_rows(
    api_as, learner, organization, django_assert_num_queries
):
    topics = [
        TopicFactory(organization=organization, name=f"Topic {n}", slug=f"t-{n}") for n in range(3)
    ]
    for _ in range(50):
        version = published_version(organization, steps=5, metrics=2)
        version.micromastery.topics.set(topics)
    client = api_as(learner)

    # count, the page of versions with their micromasteries, the topics of the page
    with django_assert_num_queries(3):
        response = client.get("/api/v1/micromasteries/")

    assert response.json()["count"] == 50
    assert len(response.json()["results"]) == 50
    assert all(len(item["topics"]) == 3 for item in response.json()["results"])


def test_micromastery_detail_nests_the_four_elements(api_as, learner, organization):
    version = published_version(organization, steps=3, metrics=1)

    response = api_as(learner).get(f"/api/v1/micromasteries/{version.micromastery_id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == version.micromastery_id
    assert body["slug"] == version.micromastery.slug
    assert body["context"]["challenge"] == version.context_challenge
    assert body["context"]["audience"] == version.context_audience
    assert body["way_in"]["insight"] == version.way_in_insight
    assert [step["order"] for step in body["steps"]] == [1, 2, 3]
    assert set(body["steps"][0]) >= {
        "key",
        "title",
        "action",
        "action_html",
        "feedback_how",
        "tweak_prompt",
        "repetitions_required",
        "min_spacing_hours",
        "evidence_kind",
    }
    metric = body["payoff_metrics"][0]
    assert (metric["unit"], metric["direction"], metric["checkin_days"]) == (
        "minutes",
        "lower",
        [14, 30, 60, 90],
    )


def test_micromastery_detail_of_another_organization_is_404(api_as, outsider, organization):
    version = published_version(organization)
    response = api_as(outsider).get(f"/api/v1/micromasteries/{version.micromastery_id}/")
    assert response.status_code == 404


def test_micromastery_detail_of_a_draft_is_404_for_learners(api_as, learner, organization):
    draft = published_version(organization, status="draft")
    response = api_as(learner).get(f"/api/v1/micromasteries/{draft.micromastery_id}/")
    assert response.status_code == 404


def test_micromastery_detail_markdown_html_is_sanitized(api_as, learner, organization):
    version = published_version(
        organization,
        steps=0,
        context_challenge="<script>alert('context')</script>Meetings drift.",
        way_in_insight='<a href="javascript:alert(3)">aha</a>',
    )
    StepFactory(version=version, action=XSS_ACTION, tweak_prompt="<svg onload=alert(4)>")

    body = api_as(learner).get(f"/api/v1/micromasteries/{version.micromastery_id}/").json()

    rendered = " ".join(
        [
            body["steps"][0]["action_html"],
            body["steps"][0]["tweak_prompt_html"],
            body["context"]["challenge_html"],
            body["way_in"]["insight_html"],
        ]
    )
    for payload in ("<script", "onerror", "onload", "javascript:", "<svg", "<img"):
        assert payload not in rendered
    assert "<strong>hello</strong>" in body["steps"][0]["action_html"]
    assert body["steps"][0]["action"] == XSS_ACTION


def test_micromasteries_need_authentication(api_client, organization):
    version = published_version(organization)
    assert api_client.get("/api/v1/micromasteries/").status_code == 401
    detail = api_client.get(f"/api/v1/micromasteries/{version.micromastery_id}/")
    assert detail.status_code == 401


# --- Authoring ------------------------------------------------------------------------------


def test_author_creates_a_draft_with_the_four_elements(api_as, author, organization):
    response = api_as(author).post("/api/v1/micromasteries/", complete_body(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["topics"] == [{"name": "Communication", "slug": "communication"}]
    assert body["steps"][0]["key"] == "name-what-you-are-protecting"
    assert body["payoff_metrics"][0]["target_change"] == "3.00"
    draft = MicromasteryVersion.objects.get(micromastery_id=body["id"])
    assert draft.micromastery.organization == organization
    assert draft.created_by == author


def test_learner_cannot_create_a_micromastery(api_as, learner):
    response = api_as(learner).post("/api/v1/micromasteries/", complete_body(), format="json")
    assert response.status_code == 403
    assert not Micromastery.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"steps": "three steps"}, "steps"),
        ({"steps": [{"title": "No action"}]}, "steps.0.action"),
        ({"context": {"challenge": "x", "colour": "red"}}, "context.colour"),
        ({"way_in": {"media_url": "javascript:alert(1)"}}, "way_in.media_url"),
        (
            {"payoff_metrics": [{"name": "n", "checkin_days": "soon"}]},
            "payoff_metrics.0.checkin_days",
        ),
        ({"estimated_minutes": "ten"}, "estimated_minutes"),
    ],
)
def test_create_with_bad_input_names_the_field_and_creates_nothing(api_as, author, change, field):
    response = api_as(author).post(
        "/api/v1/micromasteries/", complete_body(**change), format="json"
    )
    assert response.status_code == 400
    assert any(name.startswith(field) for name in response.json()["error"]["fields"])
    assert not Micromastery.objects.exists()


def test_author_edits_the_draft_and_the_published_version_stays(api_as, author, organization):
    published = published_version(organization, title="Old title")
    draft = services.version_create_draft(version=published, by=author)
    url = f"/api/v1/micromasteries/{published.micromastery_id}/draft/"

    response = api_as(author).patch(
        url,
        {
            "title": "New title",
            "context": {"challenge": "A sharper challenge."},
            "steps": [{"key": "step-1", "title": "The only step", "action": "Do it once."}],
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["title"]) == (2, "New title")
    assert body["context"]["challenge"] == "A sharper challenge."
    assert body["context"]["audience"] == draft.context_audience
    assert [step["key"] for step in body["steps"]] == ["step-1"]
    published.refresh_from_db()
    assert published.title == "Old title"
    assert published.steps.count() == 2


def test_draft_edit_with_a_bad_step_changes_nothing(api_as, author, organization):
    draft = published_version(organization, status="draft", title="Keep me")
    response = api_as(author).patch(
        f"/api/v1/micromasteries/{draft.micromastery_id}/draft/",
        {"title": "Changed", "steps": [{"title": "t", "action": "a", "repetitions_required": 0}]},
        format="json",
    )
    assert response.status_code == 400
    assert "steps.0.repetitions_required" in response.json()["error"]["fields"]
    draft.refresh_from_db()
    assert (draft.title, draft.steps.count()) == ("Keep me", 2)


def test_draft_endpoints_refuse_learners_and_hide_from_other_organizations(
    api_as, learner, outsider, organization
):
    draft = published_version(organization, status="draft", title="Keep me")
    url = f"/api/v1/micromasteries/{draft.micromastery_id}/draft/"

    assert api_as(learner).get(url).status_code == 403
    assert api_as(learner).patch(url, {"title": "x"}, format="json").status_code == 403
    assert api_as(outsider).get(url).status_code == 404
    assert api_as(outsider).patch(url, {"title": "x"}, format="json").status_code == 404
    draft.refresh_from_db()
    assert draft.title == "Keep me"


def test_draft_of_a_micromastery_without_one_is_404(api_as, author, organization):
    published = published_version(organization)
    response = api_as(author).get(f"/api/v1/micromasteries/{published.micromastery_id}/draft/")
    assert response.status_code == 404
    assert "versions/" in response.json()["error"]["message"]


def test_publish_incomplete_draft_lists_what_is_missing_like_the_admin(
    api_as, author, organization
):
    draft = services.micromastery_create(organization=organization, by=author, title="Bare")

    response = api_as(author).post(f"/api/v1/micromasteries/{draft.micromastery_id}/publish/")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["publish"] == services.version_publish_problems(draft)
    assert "Way In: the key insight is empty." in error["fields"]["publish"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_publish_complete_draft_puts_it_in_the_catalog(api_as, author, learner):
    created = api_as(author).post("/api/v1/micromasteries/", complete_body(), format="json")
    micromastery_id = created.json()["id"]

    response = api_as(author).post(f"/api/v1/micromasteries/{micromastery_id}/publish/")

    assert response.status_code == 200
    assert response.json()["status"] == "published"
    catalog = api_as(learner).get("/api/v1/micromasteries/").json()
    assert [item["id"] for item in catalog["results"]] == [micromastery_id]


def test_publish_refuses_learners_and_other_organizations(api_as, learner, outsider, organization):
    draft = published_version(organization, status="draft")
    url = f"/api/v1/micromasteries/{draft.micromastery_id}/publish/"
    assert api_as(learner).post(url).status_code == 403
    assert api_as(outsider).post(url).status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_publish_without_a_draft_says_so(api_as, author, organization):
    published = published_version(organization)
    response = api_as(author).post(f"/api/v1/micromasteries/{published.micromastery_id}/publish/")
    assert response.status_code == 400
    assert "no draft" in response.json()["error"]["message"]


def test_new_version_copies_the_published_one_once(api_as, author, organization):
    published = published_version(organization, steps=3)
    url = f"/api/v1/micromasteries/{published.micromastery_id}/versions/"
    client = api_as(author)

    created = client.post(url)
    again = client.post(url)
    listed = client.get(url)

    assert created.status_code == 201
    assert (created.json()["version"], created.json()["status"]) == (2, "draft")
    assert [step["key"] for step in created.json()["steps"]] == ["step-1", "step-2", "step-3"]
    assert again.status_code == 400
    assert "already a draft" in again.json()["error"]["message"]
    assert [(v["version"], v["status"]) for v in listed.json()] == [
        (2, "draft"),
        (1, "published"),
    ]


def test_versions_refuse_learners_and_other_organizations(api_as, learner, outsider, organization):
    published = published_version(organization)
    url = f"/api/v1/micromasteries/{published.micromastery_id}/versions/"
    assert api_as(learner).post(url).status_code == 403
    assert api_as(learner).get(url).status_code == 403
    assert api_as(outsider).post(url).status_code == 404
    assert api_as(outsider).get(url).status_code == 404
    assert MicromasteryVersion.objects.count() == 1


# --- Courses --------------------------------------------------------------------------------


def test_course_list_shows_published_courses_with_micromasteries_in_order(
    api_as, learner, organization, other_organization
):
    first = published_version(organization, title="First")
    second = published_version(organization, title="Second")
    course = CourseFactory(
        organization=organization,
        title="Meetings that work",
        micromasteries=[second.micromastery, first.micromastery],
    )
    CourseFactory(organization=organization, status="draft", title="Not ready")
    CourseFactory(organization=other_organization, title="Globex path")

    body = api_as(learner).get("/api/v1/courses/").json()

    assert [item["id"] for item in body["results"]] == [course.pk]
    assert [m["title"] for m in body["results"][0]["micromasteries"]] == ["Second", "First"]


def test_course_list_query_count_does_not_grow_with_rows(
    api_as, learner, organization, django_assert_num_queries
):
    versions = [published_version(organization, steps=1) for _ in range(10)]
    for _ in range(20):
        CourseFactory(organization=organization, micromasteries=[v.micromastery for v in versions])
    client = api_as(learner)

    # count, courses, their items with micromasteries, the published versions
    with django_assert_num_queries(4):
        response = client.get("/api/v1/courses/")

    assert all(len(course["micromasteries"]) == 10 for course in response.json()["results"])


def test_course_detail_of_another_organization_is_404(api_as, outsider, learner, organization):
    version = published_version(organization)
    course = CourseFactory(organization=organization, micromasteries=[version.micromastery])
    assert api_as(learner).get(f"/api/v1/courses/{course.pk}/").status_code == 200
    assert api_as(outsider).get(f"/api/v1/courses/{course.pk}/").status_code == 404


def test_schema_documents_the_author_endpoints(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "patch" in paths["/api/v1/micromasteries/{micromastery_id}/draft/"]
    assert "post" in paths["/api/v1/micromasteries/{micromastery_id}/publish/"]
    assert "post" in paths["/api/v1/micromasteries/"]
    listed = paths["/api/v1/micromasteries/"]["get"]
    assert "Paginated" in str(listed["responses"]["200"])
    assert {parameter["name"] for parameter in listed["parameters"]} >= {"topic", "search", "page"}


def test_a_topic_without_letters_or_digits_gets_a_slug_of_its_own(api_as, author, organization):
    # The slug is the topic's address in links and filters: never empty, never shared.
    response = api_as(author).post(
        "/api/v1/micromasteries/", complete_body(topics=["Communication", "!!!"]), format="json"
    )
    assert response.status_code == 201
    topics = {topic["name"]: topic["slug"] for topic in response.json()["topics"]}
    assert topics == {"Communication": "communication", "!!!": "topic"}
