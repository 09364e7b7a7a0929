from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from practice.nudges import dispatch, planning
from practice.nudges.models import Notification, Nudge, NudgePreference, TeamWebhook
from practice.nudges.tokens import tracking_token, unsubscribe_token
from tests.factories import TeamWebhookFactory
from tests.practice.nudges.helpers import day, enrol

pytestmark = pytest.mark.django_db

PREFERENCES = {
    "subscribed": "on",
    "email_enabled": "on",
    "in_app_enabled": "on",
    "paused_until": "",
    "time_zone": "Asia/Tokyo",
    "work_starts_at": "08:30",
    "work_ends_at": "16:00",
    "working_days": ["1", "2", "3", "4"],
}


def notify(user, count=1):
    return [
        Notification.objects.create(recipient=user, title=f"Practise {index}", url="/")
        for index in range(count)
    ]


def test_preferences_page_saves_channels_hours_and_pause(client, learner):
    client.force_login(learner)
    assert client.get(reverse("nudges:preferences")).status_code == 200
    data = {**PREFERENCES, "paused_until": (timezone.localdate() + timedelta(days=3)).isoformat()}
    response = client.post(reverse("nudges:preferences"), data)
    assert response.status_code == 302
    learner.refresh_from_db()
    preference = NudgePreference.objects.get(user=learner)
    assert (learner.time_zone, learner.work_starts_at, learner.working_days) == (
        "Asia/Tokyo",
        time(8, 30),
        [1, 2, 3, 4],
    )
    assert preference.webhook_enabled is False and preference.paused_until


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
        # 08:30-08:00 is a night shift now; the same start and end is no working time.
        (
            {"work_ends_at": "08:30"},
            "work_ends_at",
            "Working hours must start and end at different times.",
        ),
        ({"paused_until": "2020-01-01"}, "paused_until", "Choose today or a later day"),
    ],
)
def test_preferences_page_bad_input_shows_error_and_saves_nothing(
    client, learner, change, field, message
):
    client.force_login(learner)
    response = client.post(reverse("nudges:preferences"), {**PREFERENCES, **change})
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    learner.refresh_from_db()
    assert learner.time_zone == "Europe/London"
    assert not NudgePreference.objects.filter(user=learner).exists()


def test_pages_need_sign_in(client):
    for name in ("nudges:preferences", "nudges:notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_notification_center_lists_only_own_and_bell_counts_unread(
    client, learner, outsider, django_assert_max_num_queries
):
    notify(learner, 30)
    notify(outsider, 2)[0].title = "secret"
    client.force_login(learner)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("nudges:notifications"))
    page = response.content.decode()
    assert page.count('class="notification notification-unread"') == 25
    assert '30<span class="visually-hidden"> unread</span>' in page


def test_bell_counts_own_unread_on_home_and_step_pages(client, learner, outsider):
    """Home and the step page count the bell with a query of their own: the same number."""
    enrollment = enrol(learner)
    step = enrollment.version.steps.order_by("order").first()
    read, *_ = notify(learner, 3)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    notify(outsider, 5)
    client.force_login(learner)
    pages = [reverse("home"), reverse("practice:step", args=[enrollment.pk, step.pk])]
    for url in pages:
        assert '2<span class="visually-hidden"> unread</span>' in client.get(url).content.decode()
    Notification.objects.filter(recipient=learner).update(read_at=timezone.now())
    for url in pages:
        assert "bell-count" not in client.get(url).content.decode()


def test_mark_read_own_only(client, learner, outsider):
    mine = notify(learner)[0]
    theirs = notify(outsider)[0]
    client.force_login(learner)
    assert client.get(reverse("nudges:notification-read", args=[mine.pk])).status_code == 405
    assert client.post(reverse("nudges:notification-read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("nudges:notification-read", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at and theirs.read_at is None
    notify(learner, 3)
    client.post(reverse("nudges:notifications-read-all"))
    assert not Notification.objects.filter(recipient=learner, read_at__isnull=True).exists()


def test_api_lists_own_notifications_and_marks_read(
    api_as, api_client, learner, outsider, django_assert_num_queries
):
    notify(learner, 12)
    theirs = notify(outsider)[0]
    client = api_as(learner)
    with django_assert_num_queries(2):
        response = client.get("/api/v1/notifications/")
    assert response.status_code == 200
    assert response.json()["count"] == 12
    first = response.json()["results"][0]
    assert set(first) == {"id", "title", "body", "url", "created_at", "read_at", "is_read"}
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    marked = client.post(f"/api/v1/notifications/{first['id']}/read/")
    assert marked.status_code == 200 and marked.json()["is_read"] is True
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 11
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/notifications/").status_code == 401


def test_unsubscribe_link_confirms_then_stops_every_nudge(client, learner):
    token = unsubscribe_token(learner.pk)
    url = reverse("nudges:unsubscribe", args=[token])
    assert b"Stop practice nudges?" in client.get(url).content
    assert not NudgePreference.objects.filter(user=learner, unsubscribed_at__isnull=False).exists()
    response = client.post(url)  # what a mail client's one-click POST does, no session
    assert b"You are unsubscribed" in response.content
    assert NudgePreference.objects.get(user=learner).unsubscribed_at


@pytest.mark.parametrize("forge", ["tampered", "expired", "other_purpose"])
def test_unsubscribe_forged_or_expired_token_changes_nothing(client, learner, forge):
    token = unsubscribe_token(learner.pk)
    if forge == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif forge == "other_purpose":
        token = tracking_token(learner.pk)
    with time_machine.travel(timezone.now() + timedelta(days=91 if forge == "expired" else 0)):
        response = client.post(reverse("nudges:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert b"This unsubscribe link does not work" in response.content
    assert not NudgePreference.objects.filter(user=learner).exists()


def test_click_records_and_lands_on_the_steps_quick_log(client, learner):
    enrollment = enrol(learner)
    planning.nudges_plan(now=day(1, 10))
    with time_machine.travel(day(1, 10), tick=False):
        ids, token = dispatch.nudges_claim(now=day(1, 10))
        dispatch.nudges_send(nudge_ids=ids, token=token)
    nudge = Nudge.objects.get(channel="email")
    step = enrollment.version.steps.order_by("order").first()
    response = client.get(reverse("nudges:click", args=[tracking_token(nudge.pk)]))
    assert response.status_code == 302
    assert response["Location"].startswith("/q/")
    with time_machine.travel(day(1, 11), tick=False):
        landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert landing.context["step"].step == step
    nudge.refresh_from_db()
    assert nudge.clicked_at and nudge.opened_at
    forged = client.get(reverse("nudges:click", args=["x" + tracking_token(nudge.pk)]))
    assert forged["Location"] == reverse("home")
    pixel = client.get(reverse("nudges:opened", args=[tracking_token(nudge.pk)]))
    assert pixel["Content-Type"] == "image/gif"


def test_team_webhook_admin_for_org_admins_of_the_team_only(
    client, org_admin, learner, team, outsider
):
    webhook = TeamWebhookFactory(team=team)
    url = reverse("admin:nudges_teamwebhook_change", args=[webhook.pk])
    client.force_login(learner)
    assert client.get(url).status_code == 302  # not staff: to the admin login
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(org_admin)
    assert client.get(url).status_code == 200
    response = client.post(url, {"team": team.pk, "url": "ftp://example.com/x", "is_active": "on"})
    assert response.status_code == 200
    assert "Use an http:// or https:// address" in response.content.decode()
    webhook.refresh_from_db()
    assert webhook.url.startswith("https://hooks.example.com")


def test_team_webhook_admin_refuses_a_private_target_in_production(client, org_admin, team):
    client.force_login(org_admin)
    from django.test import override_settings

    with override_settings(NUDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS=False):
        response = client.post(
            reverse("admin:nudges_teamwebhook_add"),
            {"team": team.pk, "url": "http://192.168.1.20/hook", "is_active": "on"},
        )
    assert "points into a private network" in response.content.decode()
    assert not TeamWebhook.objects.exists()


def test_nudge_admin_scoped_to_organization(client, org_admin, outsider, learner):
    enrol(learner)
    planning.nudges_plan(now=day(1, 10))
    nudge = Nudge.objects.first()
    client.force_login(outsider)
    assert client.get(reverse("admin:nudges_nudge_change", args=[nudge.pk])).status_code == 404
    client.force_login(org_admin)
    assert client.get(reverse("admin:nudges_nudge_change", args=[nudge.pk])).status_code == 200
