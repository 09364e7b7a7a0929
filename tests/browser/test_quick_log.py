"""From a nudge to a logged repetition on a phone: one page load, one tap, offline too."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.working_hours import first_working_moment
from practice import services
from practice.cohorts.services import cohort_assign
from practice.models import PracticeAttempt
from practice.nudges import dispatch, planning
from tests.factories import TeamFactory, UserFactory, published_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_DAY = {
    "work_starts_at": time(0, 0),
    "work_ends_at": time(23, 59),
    "working_days": [1, 2, 3, 4, 5, 6, 7],
}


@pytest.fixture
def version(organization):
    return published_version(organization, steps=2, metrics=1, title="Run a decisive meeting")


@pytest.fixture
def learner(organization):
    return UserFactory(organization=organization, email="phone@acme.example", **ALL_DAY)


def enrol_two_days_ago(learner, version):
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        return services.enrollment_create(learner=learner, micromastery=version.micromastery)


def emailed_link(learner, version, live_server):
    """Plan and send the learner's nudge now; the link in the email, on the live server."""
    enrol_two_days_ago(learner, version)
    planning.nudges_plan(now=timezone.now())
    ids, token = dispatch.nudges_claim(now=timezone.now())
    dispatch.nudges_send(nudge_ids=ids, token=token)
    [message] = [m for m in mail.outbox if learner.email in m.to]
    link = next(word for word in message.body.split() if "/n/" in word)
    return link.replace(settings.SITE_URL, live_server.url)


def record_traffic(page):
    traffic = {"documents": [], "posts": []}

    def on_request(request):
        if request.resource_type == "document":
            traffic["documents"].append(request.url)
        if request.method == "POST":
            traffic["posts"].append(request.url)

    page.on("request", on_request)
    return traffic


def test_email_nudge_link_signed_out_one_tap_logs_the_rep(page, live_server, learner, version):
    link = emailed_link(learner, version, live_server)
    traffic = record_traffic(page)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Step 1")
    expect(page.get_by_text("Why this works")).to_be_visible()
    page.get_by_role("button", name="4", exact=True).click()
    expect(page.get_by_text("Logged: that one counts as a rep.")).to_be_visible()
    expect(page.get_by_text("1 of 2 reps: one more and this step is yours.")).to_be_visible()
    expect(page.get_by_role("link", name="Add details")).to_be_visible()
    attempt = PracticeAttempt.objects.get()
    assert attempt.confidence == 4 and attempt.enrollment.learner_id == learner.pk
    # One page load (through the click-tracking redirect) and one POST.
    assert len(traffic["posts"]) == 1
    assert [url for url in traffic["documents"] if "/n/" not in url] == [
        traffic["posts"][0],
        traffic["posts"][0],
    ]


def test_the_same_link_opened_twice_logs_once(page, live_server, learner, version):
    link = emailed_link(learner, version, live_server)
    page.goto(link)
    page.get_by_role("button", name="3", exact=True).click()
    expect(page.get_by_text("Logged: that one counts as a rep.")).to_be_visible()
    page.goto(link)
    expect(page.get_by_role("heading", name="Already logged")).to_be_visible()
    expect(page.get_by_role("link", name="Open the step")).to_be_visible()
    expect(page.get_by_role("button", name="3", exact=True)).to_have_count(0)
    assert PracticeAttempt.objects.count() == 1


def test_a_link_scanner_opening_the_link_changes_nothing(page, live_server, learner, version):
    link = emailed_link(learner, version, live_server)
    scanned = page.request.get(link, headers={"User-Agent": "SafeLinks scanner"})
    assert scanned.ok
    page.goto(link)  # a preview that renders the page, without tapping
    expect(page.get_by_role("button", name="5", exact=True)).to_be_visible()
    assert PracticeAttempt.objects.count() == 0
    enrollment = learner.enrollments.get()
    assert enrollment.started_at is None


def test_a_rep_logged_offline_is_sent_once_back_online(page, live_server, learner, version):
    link = emailed_link(learner, version, live_server)
    page.goto(link)
    expect(page.get_by_role("button", name="4", exact=True)).to_be_visible()
    page.context.set_offline(True)
    page.get_by_role("button", name="4", exact=True).click()
    expect(page.get_by_text("your rep will be sent as soon as you are back online")).to_be_visible()
    assert PracticeAttempt.objects.count() == 0
    page.context.set_offline(False)
    expect(page.get_by_text("Synced: your rep is saved.")).to_be_visible()
    assert PracticeAttempt.objects.count() == 1
    # The next page load finds nothing left to send.
    page.reload()
    expect(page.get_by_role("heading", name="Already logged")).to_be_visible()
    assert PracticeAttempt.objects.count() == 1


def test_a_failed_submit_focuses_the_error_summary(sign_in, live_server, learner, version):
    enrollment = enrol_two_days_ago(learner, version)
    step = version.steps.order_by("order").first()
    page = sign_in(learner)
    page.goto(f"{live_server.url}/enrollments/{enrollment.pk}/steps/{step.pk}/")
    page.get_by_label("What happened, and the feedback I got").fill("Kept this text")
    page.get_by_role("button", name="Log this practice").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="What I did: Say what you did")).to_be_visible()
    expect(page.get_by_label("What happened, and the feedback I got")).to_have_value(
        "Kept this text"
    )
    assert summary.bounding_box()["y"] < 844  # on screen, not 1,200 px below
    summary.get_by_role("link", name="What I did: Say what you did").click()
    expect(page.get_by_label("What I did")).to_be_in_viewport()


def test_home_on_a_phone_starts_with_practise_today_and_one_tap_logs(
    sign_in, live_server, learner, version, organization
):
    manager = UserFactory(organization=organization, email="manager@acme.example")
    team = TeamFactory(organization=organization, managers=[manager], members=[learner])
    other = published_version(organization, steps=1, title="Run a 15-minute stand-up")
    enrol_two_days_ago(learner, version)
    cohort_assign(
        by=manager,
        name="Stand-ups",
        starts_on=date.today(),
        micromastery=other.micromastery,
        teams=[team],
        due_on=date.today() + timedelta(days=30),
    )
    page = sign_in(learner)
    heading = page.get_by_role("heading", name="Practise today")
    expect(heading).to_be_visible()
    assert heading.bounding_box()["y"] < 400
    # The navigation fits one line at 390 px.
    tops = {round(link.bounding_box()["y"]) for link in page.locator(".nav > li").all()}
    assert len(tops) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # One tap on a due item logs its rep.
    page.get_by_role("button", name="Log a rep with confidence 5 of 5").first.click()
    expect(page.get_by_text("Logged: that one counts as a rep.")).to_be_visible()
    assert PracticeAttempt.objects.count() == 1


def test_a_night_shift_learner_sees_due_times_inside_their_shift(
    sign_in, live_server, organization, version
):
    learner = UserFactory(
        organization=organization,
        email="night@acme.example",
        time_zone="Asia/Tokyo",
        work_starts_at=time(22, 0),
        work_ends_at=time(6, 0),
        working_days=[1, 2, 3, 4, 5],
    )
    enrollment = enrol_two_days_ago(learner, version)
    step = version.steps.order_by("order").first()
    services.attempt_log(
        enrollment=enrollment, step=step, what_i_did="Tried", confidence=3, minutes=5
    )
    expected = first_working_moment(learner, timezone.now() + timedelta(hours=20))
    shown = expected.astimezone(learner.zone).strftime("%a %-d %b, %H:%M")
    page = sign_in(learner)
    page.goto(f"{live_server.url}/enrollments/{enrollment.pk}/steps/{step.pk}/")
    counts_from = page.locator(".reps-message time")
    expect(counts_from).to_have_text(shown)
    local = expected.astimezone(learner.zone).time()
    assert local >= time(22, 0) or local < time(6, 0)


def test_home_and_todays_steps_open_offline(sign_in, live_server, learner, version):
    enrollment = enrol_two_days_ago(learner, version)
    step = version.steps.order_by("order").first()
    page = sign_in(learner)
    # The service worker takes over and keeps home and today's step for offline use.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    step_url = f"{live_server.url}/enrollments/{enrollment.pk}/steps/{step.pk}/"
    page.wait_for_function(
        "url => caches.open('micromastery-pages-v1').then(c => c.match(url)).then(Boolean)",
        arg=step_url,
    )
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Practise today")).to_be_visible()
    page.goto(step_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Step 1")
    page.context.set_offline(False)


def test_micromastery_page_jumps_to_the_four_elements_and_keeps_the_payoff_close(
    sign_in, live_server, learner, organization
):
    version = published_version(organization, steps=4, metrics=2, title="Give clear feedback")
    page = sign_in(learner)
    page.goto(f"{live_server.url}/micromasteries/{version.micromastery_id}/")
    jump = page.get_by_role("navigation", name="The four elements")
    expect(jump.get_by_role("link")).to_have_text(["Context", "Way In", "Practice", "Payoff"])
    practice = page.get_by_role("heading", name="Purposeful Practice")
    payoff = page.get_by_role("heading", name="Payoff", exact=False).last
    # Steps are compact: from the practice heading, the Payoff is within one phone screen.
    assert payoff.bounding_box()["y"] - practice.bounding_box()["y"] < 844
    jump.get_by_role("link", name="Payoff").click()
    expect(payoff).to_be_in_viewport()
