from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import Organization, Team, User
from courses import services
from courses.models import Course, Micromastery, MicromasteryVersion, PayoffMetric, PracticeStep
from courses.services import STEP_ACTION_MAX_CHARS
from payoff.models import PayoffMeasurement
from practice.cohorts.models import Cohort, CohortMembership
from practice.models import Enrollment, PracticeAttempt
from practice.nudges.models import Notification, Nudge
from practice.teachback.models import TeachBackInvite, TeachBackSession

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


def practice_counts():
    return {
        "enrollments": Enrollment.objects.count(),
        "attempts": PracticeAttempt.objects.count(),
        "measurements": PayoffMeasurement.objects.count(),
        "sessions": TeachBackSession.objects.count(),
        "invites": TeachBackInvite.objects.count(),
        "cohorts": Cohort.objects.count(),
        "cohort_members": CohortMembership.objects.count(),
        "notifications": Notification.objects.count(),
        "nudges": Nudge.objects.count(),
    }


def test_seed_demo_practice_and_payoff_are_idempotent():
    call_command("seed_demo")
    first = practice_counts()
    call_command("seed_demo")
    assert practice_counts() == first
    assert first["cohorts"] == 1
    assert first["attempts"] > 40
    assert first["measurements"] > 20


def test_seed_demo_is_idempotent_across_days():
    call_command("seed_demo")
    first = practice_counts()
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        call_command("seed_demo")
    assert {key: value for key, value in practice_counts().items() if key != "nudges"} == {
        key: value for key, value in first.items() if key != "nudges"
    }


def test_seed_demo_learners_are_at_every_stage():
    call_command("seed_demo")
    learners = User.objects.filter(is_author=False, is_org_admin=False, managed_teams=None)
    enrolled = learners.filter(enrollments__isnull=False).distinct().count()
    assert 10 <= enrolled < learners.count() == 12
    statuses = set(Enrollment.objects.values_list("status", flat=True))
    assert statuses == {"active", "paused", "completed"}
    assert Enrollment.objects.filter(holdout=True).count() == 1
    assert Enrollment.objects.filter(mastered_at__isnull=False).count() == 1
    # Never more than nine days since the at-risk learner last practised.
    grace = Enrollment.objects.get(
        learner__email="grace.okafor@acme.example", micromastery__slug="give-feedback-with-sbi"
    )
    last = grace.attempts.order_by("-practiced_at").first()
    assert timezone.now() - last.practiced_at > timedelta(days=8)
    # Completions are dated by the practice, not by when the demo was seeded.
    for enrollment in Enrollment.objects.filter(completed_at__isnull=False):
        assert enrollment.completed_at < timezone.now() - timedelta(days=20)
        assert enrollment.created_at < enrollment.started_at <= enrollment.completed_at


def test_seed_demo_cohort_and_teach_back_tell_who_taught_whom():
    call_command("seed_demo")
    cohort = Cohort.objects.get()
    assert list(cohort.teams.values_list("name", flat=True)) == ["Dispatch"]
    assert cohort.due_on == cohort.starts_on + timedelta(days=14)
    assert cohort.kickoff_url and cohort.kickoff_at > timezone.now()
    assert cohort.memberships.count() == 6
    held = TeachBackSession.objects.get(status="scheduled")
    assert held.starts_at < timezone.now()
    assert held.invites.filter(attended=True).count() == 3
    assert held.invites.filter(feedback_at__isnull=False).count() == 2
    assert held.enrollment.mastered_at is not None
    taught = Enrollment.objects.get(taught_in=held)
    assert taught.taught_by == held.teacher
    assert taught.attempts.exists()


def test_seed_demo_sends_no_email(mailoutbox):
    call_command("seed_demo")
    assert mailoutbox == []


def test_seed_demo_gives_ana_practice_today_and_a_streak(client):
    call_command("seed_demo")
    client.force_login(User.objects.get(email="ana.costa@acme.example"))
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    today = page[page.index("Practise today") : page.index("Your micromasteries")]
    assert "due now" in today
    assert "Make the answer easy" in today
    assert "-day streak" in today


def test_seed_demo_gives_the_manager_a_dashboard_with_numbers(client):
    call_command("seed_demo")
    client.force_login(User.objects.get(email="marcus.reed@acme.example"))
    response = client.get("/dashboard/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert not summary.is_empty
    assert summary.figure("enrolled").value >= 10
    assert summary.figure("attempts_per_active_learner_week").value > 0
    assert summary.figure("mastered").value == 1
    improved = [
        group
        for result in summary.results
        for group in result.groups
        if group.learners and group.median_change and group.median_change > 0
    ]
    assert improved
    assert any(result.has_holdout for result in summary.results)


@override_settings(MICROMASTERY_DEMO_DATA_ALLOWED=False)
def test_seed_demo_is_refused_in_production():
    with pytest.raises(CommandError, match="refused in production"):
        call_command("seed_demo")
    assert User.objects.count() == 0


def test_seed_demo_has_people_who_read_german_and_french(client):
    call_command("seed_demo")
    client.force_login(User.objects.get(email="tom.becker@acme.example"))
    german = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert german["Content-Language"] == "de"
    assert "Abmelden" in german.content.decode()
    client.force_login(User.objects.get(email="chloe.martin@acme.example"))
    french = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert french["Content-Language"] == "fr"
    assert "Se déconnecter" in french.content.decode()
