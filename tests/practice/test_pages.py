import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.working_hours import first_working_moment
from courses import services as course_services
from courses.models import CourseItem
from payoff.models import MeasurementKind, PayoffMeasurement
from practice import selectors, services
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from tests.factories import (
    AttemptFactory,
    CourseFactory,
    TopicFactory,
    UserFactory,
    published_version,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; 09:00 in London


@pytest.fixture
def version(organization):
    # Two steps of two repetitions each, at least 20 hours apart; one learner metric.
    return published_version(
        organization, steps=2, metrics=1, title="Run a decisive meeting", estimated_minutes=7
    )


@pytest.fixture
def enrollment(learner, version):
    with time_machine.travel(START, tick=False):
        return services.enrollment_create(learner=learner, micromastery=version.micromastery)


@pytest.fixture
def steps(version):
    return list(version.steps.order_by("order"))


@pytest.fixture
def colleague(organization):
    """A learner of the same organization who does not own the enrolment."""
    return UserFactory(organization=organization, email="colleague@acme.example")


def log(enrollment, step, **kwargs):
    kwargs.setdefault("what_i_did", "Put the decision at the top of the agenda.")
    kwargs.setdefault("confidence", 3)
    kwargs.setdefault("minutes", 10)
    return services.attempt_log(enrollment=enrollment, step=step, **kwargs)


def attempt_data(**change):
    data = {
        "what_i_did": "Asked for the decision first.",
        "what_happened": "We were done in 20 minutes.",
        "feedback_from": "Sam",
        "what_i_will_tweak": "Send the question the day before.",
        "confidence": "4",
        "minutes": "8",
        "practiced_at": "",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(change)
    return data


def step_url(enrollment, step):
    return reverse("practice:step", args=[enrollment.pk, step.pk])


# --- Every page: sign-in, tenancy and ownership --------------------------------------------


def page_urls(enrollment, version, steps, course):
    return [
        reverse("practice:catalog"),
        reverse("practice:course", args=[course.pk]),
        reverse("practice:micromastery", args=[version.micromastery_id]),
        reverse("practice:enrol", args=[version.micromastery_id]),
        reverse("practice:enrollment", args=[enrollment.pk]),
        step_url(enrollment, steps[0]),
    ]


@pytest.fixture
def course(organization, version):
    course = CourseFactory(organization=organization, title="Meetings that decide")
    CourseItem.objects.create(course=course, micromastery=version.micromastery, order=1)
    return course


def test_pages_ask_to_sign_in(client, enrollment, version, steps, course):
    for url in page_urls(enrollment, version, steps, course):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_pages_of_another_organization_are_not_found(
    client, outsider, enrollment, version, steps, course
):
    client.force_login(outsider)
    for url in page_urls(enrollment, version, steps, course)[1:]:
        assert client.get(url).status_code == 404, url
    catalog = client.get(reverse("practice:catalog")).content.decode()
    assert "Run a decisive meeting" not in catalog
    for name in ("enrollment-pause", "enrollment-drop", "enrollment-resume"):
        assert client.post(reverse(f"practice:{name}", args=[enrollment.pk])).status_code == 404
    response = client.post(step_url(enrollment, steps[0]), attempt_data())
    assert response.status_code == 404
    response = client.post(reverse("practice:enrol", args=[version.micromastery_id]))
    assert response.status_code == 404
    assert PracticeAttempt.objects.count() == 0
    assert Enrollment.objects.count() == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_enrollment_pages_of_another_learner_are_not_found(
    client, colleague, enrollment, version, steps
):
    client.force_login(colleague)
    assert client.get(reverse("practice:enrollment", args=[enrollment.pk])).status_code == 404
    assert client.get(step_url(enrollment, steps[0])).status_code == 404
    assert client.post(step_url(enrollment, steps[0]), attempt_data()).status_code == 404
    url = reverse("practice:enrollment-personal-payoff", args=[enrollment.pk])
    assert client.post(url, {"personal_payoff": "Mine now"}).status_code == 404
    url = reverse("practice:enrollment-baselines", args=[enrollment.pk])
    assert client.post(url, {}).status_code == 404
    assert client.post(reverse("practice:enrollment-drop", args=[enrollment.pk])).status_code == 404
    assert PracticeAttempt.objects.count() == 0
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.personal_payoff == ""
    # The colleague sees the micromastery as not enrolled, with an Enrol button.
    content = client.get(reverse("practice:micromastery", args=[version.micromastery_id]))
    assert "Continue practising" not in content.content.decode()


# --- Home ---------------------------------------------------------------------------------


def test_home_empty_state_teaches_and_links_to_the_catalog(client, learner):
    client.force_login(learner)
    content = client.get(reverse("home")).content.decode()
    assert "A micromastery is a small, doable skill" in content
    assert reverse("practice:catalog") in content
    assert "Practise today" not in content


def test_home_lists_due_steps_first_with_links_to_the_exact_step(
    client, learner, organization, enrollment, steps
):
    later_version = published_version(organization, title="Write shorter emails")
    later = services.enrollment_create(learner=learner, micromastery=later_version.micromastery)
    later_first = later_version.steps.order_by("order").first()
    with time_machine.travel(START, tick=False):
        log(later, later_first)  # next rep counts from 05:00 tomorrow
        log(enrollment, steps[0])
    client.force_login(learner)
    with time_machine.travel(START + timedelta(hours=21), tick=False):
        # Tuesday 06:00 London: both are due now.
        content = client.get(reverse("home")).content.decode()
    assert "Practise today" in content
    assert step_url(enrollment, steps[0]) in content
    assert step_url(later, later_first) in content
    assert "1-day streak" in content
    assert "Recent practice" in content


def recent_practice(content):
    """The (enrolment, step) links of the home page's "Recent practice", in order."""
    section = content.split('id="recent-heading"')[1].split("</section>")[0]
    return [href.split('"')[0] for href in section.split('href="')[1:]]


@pytest.mark.parametrize("scenario", ["many", "long ago", "dropped"])
def test_home_recent_practice_is_the_latest_five_attempts_of_any_enrolment(
    client, learner, organization, scenario
):
    """Whether the attempts are many, beyond the streak's reach or in an enrolment since
    dropped, recent practice is the learner's latest five, newest first."""
    first = services.enrollment_create(
        learner=learner,
        micromastery=published_version(organization, title="Say no kindly").micromastery,
    )
    other = services.enrollment_create(
        learner=learner,
        micromastery=published_version(organization, title="Write shorter emails").micromastery,
    )
    first_steps = list(first.version.steps.order_by("order"))
    other_step = other.version.steps.order_by("order").first()
    expected = []
    if scenario == "long ago":
        expected.append(
            AttemptFactory(
                enrollment=first, step=first_steps[0], practiced_at=START - timedelta(days=500)
            )
        )
    elif scenario == "dropped":
        expected.append(
            AttemptFactory(
                enrollment=other, step=other_step, practiced_at=START - timedelta(days=3)
            )
        )
        services.enrollment_drop(enrollment=other)
    for day in range(7 if scenario == "many" else 2):
        expected.append(
            AttemptFactory(
                enrollment=other if scenario == "many" and day % 2 else first,
                step=other_step if scenario == "many" and day % 2 else first_steps[day % 2],
                practiced_at=START - timedelta(days=day, hours=1),
            )
        )
    expected.sort(key=lambda attempt: attempt.practiced_at, reverse=True)
    client.force_login(learner)
    with time_machine.travel(START, tick=False):
        content = client.get(reverse("home")).content.decode()
    assert recent_practice(content) == [
        step_url(attempt.enrollment, attempt.step) for attempt in expected[:5]
    ]
    streak = selectors.practice_streak(learner=learner, now=START)
    assert streak == {"many": 7, "long ago": 2, "dropped": 3}[scenario]
    assert f"{streak}-day streak" in content


def test_home_shows_later_today_and_next_up_in_the_learners_time(
    client, organization, version, steps
):
    learner = UserFactory(
        organization=organization, time_zone="America/New_York", work_ends_at=time(18, 0)
    )
    enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    other_version = published_version(organization, title="Give clear feedback")
    other = services.enrollment_create(learner=learner, micromastery=other_version.micromastery)
    other_step = other_version.steps.order_by("order").first()
    with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), tick=False):
        log(enrollment, steps[0])  # next counts from 22:00 UTC = 17:00 New York, same day
    with time_machine.travel(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), tick=False):
        log(other, other_step)  # next counts from 10:00 UTC tomorrow = 05:00 New York
        client.force_login(learner)
        content = client.get(reverse("home")).content.decode()
    today, next_up = content.split('id="next-heading"')
    assert "Give clear feedback" not in today.split('id="today-heading"')[1]
    assert "17:00" in today
    assert next_up.startswith(">Next up<")
    # Due at 05:00 New York, shown as the first moment inside the learner's working hours.
    assert "Tue 3 Mar, 09:00" in next_up
    assert "America/New_York" in next_up
    assert "<progress" in content
    assert "1 of 4 reps done" in content


# --- Catalog and courses ------------------------------------------------------------------


def test_catalog_lists_published_micromasteries_of_my_organization(
    client, learner, organization, other_organization, version, enrollment
):
    published_version(organization, status="draft", title="Unfinished draft")
    published_version(other_organization, title="Globex secret")
    open_one = published_version(organization, title="Say no kindly", estimated_minutes=4)
    client.force_login(learner)
    content = client.get(reverse("practice:catalog")).content.decode()
    assert "Run a decisive meeting" in content
    assert "Say no kindly" in content
    assert "About 4 min a practice" in content
    assert "Unfinished draft" not in content
    assert "Globex secret" not in content
    decisive = content.split("Run a decisive meeting")[1].split("</article>")[0]
    assert "Enrolled" in decisive
    kindly = content.split("Say no kindly")[1].split("</article>")[0]
    assert "Enrolled" not in kindly
    assert reverse("practice:micromastery", args=[open_one.micromastery_id]) in content


def test_catalog_shows_the_latest_published_version(client, learner, author, version):
    draft = course_services.version_create_draft(version=version, by=author)
    course_services.version_update(version=draft, title="Run a decisive meeting, improved")
    course_services.version_publish(version=draft, by=author)
    client.force_login(learner)
    content = client.get(reverse("practice:catalog")).content.decode()
    assert "Run a decisive meeting, improved" in content
    assert content.count("<article") == 1


def test_catalog_filters_by_topic_and_search(client, learner, organization, version):
    meetings = TopicFactory(organization=organization, name="Meetings", slug="meetings")
    version.micromastery.topics.add(meetings)
    published_version(organization, title="Say no kindly", summary="Protect your calendar.")
    client.force_login(learner)
    by_topic = client.get(reverse("practice:catalog"), {"topic": "meetings"}).content.decode()
    assert "Run a decisive meeting" in by_topic
    assert "Say no kindly" not in by_topic
    by_text = client.get(reverse("practice:catalog"), {"q": "calendar"}).content.decode()
    assert "Say no kindly" in by_text
    assert "Run a decisive meeting" not in by_text
    nothing = client.get(reverse("practice:catalog"), {"q": "zebra"}).content.decode()
    assert "Nothing matches" in nothing
    # An unknown topic is ignored rather than an error page.
    assert client.get(reverse("practice:catalog"), {"topic": "nope"}).status_code == 200


def test_catalog_answers_htmx_with_the_results_only(client, learner, version):
    client.force_login(learner)
    response = client.get(reverse("practice:catalog"), {"q": "decisive"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="catalog-results"')
    assert "Run a decisive meeting" in content
    assert "<html" not in content


def test_course_page_lists_micromasteries_in_order(client, learner, organization, version):
    first = published_version(organization, title="Prepare the question")
    retired = published_version(organization, title="Retired one")
    course_services.micromastery_archive(micromastery=retired.micromastery, by=None)
    course = CourseFactory(organization=organization, title="Meetings that decide")
    for order, item in enumerate([first, version, retired], start=1):
        CourseItem.objects.create(course=course, micromastery=item.micromastery, order=order)
    client.force_login(learner)
    content = client.get(reverse("practice:course", args=[course.pk])).content.decode()
    assert "Meetings that decide" in content
    assert content.index("Prepare the question") < content.index("Run a decisive meeting")
    assert "Retired one" not in content
    draft_course = CourseFactory(organization=organization, status="draft")
    assert client.get(reverse("practice:course", args=[draft_course.pk])).status_code == 404


# --- Micromastery page --------------------------------------------------------------------


def test_micromastery_page_shows_the_four_elements_and_enrol(client, learner, version):
    client.force_login(learner)
    content = client.get(reverse("practice:micromastery", args=[version.micromastery_id]))
    content = content.content.decode()
    for heading in ("Context", "The Way In", "Purposeful Practice", "Payoff"):
        assert heading in content
    assert "Decide the decision before the meeting starts." in content
    assert "Step 1" in content and "Step 2" in content
    assert "Meeting length" in content
    assert reverse("practice:enrol", args=[version.micromastery_id]) in content
    assert "Continue practising" not in content


def test_micromastery_page_when_enrolled_continues_on_my_own_version(
    client, learner, author, enrollment, version, steps
):
    draft = course_services.version_create_draft(version=version, by=author)
    course_services.version_update(version=draft, title="Run a decisive meeting, v2")
    course_services.version_publish(version=draft, by=author)
    client.force_login(learner)
    content = client.get(reverse("practice:micromastery", args=[version.micromastery_id]))
    content = content.content.decode()
    assert "Continue practising" in content
    assert step_url(enrollment, steps[0]) in content
    assert "<h1>Run a decisive meeting</h1>" in content
    assert "Run a decisive meeting, v2" not in content
    assert "You are practising version 1" in content
    assert "0 of 4 reps done" in content


def test_micromastery_page_of_an_unpublished_micromastery_is_not_found(
    client, learner, organization
):
    draft = published_version(organization, status="draft")
    client.force_login(learner)
    url = reverse("practice:micromastery", args=[draft.micromastery_id])
    assert client.get(url).status_code == 404
    assert client.get(reverse("practice:enrol", args=[draft.micromastery_id])).status_code == 404


# --- Enrolment ----------------------------------------------------------------------------


def test_enrol_page_asks_for_personal_payoff_and_baselines(client, learner, version):
    client.force_login(learner)
    content = client.get(reverse("practice:enrol", args=[version.micromastery_id]))
    content = content.content.decode()
    assert "What success looks like for me" in content
    assert "Meeting length today (minutes)" in content
    assert "Time the next three meetings and take the average." in content
    assert "optional" in content


def test_enrol_saves_payoff_and_baseline_and_lands_on_the_first_step(client, learner, version):
    metric = version.payoff_metrics.get()
    client.force_login(learner)
    response = client.post(
        reverse("practice:enrol", args=[version.micromastery_id]),
        {"personal_payoff": "Leave on time on Thursdays", f"extension0-metric_{metric.pk}": "55"},
    )
    enrollment = Enrollment.objects.get(learner=learner)
    first = version.steps.order_by("order").first()
    assert response.status_code == 302
    assert response["Location"] == step_url(enrollment, first)
    assert enrollment.personal_payoff == "Leave on time on Thursdays"
    baseline = PayoffMeasurement.objects.get(enrollment=enrollment)
    assert baseline.kind == MeasurementKind.BASELINE
    assert baseline.value == Decimal("55")
    page = client.get(response["Location"]).content.decode()
    assert "You are enrolled" in page


def test_enrol_without_answers_is_fine(client, learner, version):
    client.force_login(learner)
    response = client.post(reverse("practice:enrol", args=[version.micromastery_id]), {})
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(learner=learner)
    assert enrollment.personal_payoff == ""
    assert not PayoffMeasurement.objects.exists()


def test_enrol_with_a_bad_baseline_shows_it_and_saves_nothing(client, learner, version):
    metric = version.payoff_metrics.get()
    metric.min_value = 0
    metric.save()
    client.force_login(learner)
    response = client.post(
        reverse("practice:enrol", args=[version.micromastery_id]),
        {"personal_payoff": "Shorter", f"extension0-metric_{metric.pk}": "-5"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "cannot be below 0" in content
    assert 'aria-invalid="true"' in content
    assert not Enrollment.objects.exists()
    assert not PayoffMeasurement.objects.exists()


def test_enrol_when_enrolled_goes_to_my_enrolment(client, learner, enrollment, version):
    client.force_login(learner)
    response = client.post(reverse("practice:enrol", args=[version.micromastery_id]), {})
    assert response.status_code == 302
    assert response["Location"] == reverse("practice:enrollment", args=[enrollment.pk])
    assert Enrollment.objects.count() == 1


# --- Enrolment page -----------------------------------------------------------------------


def test_enrollment_page_shows_progress_per_step_and_lets_me_add_a_baseline(
    client, learner, enrollment, version, steps
):
    with time_machine.travel(START, tick=False):
        log(enrollment, steps[0])
    client.force_login(learner)
    url = reverse("practice:enrollment", args=[enrollment.pk])
    content = client.get(url).content.decode()
    assert "1 of 2 reps" in content
    assert "Locked: opens when you finish step 1" in content
    assert "Add your baseline" in content

    metric = version.payoff_metrics.get()
    response = client.post(
        reverse("practice:enrollment-baselines", args=[enrollment.pk]),
        {f"extension0-metric_{metric.pk}": "40"},
    )
    assert response.status_code == 302
    assert PayoffMeasurement.objects.get(enrollment=enrollment).value == Decimal("40")
    content = client.get(url).content.decode()
    assert "Your starting point" in content
    assert 'value="40' in content

    response = client.post(
        reverse("practice:enrollment-personal-payoff", args=[enrollment.pk]),
        {"personal_payoff": "Home by six"},
    )
    assert response.status_code == 302
    assert "Home by six" in client.get(url).content.decode()


def test_enrollment_pause_resume_and_drop(client, learner, enrollment):
    client.force_login(learner)
    url = reverse("practice:enrollment", args=[enrollment.pk])
    assert client.get(reverse("practice:enrollment-pause", args=[enrollment.pk])).status_code == 405
    response = client.post(reverse("practice:enrollment-pause", args=[enrollment.pk]), follow=True)
    assert "Paused" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PAUSED
    client.post(reverse("practice:enrollment-resume", args=[enrollment.pk]))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    response = client.post(reverse("practice:enrollment-resume", args=[enrollment.pk]), follow=True)
    assert "not paused or dropped" in response.content.decode()
    client.post(reverse("practice:enrollment-drop", args=[enrollment.pk]))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.DROPPED
    assert "You dropped this micromastery" in client.get(url).content.decode()


def complete(enrollment, steps, start=START):
    moment = start
    for step in steps:
        for _ in range(step.repetitions_required):
            with time_machine.travel(moment, tick=False):
                log(enrollment, step)
            moment += timedelta(hours=step.min_spacing_hours + 1)
    return moment


def test_enrollment_page_after_completion_shows_the_next_refresher(
    client, learner, enrollment, steps
):
    moment = complete(enrollment, steps)
    enrollment.refresh_from_db()
    client.force_login(learner)
    with time_machine.travel(moment, tick=False):
        content = client.get(reverse("practice:enrollment", args=[enrollment.pk])).content
    content = content.decode()
    due = (enrollment.completed_at + timedelta(days=3)).astimezone(learner.zone)
    # Shown as the first moment inside the learner's working hours.
    due = first_working_moment(learner, due)
    assert "Next refresher due" in content
    assert due.strftime("%a %-d %b, %H:%M") in content
    assert "Europe/London" in content


# --- Practice page ------------------------------------------------------------------------


def test_step_page_shows_the_routine_and_a_prefilled_form(client, learner, enrollment, steps):
    client.force_login(learner)
    content = client.get(step_url(enrollment, steps[0])).content.decode()
    assert "Write the decision you need at the top of the agenda." in content
    assert "Ask one attendee whether the decision was clear." in content
    assert "What will you cut next time?" in content
    assert 'name="minutes" value="7"' in content
    assert 'name="submission_key"' in content
    assert content.count('type="radio" name="confidence"') == 5
    assert "0 of 2 reps" in content
    assert "Nothing logged yet" in content


def test_step_page_logs_an_attempt_and_shows_progress_moving(client, learner, enrollment, steps):
    client.force_login(learner)
    url = step_url(enrollment, steps[0])
    with time_machine.travel(START, tick=False):
        response = client.post(url, attempt_data())
        assert response.status_code == 302
        assert response["Location"] == url
        content = client.get(url).content.decode()
    attempt = PracticeAttempt.objects.get()
    assert attempt.what_i_did == "Asked for the decision first."
    assert attempt.feedback_from == "Sam"
    assert attempt.confidence == 4
    assert attempt.minutes == 8
    assert attempt.practiced_at == START
    assert "Logged: that one counts as a rep." in content
    assert "1 of 2 reps: one more and this step is yours." in content
    # 20 hours after 09:00 UTC on Monday is 05:00 on Tuesday in London, before the
    # learner's working hours (09-17): it is shown as the first moment inside them.
    assert "Next one counts from" in content
    assert "Tue 3 Mar, 09:00" in content
    assert "1 of 4 reps done" in content
    assert "Asked for the decision first." in content


def test_step_page_takes_an_earlier_time_in_my_zone(client, organization, version):
    learner = UserFactory(organization=organization, time_zone="Asia/Tokyo")
    enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    step = version.steps.order_by("order").first()
    client.force_login(learner)
    with time_machine.travel(START, tick=False):
        client.post(step_url(enrollment, step), attempt_data(practiced_at="2026-03-02T08:30"))
    assert PracticeAttempt.objects.get().practiced_at == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"what_i_did": ""}, "Say what you did"),
        ({"confidence": "7"}, "Choose how confident you feel, from 1 to 5."),
        ({"confidence": ""}, "Choose how confident you feel, from 1 to 5."),
        ({"minutes": "0"}, "greater than or equal to 1"),
        ({"practiced_at": "2026-03-05T09:00"}, "cannot be in the future"),
        ({"practiced_at": "yesterday"}, "Enter a valid date/time"),
    ],
)
def test_step_page_bad_input_shows_the_message_and_saves_nothing(
    client, learner, enrollment, steps, change, message
):
    client.force_login(learner)
    with time_machine.travel(START, tick=False):
        response = client.post(step_url(enrollment, steps[0]), attempt_data(**change))
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert "field-invalid" in content
    assert PracticeAttempt.objects.count() == 0


def test_step_page_of_a_locked_step_says_why_and_refuses(client, learner, enrollment, steps):
    client.force_login(learner)
    url = step_url(enrollment, steps[1])
    content = client.get(url).content.decode()
    assert "This step is locked" in content
    assert "It opens when you finish step 1" in content
    assert 'name="what_i_did"' not in content
    response = client.post(url, attempt_data())
    assert response.status_code == 200
    assert "This step unlocks when you have finished step 1" in response.content.decode()
    assert PracticeAttempt.objects.count() == 0


def test_step_page_for_a_step_outside_my_version_is_not_found(
    client, learner, author, enrollment, version
):
    draft = course_services.version_create_draft(version=version, by=author)
    newer_step = draft.steps.order_by("order").first()
    client.force_login(learner)
    url = step_url(enrollment, newer_step)
    assert client.get(url).status_code == 404
    assert client.post(url, attempt_data()).status_code == 404
    assert PracticeAttempt.objects.count() == 0


def test_step_page_double_submit_logs_once(client, learner, enrollment, steps):
    client.force_login(learner)
    data = attempt_data()
    first = client.post(step_url(enrollment, steps[0]), data)
    second = client.post(step_url(enrollment, steps[0]), data)
    assert first.status_code == second.status_code == 302
    assert PracticeAttempt.objects.count() == 1


def test_step_page_early_attempt_is_extra_practice(client, learner, enrollment, steps):
    client.force_login(learner)
    url = step_url(enrollment, steps[0])
    with time_machine.travel(START, tick=False):
        client.post(url, attempt_data())
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        content = client.post(url, attempt_data(), follow=True).content.decode()
    assert "Logged as extra practice" in content
    assert "1 of 2 reps" in content
    assert "extra practice" in content


def test_step_page_on_completion_shows_the_payoff_and_teach_back(
    client, learner, enrollment, steps
):
    moment = complete(enrollment, steps[:1])
    with time_machine.travel(moment, tick=False):
        log(enrollment, steps[1])
    moment += timedelta(hours=21)
    client.force_login(learner)
    url = step_url(enrollment, steps[1])
    with time_machine.travel(moment, tick=False):
        content = client.post(url, attempt_data(), follow=True).content.decode()
    assert "You have completed “Run a decisive meeting”" in content
    assert "Meeting length" in content
    assert "Teach it back" in content
    assert "2 of 2 reps: this step is yours." in content
    assert "4 of 4 reps done" in content
    assert "Next refresher due" in content


def test_step_page_of_a_dropped_enrollment_offers_resume(client, learner, enrollment, steps):
    services.enrollment_drop(enrollment=enrollment)
    client.force_login(learner)
    content = client.get(step_url(enrollment, steps[0])).content.decode()
    assert "Resume it" in content
    response = client.post(step_url(enrollment, steps[0]), attempt_data())
    assert "Resume it to practise again" in response.content.decode()
    assert PracticeAttempt.objects.count() == 0


# --- Query counts ---------------------------------------------------------------------------


def build_practice(learner, organization, *, enrollments, attempts):
    """``enrollments`` enrolments of the learner with ``attempts`` attempts spread over them."""
    rows = []
    for index in range(enrollments):
        version = published_version(organization, title=f"Skill {index}")
        version.micromastery.topics.add(
            TopicFactory(organization=organization, slug=f"topic-{index}")
        )
        rows.append(services.enrollment_create(learner=learner, micromastery=version.micromastery))
    first = rows[0]
    first_step = first.version.steps.order_by("order").first()
    for index in range(attempts):
        enrollment = rows[index % len(rows)]
        AttemptFactory(
            enrollment=enrollment,
            step=first_step if enrollment is first else enrollment.version.steps.first(),
            practiced_at=START - timedelta(hours=index),
            counts_as_repetition=index < 2,
        )
    return first, first_step


@pytest.mark.parametrize(("enrollments", "attempts"), [(1, 1), (50, 500)])
def test_learner_pages_query_counts_do_not_grow(
    client, learner, organization, django_assert_num_queries, enrollments, attempts
):
    enrollment, step = build_practice(
        learner, organization, enrollments=enrollments, attempts=attempts
    )
    client.force_login(learner)
    with time_machine.travel(START, tick=False):
        # Every page also counts the unread notifications for the bell in the layout; home
        # counts them in the query of the learner's enrolments, which also asks which of
        # its sections have anything to show. Session, user (with their organization),
        # enrolments with the sections, steps with their attempts counted in the
        # database, attempts of the streak and recent practice (teams, teach-backs,
        # assigned work and payoff only when there are some: see their own tests).
        with django_assert_num_queries(5):
            assert client.get(reverse("home")).status_code == 200
        # Session, user with their organization, topics, versions + their topics, my
        # enrolments.
        with django_assert_num_queries(7):
            assert client.get(reverse("practice:catalog")).status_code == 200
        # Session, user, enrolment (with the bell's count) + steps with their attempts
        # counted, this step's history (payoff metrics only once the micromastery is
        # complete).
        with django_assert_num_queries(5):
            assert client.get(step_url(enrollment, step)).status_code == 200


@pytest.mark.parametrize(
    ("kind", "posted", "stored"),
    [
        ("number", "12.5", "12.5"),
        ("link", "https://docs.example.com/agenda", "https://docs.example.com/agenda"),
        ("checkbox", "on", "yes"),
    ],
)
def test_step_page_asks_for_the_steps_evidence_and_stores_it(
    client, learner, enrollment, steps, kind, posted, stored
):
    steps[0].evidence_kind = kind
    steps[0].save()
    client.force_login(learner)
    url = step_url(enrollment, steps[0])
    assert 'name="evidence"' in client.get(url).content.decode()
    response = client.post(
        url, {"what_i_did": "Did it", "confidence": "3", "minutes": "5", "evidence": posted}
    )
    assert response.status_code == 302
    attempt = enrollment.attempts.get()
    assert attempt.evidence == stored
    assert client.get(url).status_code == 200


def test_step_page_reflection_asks_for_no_evidence(client, learner, enrollment, steps):
    client.force_login(learner)
    assert 'name="evidence"' not in client.get(step_url(enrollment, steps[0])).content.decode()


def test_step_page_form_is_each_steps_own_on_every_visit(
    client, organization, learner, enrollment, steps
):
    """The empty form is rendered once and reused: each page still shows its own step's
    minutes and evidence, and a refused form keeps what was typed and says what is wrong."""
    other = published_version(organization, title="Say no kindly", estimated_minutes=4)
    other_enrollment = services.enrollment_create(learner=learner, micromastery=other.micromastery)
    other_step = other.steps.order_by("order").first()
    other_step.evidence_kind = "number"
    other_step.save()
    client.force_login(learner)
    for _ in range(2):
        page = client.get(step_url(enrollment, steps[0])).content.decode()
        assert 'value="7"' in page
        assert 'name="evidence"' not in page
        page = client.get(step_url(other_enrollment, other_step)).content.decode()
        assert 'value="4"' in page
        assert 'name="evidence"' in page
    refused = client.post(
        step_url(other_enrollment, other_step), attempt_data(minutes="900", what_i_did="Said no")
    ).content.decode()
    assert "Said no" in refused
    assert 'value="900"' in refused
    assert 'aria-invalid="true"' in refused


@pytest.mark.parametrize(
    ("kind", "posted"), [("number", "twelve"), ("link", "javascript:alert(1)")]
)
def test_step_page_wrong_evidence_is_refused_next_to_the_field(
    client, learner, enrollment, steps, kind, posted
):
    steps[0].evidence_kind = kind
    steps[0].save()
    client.force_login(learner)
    response = client.post(
        step_url(enrollment, steps[0]),
        {"what_i_did": "Did it", "confidence": "3", "minutes": "5", "evidence": posted},
    )
    assert response.status_code == 200
    assert "field-invalid" in response.content.decode()
    assert not enrollment.attempts.exists()


def test_step_page_again_reads_only_my_rows_and_shows_the_same(
    client, learner, enrollment, steps, django_assert_num_queries
):
    # A published version never changes: its steps and payoff metrics are read once, and
    # the page reads again only what is mine (enrolment, attempts, teach-back).
    moment = complete(enrollment, steps)
    client.force_login(learner)
    url = step_url(enrollment, steps[0])
    with time_machine.travel(moment, tick=False):
        # Session, user, enrolment + its version, steps with my attempts counted, history,
        # teach-back, payoff metrics.
        with django_assert_num_queries(7):
            first = client.get(url).content.decode()
        # The same without the version, steps and metrics.
        with django_assert_num_queries(6):
            again = client.get(url).content.decode()
        log(enrollment, steps[0], what_i_did="Went back to the agenda trick.")
        latest = client.get(url).content.decode()
    assert "Meeting length" in again
    assert again.count("<li>") == first.count("<li>")
    assert "Went back to the agenda trick." in latest
    assert "3 of 2 reps" not in latest and "Done, 2 of 2 reps." in latest


def test_step_page_history_follows_my_time_zone(client, learner, enrollment, steps):
    with time_machine.travel(datetime(2026, 3, 2, 9, 30, tzinfo=UTC), tick=False):
        log(enrollment, steps[0])
    client.force_login(learner)
    url = step_url(enrollment, steps[0])
    learner.time_zone = "UTC"
    learner.save(update_fields=["time_zone"])
    assert 'datetime="2026-03-02T09:30:00+00:00"' in client.get(url).content.decode()
    learner.time_zone = "Asia/Tokyo"
    learner.save(update_fields=["time_zone"])
    assert 'datetime="2026-03-02T18:30:00+09:00"' in client.get(url).content.decode()
