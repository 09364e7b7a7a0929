"""The quick log: from a nudge's link to a logged repetition in one tap, without signing in."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from courses.models import EvidenceKind
from practice import services
from practice.models import PracticeAttempt
from practice.quick_log import QUICK_LOG_SALT, quick_log_claims, quick_log_path
from tests.factories import UserFactory, published_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(organization):
    return published_version(
        organization,
        steps=2,
        metrics=1,
        title="Run a decisive meeting",
        estimated_minutes=7,
        way_in_insight="Decisions need a question, not a topic.",
    )


@pytest.fixture
def enrollment(learner, version):
    return services.enrollment_create(learner=learner, micromastery=version.micromastery)


@pytest.fixture
def step(version):
    return version.steps.order_by("order").first()


def link_of(enrollment, step):
    return quick_log_path(
        learner_id=enrollment.learner_id, enrollment_id=enrollment.pk, step_id=step.pk
    )


def attempts():
    return list(PracticeAttempt.objects.values_list("pk", "confidence", "what_i_did"))


def test_quick_log_link_get_shows_one_screen_and_changes_nothing(client, enrollment, step):
    # A mail scanner opens every link: opening it must log nothing.
    response = client.get(link_of(enrollment, step), HTTP_USER_AGENT="LinkScanner/1.0")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Step 1" in content
    assert "Write the decision you need at the top of the agenda." in content
    assert "Why this works" in content and "Decisions need a question" in content
    assert content.count('name="confidence"') == 5
    assert "0 of 2 reps." in content
    assert attempts() == []
    enrollment.refresh_from_db()
    assert enrollment.started_at is None


def test_quick_log_link_one_tap_logs_a_rep_without_signing_in(client, enrollment, step):
    link = link_of(enrollment, step)
    response = client.post(link, {"confidence": "4"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Logged: that one counts as a rep." in content
    assert "1 of 2 reps: one more and this step is yours." in content
    assert "Add details" in content
    attempt = PracticeAttempt.objects.get()
    assert (attempt.enrollment_id, attempt.step_id, attempt.confidence) == (
        enrollment.pk,
        step.pk,
        4,
    )
    assert attempt.what_i_did == services.QUICK_LOG_WHAT_I_DID
    assert attempt.minutes == 7  # the micromastery's own estimate
    assert attempt.counts_as_repetition
    assert attempt.submission_key == quick_log_claims(link.split("/")[2]).nonce


def test_quick_log_link_second_tap_says_already_logged(client, enrollment, step):
    link = link_of(enrollment, step)
    client.post(link, {"confidence": "4"})
    again = client.post(link, {"confidence": "2"})
    assert again.status_code == 200
    assert "Already logged" in again.content.decode()
    assert reverse("practice:step", args=[enrollment.pk, step.pk]) in again.content.decode()
    opened = client.get(link)
    assert "Already logged" in opened.content.decode()
    assert [row[1] for row in attempts()] == [4]


def test_quick_log_link_keeps_the_optional_reflection(client, enrollment, step):
    client.post(
        link_of(enrollment, step),
        {"confidence": "3", "what_happened": "Done in 20 minutes.", "what_i_will_tweak": "Ask Sam"},
    )
    attempt = PracticeAttempt.objects.get()
    assert (attempt.what_happened, attempt.what_i_will_tweak) == ("Done in 20 minutes.", "Ask Sam")


@pytest.mark.parametrize("confidence", ["", "9", "four"])
def test_quick_log_bad_confidence_is_refused_with_a_summary_and_saves_nothing(
    client, enrollment, step, confidence
):
    response = client.post(
        link_of(enrollment, step), {"confidence": confidence, "what_happened": "Kept this"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "data-error-summary" in content and 'role="alert"' in content
    assert "Tap how confident you feel, from 1 to 5." in content
    assert 'href="#id_confidence"' in content and 'id="id_confidence"' in content
    assert "Kept this" in content  # what was typed stays
    assert attempts() == []


@pytest.mark.parametrize(
    ("kind", "bad", "good", "stored"),
    [
        (EvidenceKind.NUMBER, "twelve", "12.5", "12.5"),
        (EvidenceKind.LINK, "javascript:alert(1)", "https://docs.example.com/a", None),
    ],
)
def test_quick_log_asks_for_the_steps_evidence_on_the_same_screen(
    client, enrollment, step, kind, bad, good, stored
):
    step.evidence_kind = kind
    step.save()
    link = link_of(enrollment, step)
    assert 'name="evidence"' in client.get(link).content.decode()
    refused = client.post(link, {"confidence": "3", "evidence": bad})
    assert refused.status_code == 400
    assert 'href="#id_evidence"' in refused.content.decode()
    assert attempts() == []
    client.post(link, {"confidence": "3", "evidence": good})
    assert PracticeAttempt.objects.get().evidence == (stored or good)


def test_quick_log_forged_link_is_refused_and_changes_nothing(client, enrollment, step):
    link = link_of(enrollment, step)
    token = link.split("/")[2]
    forged = reverse("practice:quick-log", args=["x" + token])
    for response in (client.get(forged), client.post(forged, {"confidence": "5"})):
        assert response.status_code == 400
        assert "not complete or was changed" in response.content.decode()
    other_purpose = signing.dumps({"u": enrollment.learner_id}, salt="practice.nudges.unsubscribe")
    response = client.post(reverse("practice:quick-log", args=[other_purpose]), {"confidence": "5"})
    assert response.status_code == 400
    assert attempts() == []


def test_quick_log_expired_link_is_refused_and_changes_nothing(client, enrollment, step):
    link = link_of(enrollment, step)
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        response = client.post(link, {"confidence": "5"})
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert attempts() == []


def test_quick_log_link_for_someone_elses_step_is_refused(client, enrollment, step, organization):
    # A link naming one learner and another learner's enrolment logs nothing for either.
    colleague = UserFactory(organization=organization)
    token = signing.dumps(
        {"l": colleague.pk, "e": enrollment.pk, "s": step.pk, "n": uuid.uuid4().hex},
        salt=QUICK_LOG_SALT,
        compress=True,
    )
    response = client.post(reverse("practice:quick-log", args=[token]), {"confidence": "5"})
    assert response.status_code == 403
    assert attempts() == []


def test_quick_log_link_of_a_step_of_another_version_is_refused(client, enrollment, organization):
    other_step = published_version(organization).steps.first()
    link = quick_log_path(
        learner_id=enrollment.learner_id, enrollment_id=enrollment.pk, step_id=other_step.pk
    )
    assert client.post(link, {"confidence": "5"}).status_code == 403
    assert attempts() == []


def test_quick_log_link_refused_to_someone_else_signed_in(
    client, enrollment, step, outsider, organization
):
    for other in (outsider, UserFactory(organization=organization, is_org_admin=True)):
        client.force_login(other)
        response = client.post(link_of(enrollment, step), {"confidence": "5"})
        assert response.status_code == 403
        assert "sent to someone else" in response.content.decode()
    assert attempts() == []


def test_quick_log_link_works_for_the_learner_signed_in_on_another_device(
    client, enrollment, step, learner
):
    client.force_login(learner)
    response = client.post(link_of(enrollment, step), {"confidence": "5"})
    assert "Logged: that one counts as a rep." in response.content.decode()
    assert len(attempts()) == 1


def test_quick_log_link_of_a_deactivated_learner_is_refused(client, enrollment, step, learner):
    link = link_of(enrollment, step)
    learner.is_active = False
    learner.save()
    assert client.post(link, {"confidence": "5"}).status_code == 403
    assert attempts() == []


def test_quick_log_link_of_a_locked_step_logs_nothing(client, enrollment, version):
    second = version.steps.order_by("order")[1]
    link = link_of(enrollment, second)
    assert "opens once the steps before it are done" in client.get(link).content.decode()
    response = client.post(link, {"confidence": "5"})
    assert response.status_code == 400
    assert "opens once the steps before it are done" in response.content.decode()
    assert attempts() == []


def test_quick_log_signed_in_from_home_logs_once_per_submission_key(
    client, enrollment, step, learner
):
    url = reverse("practice:step-quick-log", args=[enrollment.pk, step.pk])
    client.force_login(learner)
    assert client.get(url).status_code == 200
    key = str(uuid.uuid4())
    first = client.post(url, {"confidence": "3", "submission_key": key})
    assert "Logged: that one counts as a rep." in first.content.decode()
    client.post(url, {"confidence": "3", "submission_key": key})
    assert len(attempts()) == 1


def test_quick_log_signed_in_route_is_only_for_the_learners_own_steps(
    client, enrollment, step, organization, outsider
):
    url = reverse("practice:step-quick-log", args=[enrollment.pk, step.pk])
    assert client.get(url).status_code == 302  # sign in first
    for other in (outsider, UserFactory(organization=organization)):
        client.force_login(other)
        assert client.post(url, {"confidence": "3"}).status_code == 404
    assert attempts() == []


def test_home_offers_a_one_tap_log_for_each_due_item_before_anything_else(
    client, enrollment, step, learner
):
    client.force_login(learner)
    content = client.get(reverse("home")).content.decode()
    action = reverse("practice:step-quick-log", args=[enrollment.pk, step.pk])
    assert f'action="{action}"' in content
    main = content.split('<main id="main"')[1]
    first_section = main.split("<section", 2)[1]
    assert 'id="today-heading"' in first_section


def test_api_practice_today_quick_log_url_opens_that_steps_quick_log(
    api_as, client, enrollment, step, learner
):
    item = api_as(learner).get("/api/v1/practice/today/").json()["today"][0]
    path = item["quick_log_url"].removeprefix("http://testserver")
    response = client.get(path)
    assert response.status_code == 200
    assert response.context["step"].step == step
    client.post(path, {"confidence": "4"})
    assert PracticeAttempt.objects.get().enrollment_id == enrollment.pk


def test_in_app_notification_links_to_the_steps_quick_log(client, learner, version):
    from practice.nudges import dispatch, planning
    from practice.nudges.models import Notification
    from tests.practice.nudges.helpers import day, enrol

    enrollment = enrol(learner, version)
    with time_machine.travel(day(1, 10), tick=False):
        planning.nudges_plan(now=day(1, 10))
        ids, token = dispatch.nudges_claim(now=day(1, 10))
        dispatch.nudges_send(nudge_ids=ids, token=token)
        # Email and in-app carry the same link: one rep, whichever is tapped first.
        assert len({nudge.items[0]["path"] for nudge in learner.nudges.all()}) == 1
        assert learner.nudges.count() == 2
        notification = Notification.objects.get(recipient=learner)
        landing = client.get(notification.url, follow=True)
        assert landing.redirect_chain[-1][0].startswith("/q/")
        assert landing.context["step"].step == version.steps.order_by("order").first()
        client.post(landing.redirect_chain[-1][0], {"confidence": "5"})
    assert PracticeAttempt.objects.get().enrollment_id == enrollment.pk


def test_quick_log_shows_the_action_in_a_line_as_text_never_markup(client, enrollment, step):
    step.action = "**Write** the decision <script>alert(1)</script> at the top. " + "More. " * 60
    step.save()
    content = client.get(link_of(enrollment, step)).content.decode()
    summary = content.split('<details class="quick-log-action">')[1].split("</summary>")[0]
    assert "Write the decision" in summary and "**" not in summary
    assert "<script>" not in content.split("<main")[1]
    assert len(summary) < 400


def test_quick_log_token_is_the_one_django_signing_writes_for_its_claims(monkeypatch):
    # Links are put together by hand for speed; they must stay exactly what
    # ``signing.dumps`` writes, so that every link ever sent still reads back.
    monkeypatch.setattr("secrets.token_hex", lambda _bytes: "0f" * 16)
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        path = quick_log_path(learner_id=12, enrollment_id=345, step_id=6789)
        expected = signing.dumps(
            {"l": 12, "e": 345, "s": 6789, "n": "0f" * 16}, salt=QUICK_LOG_SALT
        )
        claims = quick_log_claims(expected)
    assert path == reverse("practice:quick-log", args=[expected])
    assert (claims.learner_id, claims.enrollment_id, claims.step_id) == (12, 345, 6789)
    assert claims.nonce == uuid.UUID(hex="0f" * 16)
