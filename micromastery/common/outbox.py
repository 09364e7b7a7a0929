"""The shape of a message handed to the outbox, for apps that sit above the delivery layer.

The outbox itself lives in the delivery app (``practice.nudges.outbox``), which depends on
``accounts``; ``accounts`` (people invitations, password links) hands its messages over
through the ``outbox_handlers`` registry below, which the delivery app fills in its
``ready()``. Everything rendered here is stored as it is: a resend is byte-for-byte the
message the person was first sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

from micromastery.common.registry import Registry


class MessageKind(models.TextChoices):
    """What a message in the outbox is about (nudges have kinds of their own)."""

    TEACHBACK_INVITE = "teachback_invite", _("Teach-back invitation")
    TEACHBACK_UPDATE = "teachback_update", _("Teach-back update")
    TEACHBACK_CANCEL = "teachback_cancel", _("Teach-back cancellation")
    FEEDBACK_REQUEST = "feedback_request", _("Teach-back feedback request")
    COHORT_ASSIGNMENT = "cohort_assignment", _("Cohort assignment")
    KICKOFF_UPDATE = "kickoff_update", _("Kickoff update")
    KICKOFF_CANCEL = "kickoff_cancel", _("Kickoff cancellation")
    PEOPLE_INVITATION = "people_invitation", _("Invitation to the platform")
    PASSWORD_RESET = "password_reset", _("Password link")
    WEBHOOK_TEST = "webhook_test", _("Team chat test message")
    XAPI_STATEMENT = "xapi_statement", _("Learning record (xAPI statement)")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str


@dataclass(frozen=True)
class OutgoingEmail:
    """One rendered email to one person; ``key`` makes enqueueing it twice a no-op."""

    recipient_id: int
    to: str
    kind: MessageKind
    key: str
    subject: str
    text: str
    html: str = ""
    attachments: Sequence[Attachment] = ()
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingPost:
    """One JSON document for a receiver that a registered ``OutboxSender`` knows how to
    reach (an xAPI statement for the organization's LRS); ``key`` as for emails."""

    recipient_id: int
    to: str
    kind: MessageKind
    key: str
    subject: str
    payload: dict[str, Any]


class OutboxSender(Protocol):
    """Delivers the posts of one ``kind``; raises the delivery layer's ``TransientSendError``
    (retried) or ``PermanentSendError`` (recorded as failed) when it could not."""

    kind: MessageKind

    def send(self, *, recipient_id: int | None, payload: dict[str, Any]) -> None: ...


# One sender per kind of post, registered by the app that owns the receiver.
outbox_senders: Registry[OutboxSender] = Registry("outbox senders", key=lambda sender: sender.kind)


def outbox_sender_for(kind: str) -> OutboxSender | None:
    return next((sender for sender in outbox_senders if sender.kind == kind), None)


Handler = Callable[[Sequence[OutgoingEmail]], int]

# Exactly one handler: the delivery app's enqueue.
outbox_handlers: Registry[Handler] = Registry("outbox_handlers")


def emails_enqueue(*, emails: Sequence[OutgoingEmail]) -> int:
    """Hand these emails to the outbox (in the caller's transaction); how many were new."""
    handlers = list(outbox_handlers)
    if len(handlers) != 1:
        raise RuntimeError(f"Expected one outbox handler, found {len(handlers)}.")
    return handlers[0](emails)
