"""Writes of the nudge feature: preferences, unsubscribe, notifications, tracking, webhooks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.services import user_update_profile
from micromastery.common.errors import ApplicationError
from practice.nudges.channels.webhook import webhook_url_problem
from practice.nudges.models import (
    Notification,
    Nudge,
    NudgePreference,
    NudgeStatus,
    TeamWebhook,
    new_webhook_secret,
)
from practice.nudges.planning import nudges_replan_for


def _preference_for_update(user: User) -> NudgePreference:
    preference, _ = NudgePreference.objects.select_for_update().get_or_create(user=user)
    return preference


@transaction.atomic
def nudge_preferences_update(
    *,
    user: User,
    email_enabled: bool,
    in_app_enabled: bool,
    webhook_enabled: bool,
    paused_until: date | None,
    subscribed: bool,
    time_zone: str,
    work_starts_at: time,
    work_ends_at: time,
    working_days: list[int],
    today: date | None = None,
) -> NudgePreference:
    """Save how the learner wants to be nudged and re-plan their planned nudges.

    Working hours, days and time zone are the profile's (same rules as the account
    page). Planned nudges are dropped and planned again by the next planner run under
    the new rules; a nudge already being sent checks the preferences before it goes out.
    """
    today = today or timezone.localdate(timezone=user.zone)
    if paused_until is not None and paused_until < today:
        raise ApplicationError(
            _("A pause ends today or later. Leave the date empty to keep nudges on."),
            fields={"paused_until": [_("Choose today or a later day, or leave it empty.")]},
        )
    user_update_profile(
        user=user,
        display_name=user.display_name,
        time_zone=time_zone,
        work_starts_at=work_starts_at,
        work_ends_at=work_ends_at,
        working_days=working_days,
        language=user.language,
    )
    preference = _preference_for_update(user)
    preference.email_enabled = email_enabled
    preference.in_app_enabled = in_app_enabled
    preference.webhook_enabled = webhook_enabled
    preference.paused_until = paused_until
    if not subscribed and preference.unsubscribed_at is None:
        preference.unsubscribed_at = timezone.now()
    elif subscribed:
        preference.unsubscribed_at = None
    preference.save()
    nudges_replan_for(user=user)
    return preference


@transaction.atomic
def nudges_unsubscribe(*, user: User) -> NudgePreference:
    """Stop every nudge to this person (the one-click link in each email)."""
    preference = _preference_for_update(user)
    if preference.unsubscribed_at is None:
        preference.unsubscribed_at = timezone.now()
        preference.save(update_fields=["unsubscribed_at", "updated_at"])
    nudges_replan_for(user=user)
    return preference


@dataclass(frozen=True)
class NotificationDraft:
    """One in-app notification to create; ``key`` names the event it reports."""

    recipient: User
    title: str
    body: str = ""
    url: str = ""
    key: str | None = None


def notifications_create(*, drafts: Iterable[NotificationDraft]) -> int:
    """In-app notifications for events that are not nudges (invitations, assignments).

    Idempotent by key: a draft whose key already has a notification creates nothing, so
    a callback that runs twice never notifies twice. These are events, not nudges: they
    are created whatever the recipient's nudge preferences (channels, pause, working
    hours), which govern only the nudges. Returns how many drafts were offered.
    """
    rows = [
        Notification(
            recipient=draft.recipient,
            title=draft.title[:200],
            body=draft.body,
            url=draft.url[:500],
            key=draft.key,
        )
        for draft in drafts
    ]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def notification_mark_read(*, notification: Notification, now: datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def nudge_record_click(*, nudge: Nudge) -> None:
    """First click counts (effectiveness is "practised within 24 hours of a nudge")."""
    now = timezone.now()
    Nudge.objects.filter(pk=nudge.pk, clicked_at__isnull=True).update(clicked_at=now)
    Nudge.objects.filter(pk=nudge.pk, opened_at__isnull=True).update(opened_at=now)
    Notification.objects.filter(nudge=nudge, read_at__isnull=True).update(read_at=now)


def nudge_record_open(*, nudge_id: int) -> None:
    Nudge.objects.filter(pk=nudge_id, opened_at__isnull=True).update(opened_at=timezone.now())


def _url_checked(url: str) -> str:
    problem = webhook_url_problem(url)
    if problem:
        raise ApplicationError(problem, fields={"url": [problem]})
    return url.strip()


@transaction.atomic
def team_webhook_save(
    *,
    team: Team,
    url: str,
    is_active: bool = True,
    secret: str | None = None,
    service: str | None = None,
) -> TeamWebhook:
    """Connect (or re-point) a team's chat; the admin's save. Keeps the secret unless given."""
    url = _url_checked(url)
    webhook = TeamWebhook.objects.filter(team=team).first() or TeamWebhook(team=team)
    webhook.url = url
    webhook.is_active = is_active
    if service:
        webhook.service = service
    if secret:
        webhook.secret = secret
    webhook.save()
    return webhook


def nudges_cancel_planned_for(user: User) -> int:
    """Cancel what is planned for a person who was deactivated; returns how many.

    Sent nudges stay as they were: they are the record of what reached the person.
    """
    return Nudge.objects.filter(recipient=user, status=NudgeStatus.PLANNED).update(
        status=NudgeStatus.CANCELLED, last_error="The person was deactivated."
    )


def team_webhook_require_manager(team: Team, by: User) -> None:
    """Refuse, with a message, anyone who does not manage this team's chat."""
    from practice.nudges.selectors import teams_for_webhooks

    if not teams_for_webhooks(viewer=by).filter(pk=team.pk).exists():
        message = _("You can only connect the chat of a team you manage.")
        raise ApplicationError(message, fields={"team": [message]})


@transaction.atomic
def team_webhook_create(
    *, team: Team, by: User, url: str, service: str, is_active: bool = True
) -> TeamWebhook:
    """Connect a team's chat. A new signing secret is made: show it to the person now, it
    is not shown again (``team_webhook_rotate_secret`` makes a new one)."""
    team_webhook_require_manager(team, by)
    url = _url_checked(url)
    if TeamWebhook.objects.filter(team=team).exists():
        message = _("%(team)s already has a chat webhook: change that one instead.") % {
            "team": team
        }
        raise ApplicationError(message, fields={"team": [message]})
    return TeamWebhook.objects.create(team=team, url=url, service=service, is_active=is_active)


@transaction.atomic
def team_webhook_update(
    *,
    webhook: TeamWebhook,
    by: User,
    url: str | None = None,
    service: str | None = None,
    is_active: bool | None = None,
) -> TeamWebhook:
    team_webhook_require_manager(webhook.team, by)
    webhook = TeamWebhook.objects.select_for_update().get(pk=webhook.pk)
    if url is not None:
        webhook.url = _url_checked(url)
    if service is not None:
        webhook.service = service
    if is_active is not None:
        webhook.is_active = is_active
    webhook.save()
    return webhook


@transaction.atomic
def team_webhook_delete(*, webhook: TeamWebhook, by: User) -> None:
    team_webhook_require_manager(webhook.team, by)
    webhook.delete()


@transaction.atomic
def team_webhook_rotate_secret(*, webhook: TeamWebhook, by: User) -> TeamWebhook:
    """A new signing secret, in force at once: the receiver must be given it."""
    team_webhook_require_manager(webhook.team, by)
    webhook = TeamWebhook.objects.select_for_update().get(pk=webhook.pk)
    webhook.secret = new_webhook_secret()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook
