"""Peer teach-back: a learner who completed the practice teaches it to colleagues.

The tables keep the ``practice_`` names they had while these models belonged to the practice
app, so that making this an app of its own moved no data.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from courses.models import Micromastery
from micromastery.common.models import BaseModel, BoundedTextField


class SessionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class TeachBackSession(BaseModel):
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teachbacks_taught"
    )
    micromastery = models.ForeignKey(
        Micromastery, on_delete=models.CASCADE, related_name="teachback_sessions"
    )
    enrollment = models.ForeignKey(
        "practice.Enrollment", on_delete=models.CASCADE, related_name="teachback_sessions"
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.PROPOSED
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(10), MaxValueValidator(180)]
    )
    location = models.CharField(max_length=200, blank=True)
    video_url = models.URLField(max_length=2000, blank=True)
    # Candidate start times (UTC ISO strings) the planner found for everyone proposed.
    proposed_slots = models.JSONField(default=list, blank=True)
    # Calendar identity: the UID never changes; SEQUENCE grows with every update sent.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "practice_teachbacksession"
        ordering = ["-starts_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=models.Q(status="proposed"),
                name="practice_one_open_teachback_proposal",
            )
        ]

    def __str__(self) -> str:
        return f"Teach-back of {self.micromastery} by {self.teacher}"

    @property
    def ends_at(self) -> datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Rsvp(models.TextChoices):
    PENDING = "pending", "Not answered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class TeachBackInvite(BaseModel):
    session = models.ForeignKey(TeachBackSession, on_delete=models.CASCADE, related_name="invites")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teachback_invites"
    )
    rsvp = models.CharField(max_length=10, choices=Rsvp.choices, default=Rsvp.PENDING)
    rsvp_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)
    feedback_clarity = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    feedback_will_try = models.BooleanField(null=True, blank=True)
    feedback_comment = BoundedTextField(max_length=2000, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "practice_teachbackinvite"
        ordering = ["invitee__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "invitee"], name="practice_invite_once")
        ]

    def __str__(self) -> str:
        return f"{self.invitee} to {self.session}"
