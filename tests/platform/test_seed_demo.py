import pytest
from django.core.management import call_command

from accounts.models import Organization, Team, User
from courses import services
from courses.models import Course, Micromastery, MicromasteryVersion, PayoffMetric, PracticeStep
from courses.services import STEP_ACTION_MAX_CHARS

pytestmark = pytest.mark.django_db


def counts():
    return (Organization.objects.count(), Team.objects.count(), User.objects.count())


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first == (1, 2, 15)
    acme = Organization.objects.get(slug="acme-logistics")
    manager = User.objects.get(email="marcus.reed@acme.example")
    assert set(manager.managed_teams.values_list("name", flat=True)) == {
        "Dispatch",
        "Customer Care",
    }
    assert User.objects.filter(organization=acme, is_author=True).count() == 1
    assert User.objects.filter(organization=acme, is_org_admin=True).count() == 1
    assert len(set(User.objects.values_list("time_zone", flat=True))) > 5
    assert "ana.costa@acme.example" in capsys.readouterr().out


def test_seed_demo_logins_work(client):
    call_command("seed_demo")
    response = client.post(
        "/accounts/login/", {"username": "ana.costa@acme.example", "password": "practise-daily"}
    )
    assert response.status_code == 302


def content_counts():
    return (
        Micromastery.objects.count(),
        MicromasteryVersion.objects.count(),
        PracticeStep.objects.count(),
        PayoffMetric.objects.count(),
        Course.objects.count(),
    )


def test_seed_demo_content_is_idempotent():
    call_command("seed_demo")
    first = content_counts()
    call_command("seed_demo")
    assert content_counts() == first
    assert first[0] == 4
    assert first[4] == 2


def test_seed_demo_content_is_complete_and_publishable():
    call_command("seed_demo")
    published = MicromasteryVersion.objects.published().prefetch_related(
        "steps", "payoff_metrics", "micromastery__topics"
    )
    assert published.count() >= 3
    for version in published:
        assert services.version_publish_problems(version) == []
        steps = list(version.steps.all())
        metrics = list(version.payoff_metrics.all())
        assert 3 <= len(steps) <= 5, version.title
        assert 1 <= len(metrics) <= 2, version.title
        assert version.micromastery.topics.exists()
        for step in steps:
            assert len(step.action) < STEP_ACTION_MAX_CHARS
            assert 2 <= step.repetitions_required <= 3
            assert step.min_spacing_hours > 0
        for metric in metrics:
            assert metric.unit
            assert metric.how_to_measure
            assert metric.checkin_days
            assert metric.target_change is not None
    assert PayoffMetric.objects.filter(
        version__status="published", value_basis="hours", value_per_unit__isnull=False
    ).exists()


def test_seed_demo_has_a_draft_to_teach_publishing_and_two_courses():
    call_command("seed_demo")
    draft = MicromasteryVersion.objects.drafts().get()
    assert services.version_publish_problems(draft)
    statuses = dict(Course.objects.values_list("slug", "status"))
    assert sorted(statuses.values()) == ["draft", "published"]
    published_course = Course.objects.get(status="published")
    assert published_course.items.count() == 3


def test_seed_demo_content_shows_in_the_learner_catalog(client):
    call_command("seed_demo")
    client.force_login(User.objects.get(email="ana.costa@acme.example"))
    catalog = client.get("/api/v1/micromasteries/").json()
    titles = {item["title"] for item in catalog["results"]}
    assert "Run a 15-minute stand-up" in titles
    assert "Say no without damaging the relationship" not in titles
    courses = client.get("/api/v1/courses/").json()
    assert [course["title"] for course in courses["results"]] == [
        "Meetings and messages that move work forward"
    ]
