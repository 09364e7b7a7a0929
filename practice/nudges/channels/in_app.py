"""In-app nudges: a Notification row, created in the same transaction that marks it sent."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from practice.nudges.models import Notification, Nudge
from practice.nudges.tokens import tracking_token


def send_all(nudges: Sequence[Nudge]) -> None:
    """One notification per nudge; a nudge that already has one gets no second."""
    Notification.objects.bulk_create(
        [
            Notification(
                nudge=nudge,
                recipient_id=nudge.recipient_id,
                title=nudge.payload.get("subject", "Time to practise"),
                body="\n".join(f"{item['title']}: {item['text']}" for item in nudge.items),
                url=reverse("nudges:click", kwargs={"token": tracking_token(nudge.pk)}),
            )
            for nudge in nudges
        ],
        ignore_conflicts=True,
    )
