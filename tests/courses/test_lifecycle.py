import pytest

from courses import services
from courses.models import MicromasteryVersion, PublicationStatus
from micromastery.common.errors import ApplicationError
from tests.factories import published_version

pytestmark = pytest.mark.django_db


def test_publish_refused_lists_each_missing_element(organization, author):
    draft = services.micromastery_create(organization=organization, by=author, title="Say no")
    with pytest.raises(ApplicationError) as refused:
        services.version_publish(version=draft, by=author)
    problems = refused.value.fields["publish"]
    assert "Context: the challenge is empty." in problems
    assert "Way In: the key insight is empty." in problems
    assert "Practice: add at least one step." in problems
    assert "Payoff: add at least one metric with a unit." in problems
    draft.refresh_from_db()
    assert draft.status == PublicationStatus.DRAFT


def test_publish_complete_draft_archives_previous_version(organization, author):
    v1 = published_version(organization)
    v2 = services.version_create_draft(version=v1, by=author)
    assert v2.number == 2
    assert list(v2.steps.values_list("key", flat=True)) == ["step-1", "step-2"]
    services.version_publish(version=v2, by=author)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("archived", "published")
    assert v2.published_by == author


def test_published_version_is_immutable(organization, author):
    version = published_version(organization)
    with pytest.raises(ApplicationError, match="cannot change"):
        services.version_update(version=version, title="Changed")
    with pytest.raises(ApplicationError, match="cannot change"):
        services.version_replace_parts(version=version, steps=[])
    version.refresh_from_db()
    assert version.steps.count() == 2


def test_one_draft_at_a_time(organization, author):
    version = published_version(organization)
    services.version_create_draft(version=version, by=author)
    with pytest.raises(ApplicationError, match="already a draft"):
        services.version_create_draft(version=version, by=author)
    assert MicromasteryVersion.objects.filter(micromastery=version.micromastery).count() == 2


def test_step_action_over_limit_is_named(organization, author):
    draft = published_version(organization, status="draft")
    step = draft.steps.first()
    step.action = "x" * 1300
    step.save()
    problems = services.version_publish_problems(draft)
    assert any("1,300 characters" in problem for problem in problems)


def test_version_edit_changes_content_topics_and_parts_together(organization, author):
    draft = published_version(organization, status="draft")
    services.version_edit(
        version=draft,
        title="Run a 15-minute stand-up",
        topics=["Meetings", "Meetings"],
        steps=[{"title": "Set the frame", "action": "Write three lines on the board."}],
    )
    draft.refresh_from_db()
    assert draft.title == "Run a 15-minute stand-up"
    assert list(draft.micromastery.topics.values_list("slug", flat=True)) == ["meetings"]
    assert list(draft.steps.values_list("key", flat=True)) == ["set-the-frame"]
    assert draft.payoff_metrics.count() == 1


def test_version_edit_with_bad_check_in_days_changes_nothing(organization, author):
    draft = published_version(organization, status="draft", title="Keep me")
    with pytest.raises(ApplicationError, match="check-in days"):
        services.version_edit(
            version=draft,
            title="Changed",
            topics=["New topic"],
            payoff_metrics=[{"name": "Length", "unit": "minutes", "checkin_days": "soon"}],
        )
    draft.refresh_from_db()
    assert draft.title == "Keep me"
    assert not draft.micromastery.topics.exists()
    assert draft.payoff_metrics.count() == 1
