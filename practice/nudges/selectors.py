"""Reads of the nudge feature, scoped to the person who asks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts import policies
from accounts.models import Team, User
from micromastery.common.models import SubqueryCount
from practice.nudges.models import Notification, Nudge, NudgePreference, TeamWebhook


def notification_list(*, user: User) -> QuerySet[Notification]:
    return policies.notifications_visible_to(user).order_by("-created_at", "-pk")


def notification_get(*, user: User, notification_id: int) -> Notification:
    notification = policies.notifications_visible_to(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404(_("No such notification."))
    return notification


def _notifications_unread(*, user: User) -> QuerySet[Notification]:
    return policies.notifications_visible_to(user).filter(read_at__isnull=True)


def notification_unread_count(*, user: User) -> int:
    return _notifications_unread(user=user).count()


def notification_unread_count_expression(*, user: User) -> SubqueryCount:
    """The bell's count for a page that makes a query anyway: it annotates this and hands
    the number to its template as ``unread_notifications`` (which the layout's context
    processor then leaves alone), one query fewer."""
    return SubqueryCount(_notifications_unread(user=user))


def nudge_preference_get(*, user: User) -> NudgePreference:
    return NudgePreference.objects.filter(user=user).first() or NudgePreference(user=user)


def nudge_get_for_tracking(*, nudge_id: int) -> Nudge | None:
    return Nudge.objects.filter(pk=nudge_id).first()


def teams_for_webhooks(*, viewer: User) -> QuerySet[Team]:
    """The teams whose chat webhook the viewer connects: every team of their organization
    for an org admin, the teams they manage for a manager, none for anyone else."""
    return policies.teams_whose_chat_is_managed_by(viewer)


def team_webhooks_may_manage(*, viewer: User) -> bool:
    """Whether the viewer manages any team webhooks at all (else the API is a 403)."""
    # An org admin may connect a first team even before any exists (the list is empty).
    if viewer.is_active and (viewer.is_superuser or viewer.is_org_admin):
        return True
    return teams_for_webhooks(viewer=viewer).exists()


def team_webhook_list(*, viewer: User) -> QuerySet[TeamWebhook]:
    return TeamWebhook.objects.filter(team__in=teams_for_webhooks(viewer=viewer)).select_related(
        "team"
    )


def team_webhook_get(*, viewer: User, webhook_id: int) -> TeamWebhook:
    """One webhook the viewer manages; any other (another team's, another organization's)
    is a 404, so that its existence is not confirmed."""
    webhook = team_webhook_list(viewer=viewer).filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404(_("No such team webhook."))
    return webhook
