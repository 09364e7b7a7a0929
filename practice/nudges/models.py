"""Nudges, the learner's nudge preferences, in-app notifications and team webhooks.

The tables keep the ``practice_`` names they had while these models belonged to the practice
app, so that making this an app of its own moved no data.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Team
from micromastery.common.models import BaseModel
from micromastery.common.outbox import MessageKind


class NudgeKind(models.TextChoices):
    PRACTICE_DUE = "practice_due", _("Practice due")
    START = "start_nudge", _("Time to start")
    STREAK_AT_RISK = "streak_at_risk", _("Streak at risk")
    REFRESHER_DUE = "refresher_due", _("Refresher due")
    PAYOFF_CHECKIN_DUE = "payoff_checkin_due", _("Payoff check-in due")
    DIGEST = "digest", _("Several things due")
    TEACHBACK_REMINDER = "teachback_reminder", _("Teach-back reminder")


# Appointments, not practice: planned for their exact moment, one nudge per item, outside
# the one-a-day cap and working hours (rules in ``practice.nudges.planning``).
TIME_CRITICAL_KINDS = (NudgeKind.TEACHBACK_REMINDER,)


class NudgeChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In-app notification")
    WEBHOOK = "webhook", _("Team chat (Slack/Teams)")
    # Outbox only: learning records for the organization's Learning Record Store.
    XAPI = "xapi", _("Learning Record Store (xAPI)")


class NudgeStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("nudge status", "Planned")
    SENDING = "sending", pgettext_lazy("nudge status", "Sending")
    SENT = "sent", pgettext_lazy("nudge status", "Sent")
    FAILED = "failed", pgettext_lazy("nudge status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("nudge status", "Cancelled")
    SUPPRESSED = "suppressed", pgettext_lazy("nudge status", "Suppressed")


# A nudge in one of these states no longer counts towards the daily cap.
NOT_COUNTING_STATUSES = (NudgeStatus.CANCELLED, NudgeStatus.SUPPRESSED)


def paused_on(paused_until: date | None, day: date) -> bool:
    """The pause rule: no nudges up to and including the day the pause ends."""
    return paused_until is not None and day <= paused_until


class NudgePreference(BaseModel):
    """How a learner wants to be nudged. Missing row: every channel on, no pause."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudge_preference"
    )
    email_enabled = models.BooleanField(_("email"), default=True)
    in_app_enabled = models.BooleanField(_("in-app notifications"), default=True)
    webhook_enabled = models.BooleanField(_("team chat (Slack or Teams)"), default=True)
    paused_until = models.DateField(
        null=True, blank=True, help_text=_("No nudges up to and including this day.")
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("nudge preference")
        verbose_name_plural = _("nudge preferences")
        db_table = "practice_nudgepreference"

    def __str__(self) -> str:
        return f"Nudge preferences of {self.user}"

    def is_paused_on(self, day: date) -> bool:
        return paused_on(self.paused_until, day)

    def channel_enabled(self, channel: str) -> bool:
        return {
            NudgeChannel.EMAIL: self.email_enabled,
            NudgeChannel.IN_APP: self.in_app_enabled,
            NudgeChannel.WEBHOOK: self.webhook_enabled,
        }.get(NudgeChannel(channel), False)


class NudgeQuerySet(models.QuerySet["Nudge"]):
    def counting(self) -> NudgeQuerySet:
        """Nudges that use up the recipient's one nudge of the day."""
        return self.exclude(status__in=NOT_COUNTING_STATUSES).exclude(kind__in=TIME_CRITICAL_KINDS)


class Nudge(BaseModel):
    """One message to one learner over one channel, planned for a moment of their day.

    The same day's message goes out over every channel the learner turned on; the daily
    cap is "one local day, one message", enforced by a constraint on
    (recipient, local_date, channel) for nudges that still count. Time-critical kinds
    (teach-back reminders) are outside the cap.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="nudges",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NudgeKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=NudgeChannel.choices)
    # What the nudge is about, e.g. "enrollment:12:step:40"; "day" for a digest.
    subject_ref = models.CharField(max_length=120)
    local_date = models.DateField(
        _("local date"), help_text=_("The recipient's own calendar day it is for.")
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=10, choices=NudgeStatus.choices, default=NudgeStatus.PLANNED
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    # Set by the dispatcher when it claims the nudge; a send task only acts on a nudge
    # whose token is the one it was given, so a redelivered or stale task never sends.
    claim_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    webhook = models.ForeignKey(
        "nudges.TeamWebhook",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("webhook"),
    )

    objects = NudgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        db_table = "practice_nudge"
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "local_date", "channel"],
                condition=~models.Q(status__in=["cancelled", "suppressed"])
                & ~models.Q(kind__in=list(TIME_CRITICAL_KINDS)),
                name="practice_nudge_one_per_day_and_channel",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="practice_nudge_due"),
            models.Index(fields=["status", "lease_expires_at"], name="practice_nudge_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id} ({self.channel}, {self.status})"

    @property
    def is_time_critical(self) -> bool:
        return self.kind in TIME_CRITICAL_KINDS

    @property
    def idempotency_key(self) -> str:
        """Sent with every email and webhook post, so that a receiver can drop a repeat."""
        return f"nudge-{self.pk}"

    @property
    def items(self) -> list[dict[str, str]]:
        return list(self.payload.get("items", []))


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(BaseModel):
    """What the bell counts and the notification centre lists: an in-app nudge, or an
    event that is not a nudge (an invitation, an assignment, a feedback request)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # One notification per in-app nudge, whatever happens to the task that creates it.
    nudge = models.OneToOneField(
        Nudge, on_delete=models.SET_NULL, null=True, blank=True, related_name="notification"
    )
    # The event a notification that is not a nudge reports ("teachback-invite:<uid>:<user>"):
    # creating it again with the same key creates nothing.
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        db_table = "practice_notification"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="practice_notif_unread")]

    def __str__(self) -> str:
        return self.title


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class ChatService(models.TextChoices):
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")


class TeamWebhook(BaseModel):
    """A team's incoming webhook (Slack or Microsoft Teams) that receives its nudges."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, related_name="nudge_webhook", verbose_name=_("team")
    )
    service = models.CharField(
        _("service"),
        max_length=8,
        choices=ChatService.choices,
        default=ChatService.SLACK,
        help_text=_("Slack gets Block Kit messages, Teams an Adaptive Card."),
    )
    url = models.URLField(
        _("webhook URL"),
        max_length=500,
        help_text=_("The incoming-webhook URL from Slack or Microsoft Teams (https)."),
    )
    secret = models.CharField(
        max_length=128,
        default=new_webhook_secret,
        help_text=_("Signs each post (HMAC-SHA256 in X-Micromastery-Signature)."),
    )
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("team webhook")
        verbose_name_plural = _("team webhooks")
        db_table = "practice_teamwebhook"
        ordering = ["team__name"]

    def __str__(self) -> str:
        return f"Webhook of {self.team}"


class OutboxMessage(BaseModel):
    """One message that is not a nudge (an invitation, a cancellation, a password link, a
    test post to a team's chat), rendered when it was enqueued and delivered by a task.

    Claimed, leased and retried by the same rules as nudges (``practice.nudges.dispatch``):
    ``idempotency_key`` makes enqueueing the same event twice a no-op, and every attempt
    carries the same ``Message-ID`` or ``Idempotency-Key``. These are events the person is
    waiting for: neither the daily nudge cap, working hours nor a nudge unsubscribe
    holds them back.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("recipient"),
    )
    to = models.CharField(_("to"), max_length=254, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=NudgeChannel.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NudgeStatus.choices, default=NudgeStatus.PLANNED
    )
    due_at = models.DateTimeField(_("due at"))
    claim_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("failure reason"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(blank=True)
    # [{"filename", "content", "mimetype"}]: the calendar file of an invitation.
    attachments = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # The JSON body of a team chat post.
    payload = models.JSONField(default=dict, blank=True)
    webhook = models.ForeignKey(
        TeamWebhook,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("webhook"),
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-due_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="nudges_outbox_due"),
            models.Index(fields=["status", "lease_expires_at"], name="nudges_outbox_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to or self.webhook_id} ({self.status})"

    @property
    def message_key(self) -> str:
        """The same on every attempt (Message-ID, Idempotency-Key)."""
        return f"outbox-{self.pk}"
