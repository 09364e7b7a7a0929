from decimal import Decimal

import pytest
from django.urls import reverse

from payoff.services import baseline_record
from practice import services as practice_services
from tests.factories import published_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(organization, learner):
    version = published_version(organization)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    metric = version.payoff_metrics.get()
    baseline_record(enrollment=enrollment, metric=metric, value=Decimal("42"), by=learner)
    return enrollment


def test_learner_sees_own_before_after_on_home_and_enrolment_page(client, learner, measured):
    client.force_login(learner)
    for url in (reverse("home"), reverse("practice:enrollment", args=[measured.pk])):
        content = client.get(url).content.decode()
        assert "Your payoff" in content
        assert "Meeting length" in content
        assert ">42<" in content


def test_home_shows_no_payoff_table_before_anything_is_measured(client, organization, learner):
    version = published_version(organization)
    practice_services.enrollment_create(learner=learner, micromastery=version.micromastery)
    client.force_login(learner)
    assert "Your payoff" not in client.get(reverse("home")).content.decode()


def test_colleague_never_sees_someone_elses_before_after(client, organization, measured):
    from tests.factories import UserFactory

    colleague = UserFactory(organization=organization)
    client.force_login(colleague)
    assert client.get(reverse("practice:enrollment", args=[measured.pk])).status_code == 404
    assert ">42<" not in client.get(reverse("home")).content.decode()


def test_home_reads_payoff_metrics_only_of_measured_enrolments(
    client, organization, learner, measured, django_assert_num_queries
):
    client.force_login(learner)
    with django_assert_num_queries(8) as few:
        content = client.get(reverse("home")).content.decode()
    assert ">42<" in content
    # More enrolments, measured or not: the same queries (the metrics of the measured ones
    # and their skipped baselines come in one query each).
    for index in range(3):
        version = published_version(organization, title=f"Skill {index}")
        enrollment = practice_services.enrollment_create(
            learner=learner, micromastery=version.micromastery
        )
        if index:
            baseline_record(
                enrollment=enrollment,
                metric=version.payoff_metrics.get(),
                value=Decimal("7"),
                by=learner,
            )
    with django_assert_num_queries(len(few.captured_queries)):
        content = client.get(reverse("home")).content.decode()
    assert content.count("<caption>Your payoff</caption>") == 3
