"""Reads of the nudge feature, scoped to the person who asks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Team, User
from practice.nudges.models import Notification, Nudge, NudgePreference, TeamWebhook


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notification_get(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def nudge_preference_get(*, user: User) -> NudgePreference:
    return NudgePreference.objects.filter(user=user).first() or NudgePreference(user=user)


def nudge_get_for_tracking(*, nudge_id: int) -> Nudge | None:
    return Nudge.objects.filter(pk=nudge_id).first()


def teams_for_webhooks(*, viewer: User) -> QuerySet[Team]:
    """The teams whose chat webhook the viewer connects: every team of their organization
    for an org admin, the teams they manage for a manager, none for anyone else."""
    if viewer.is_superuser:
        return Team.objects.all()
    teams = Team.objects.filter(organization__users=viewer)
    if viewer.is_org_admin:
        return teams
    return teams.managed_by(viewer).distinct()


def team_webhooks_may_manage(*, viewer: User) -> bool:
    """Whether the viewer manages any team webhooks at all (else the API is a 403)."""
    return bool(viewer.is_superuser or viewer.is_org_admin or viewer.managed_teams.exists())


def team_webhook_list(*, viewer: User) -> QuerySet[TeamWebhook]:
    return TeamWebhook.objects.filter(team__in=teams_for_webhooks(viewer=viewer)).select_related(
        "team"
    )


def team_webhook_get(*, viewer: User, webhook_id: int) -> TeamWebhook:
    """One webhook the viewer manages; any other (another team's, another organization's)
    is a 404, so that its existence is not confirmed."""
    webhook = team_webhook_list(viewer=viewer).filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404("No such team webhook.")
    return webhook
