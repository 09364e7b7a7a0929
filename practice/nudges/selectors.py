"""Reads of the nudge feature, scoped to the person who asks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts import policies
from accounts.models import User
from practice.nudges.models import Notification, Nudge, NudgePreference


def notification_list(*, user: User) -> QuerySet[Notification]:
    return policies.notifications_visible_to(user).order_by("-created_at", "-pk")


def notification_get(*, user: User, notification_id: int) -> Notification:
    notification = policies.notifications_visible_to(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def notification_unread_count(*, user: User) -> int:
    return policies.notifications_visible_to(user).filter(read_at__isnull=True).count()


def nudge_preference_get(*, user: User) -> NudgePreference:
    return NudgePreference.objects.filter(user=user).first() or NudgePreference(user=user)


def nudge_get_for_tracking(*, nudge_id: int) -> Nudge | None:
    return Nudge.objects.filter(pk=nudge_id).first()
