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
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from courses.models import Micromastery
from micromastery.common.models import BaseModel, BoundedTextField


class SessionStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("teach-back status", "Proposed")
    SCHEDULED = "scheduled", pgettext_lazy("teach-back status", "Scheduled")
    CANCELLED = "cancelled", pgettext_lazy("teach-back status", "Cancelled")


class TeachBackSession(BaseModel):
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="teachbacks_taught",
        verbose_name=_("teacher"),
    )
    micromastery = models.ForeignKey(
        Micromastery,
        on_delete=models.CASCADE,
        related_name="teachback_sessions",
        verbose_name=_("micromastery"),
    )
    enrollment = models.ForeignKey(
        "practice.Enrollment",
        on_delete=models.CASCADE,
        related_name="teachback_sessions",
        verbose_name=_("enrolment"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PROPOSED
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("length in minutes"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(180)],
    )
    location = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), max_length=2000, blank=True)
    # Candidate start times (UTC ISO strings) the planner found for everyone proposed.
    proposed_slots = models.JSONField(_("proposed times"), default=list, blank=True)
    # Calendar identity: the UID never changes; SEQUENCE grows with every update sent.
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        db_table = "practice_teachbacksession"
        verbose_name = _("teach-back session")
        verbose_name_plural = _("teach-back sessions")
        ordering = ["-starts_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=models.Q(status="proposed"),
                name="practice_one_open_teachback_proposal",
            )
        ]

    def __str__(self) -> str:
        return gettext("Teach-back of %(micromastery)s by %(teacher)s") % {
            "micromastery": self.micromastery,
            "teacher": self.teacher,
        }

    @property
    def ends_at(self) -> datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Rsvp(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation answer", "Not answered")
    ACCEPTED = "accepted", pgettext_lazy("invitation answer", "Accepted")
    DECLINED = "declined", pgettext_lazy("invitation answer", "Declined")


class TeachBackInvite(BaseModel):
    session = models.ForeignKey(
        TeachBackSession,
        on_delete=models.CASCADE,
        related_name="invites",
        verbose_name=_("teach-back session"),
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="teachback_invites",
        verbose_name=_("invitee"),
    )
    rsvp = models.CharField(_("answer"), max_length=10, choices=Rsvp.choices, default=Rsvp.PENDING)
    rsvp_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    feedback_clarity = models.PositiveSmallIntegerField(
        _("clarity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    feedback_will_try = models.BooleanField(_("will try it"), null=True, blank=True)
    feedback_comment = BoundedTextField(_("comment"), max_length=2000, blank=True)
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)

    class Meta:
        db_table = "practice_teachbackinvite"
        verbose_name = _("teach-back invitation")
        verbose_name_plural = _("teach-back invitations")
        ordering = ["invitee__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "invitee"], name="practice_invite_once")
        ]

    def __str__(self) -> str:
        return gettext("%(invitee)s to %(session)s") % {
            "invitee": self.invitee,
            "session": self.session,
        }
