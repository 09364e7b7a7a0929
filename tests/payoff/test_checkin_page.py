"""The check-in: one form for every metric due, shown only once a check-in has come."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from payoff import services
from payoff.models import BaselineSkip, PayoffMeasurement
from practice.models import Enrollment
from tests.factories import UserFactory
from tests.payoff.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def checkins(enrollment):
    return sorted(
        PayoffMeasurement.objects.filter(enrollment=enrollment, kind="checkin").values_list(
            "metric__key", "value"
        )
    )


def test_checkin_page_has_one_form_for_both_metrics_and_saves_both(client, two_metrics):
    learner, enrollment, minutes, calls = two_metrics
    client.force_login(learner)
    url = reverse("payoff:checkin", args=[enrollment.pk])
    html = client.get(url).content.decode()
    assert html.count('<form method="post" class="card"') == 1
    assert "Planning time now (minutes)" in html and "Calls back now (calls)" in html
    # Only the metric without a baseline asks for the value before.
    assert f"metric-{calls.pk}-baseline" in html and f"metric-{minutes.pk}-baseline" not in html
    response = client.post(
        url,
        {
            f"metric-{minutes.pk}-value": "8",
            f"metric-{calls.pk}-value": "3",
            f"metric-{calls.pk}-baseline": "9",
        },
    )
    assert response.status_code == 302
    assert checkins(enrollment) == [("calls", 3), ("minutes", 8)]
    page = client.get(url).content.decode()
    assert "Saved your check-in: Planning time, Calls back." in page
    assert "12 better" in page and "6 better" in page


def test_checkin_refused_for_one_metric_saves_nothing_and_keeps_what_was_typed(client, two_metrics):
    learner, enrollment, minutes, calls = two_metrics
    client.force_login(learner)
    url = reverse("payoff:checkin", args=[enrollment.pk])
    response = client.post(
        url, {f"metric-{minutes.pk}-value": "8", f"metric-{calls.pk}-value": "3"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give your Calls back from before you started" in html
    # The error summary comes first in the form, is announced and links to the field.
    summary = html.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    assert html.index("data-error-summary") < html.index("Save my check-in")
    assert 'role="alert"' in html.split("data-error-summary", 1)[0].rsplit("<div", 1)[1]
    assert f'href="#id_metric-{calls.pk}-baseline"' in summary
    assert 'value="8"' in html and 'value="3"' in html
    assert checkins(enrollment) == []
    too_many = client.post(
        url, {f"metric-{minutes.pk}-value": "8", f"metric-{calls.pk}-value": "300",
              f"metric-{calls.pk}-no_baseline": "on"},
    )  # fmt: skip
    assert too_many.status_code == 400
    assert "Calls back cannot be above 50 calls." in too_many.content.decode()
    assert checkins(enrollment) == []
    assert not BaselineSkip.objects.filter(enrollment=enrollment).exists()
    nothing = client.post(url, {})
    assert nothing.status_code == 400
    assert "Give a value now for at least one payoff metric." in nothing.content.decode()


def test_checkins_record_is_all_or_nothing(two_metrics):
    learner, enrollment, minutes, calls = two_metrics
    answers = [
        services.CheckinAnswer(metric=minutes, value=Decimal(8)),
        services.CheckinAnswer(metric=calls, value=Decimal(3), no_baseline=True),
    ]
    other = UserFactory(organization=learner.organization)
    with pytest.raises(services.ApplicationError, match="Planning time: Only the learner"):
        services.checkins_record(enrollment=enrollment, answers=answers, by=other)
    assert checkins(enrollment) == []
    services.checkins_record(enrollment=enrollment, answers=answers, by=learner)
    assert checkins(enrollment) == [("calls", 3), ("minutes", 8)]
    assert BaselineSkip.objects.filter(enrollment=enrollment, metric=calls).exists()


def test_checkin_page_before_completion_says_when_check_ins_start(client, two_metrics):
    learner, enrollment, minutes, _ = two_metrics
    Enrollment.objects.filter(pk=enrollment.pk).update(status="active", completed_at=None)
    client.force_login(learner)
    url = reverse("payoff:checkin", args=[enrollment.pk])
    html = client.get(url).content.decode()
    assert "Save my check-in" not in html
    assert "the first comes 14 days after" in html
    assert client.post(url, {f"metric-{minutes.pk}-value": "8"}).status_code == 302
    assert checkins(enrollment) == []


def test_checkin_page_before_the_first_day_says_when_it_comes(client, two_metrics):
    learner, enrollment, _, _ = two_metrics
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=NOW - timedelta(days=3))
    client.force_login(learner)
    html = client.get(reverse("payoff:checkin", args=[enrollment.pk])).content.decode()
    assert "Save my check-in" not in html
    assert "Your first check-in comes on" in html
    assert "Friday, June 26, 2026" in html


def test_checkin_page_is_refused_to_others(client, two_metrics, outsider, manager):
    _, enrollment, _, _ = two_metrics
    for person in (outsider, manager):
        client.force_login(person)
        assert client.get(reverse("payoff:checkin", args=[enrollment.pk])).status_code == 404


def test_enrolment_page_offers_the_check_in_only_once_one_has_come(client, two_metrics):
    learner, enrollment, _, _ = two_metrics
    checkin = reverse("payoff:checkin", args=[enrollment.pk])
    page = reverse("practice:enrollment", args=[enrollment.pk])
    client.force_login(learner)
    assert checkin in client.get(page).content.decode()  # completed 20 days ago
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=NOW - timedelta(days=3))
    html = client.get(page).content.decode()
    assert checkin not in html
    assert "Your next check-in comes on" in html and ">June 26, 2026</time>." in html
