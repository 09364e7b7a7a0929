"""In-app nudges: a Notification row in the recipient's language, created in the same transaction
that marks it sent."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from practice.nudges.channels import in_recipient_language, nudge_subject
from practice.nudges.models import Notification, Nudge
from practice.nudges.tokens import tracking_token


def send_all(nudges: Sequence[Nudge]) -> None:
    """One notification per nudge; a nudge that already has one gets no second."""
    notifications = []
    for nudge in nudges:
        with in_recipient_language(nudge):
            title = nudge_subject(nudge)
        notifications.append(
            Notification(
                nudge=nudge,
                recipient_id=nudge.recipient_id,
                title=title,
                body="\n".join(f"{item['title']}: {item['text']}" for item in nudge.items),
                url=reverse("nudges:click", kwargs={"token": tracking_token(nudge.pk)}),
            )
        )
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)


def send(nudge: Nudge) -> Notification:
    """One nudge's notification (a batch sends them with ``send_all``)."""
    send_all([nudge])
    return Notification.objects.get(nudge=nudge)
