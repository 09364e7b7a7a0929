"""In-app nudges: a Notification row, created in the same transaction that marks it sent."""

from __future__ import annotations

from practice.nudges.channels import in_recipient_language, nudge_subject
from practice.nudges.models import Notification, Nudge
from practice.nudges.tokens import tracking_token


def send(nudge: Nudge) -> Notification:
    from django.urls import reverse

    items = nudge.items
    body = "\n".join(f"{item['title']}: {item['text']}" for item in items)
    with in_recipient_language(nudge):
        title = nudge_subject(nudge)
    notification, _ = Notification.objects.get_or_create(
        nudge=nudge,
        defaults={
            "recipient_id": nudge.recipient_id,
            "title": title,
            "body": body,
            "url": reverse("nudges:click", kwargs={"token": tracking_token(nudge.pk)}),
        },
    )
    return notification
