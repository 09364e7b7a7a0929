"""Delivery: enrolments and the practice attempts learners log.

An enrolment pins the version the learner started on, so steps never change under them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import policies
from accounts.models import User
from courses.models import Micromastery, MicromasteryVersion, PracticeStep
from micromastery.common.models import BaseModel, BoundedTextField


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Practising")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped")


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def for_learner(self, learner: User) -> EnrollmentQuerySet:
        """The enrolments the learner practises in: their own, whatever their role."""
        return self & policies.enrollments_practised_by(learner)

    def current(self) -> EnrollmentQuerySet:
        """Enrolments the learner is working on or keeping fresh (not dropped)."""
        return self.exclude(status=EnrollmentStatus.DROPPED)


class Enrollment(BaseModel):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    # The micromastery is the version's, kept here so that "one enrolment per learner and
    # micromastery" is a database constraint and catalog joins need no version hop.
    micromastery = models.ForeignKey(
        Micromastery, on_delete=models.CASCADE, related_name="enrollments"
    )
    version = models.ForeignKey(
        MicromasteryVersion, on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    personal_payoff = BoundedTextField(
        max_length=1000, blank=True, help_text=_("What success looks like for me, in my own words.")
    )
    started_at = models.DateTimeField(null=True, blank=True, help_text=_("First attempt."))
    completed_at = models.DateTimeField(null=True, blank=True)
    mastered_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    # Drawn once at enrolment with the micromastery's holdout share: the control group
    # gets no practice nudges, so that the payoff of nudging can be measured.
    holdout = models.BooleanField(default=False)
    # Who taught whom: set when a colleague enrols from a teach-back they attended.
    taught_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrollments_taught",
    )
    taught_in = models.ForeignKey(
        "teachback.TeachBackSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrollments_started",
    )

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "micromastery"],
                name="practice_one_enrollment_per_micromastery",
                violation_error_message=_("You are already enrolled in this micromastery."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.micromastery}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class PracticeAttempt(BaseModel):
    """One time the learner acted on purpose, got feedback and decided what to tweak."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attempts")
    step = models.ForeignKey(PracticeStep, on_delete=models.PROTECT, related_name="attempts")
    practiced_at = models.DateTimeField(db_index=True)
    what_i_did = BoundedTextField(max_length=4000)
    what_happened = BoundedTextField(max_length=4000, blank=True)
    feedback_from = models.CharField(max_length=120, blank=True)
    what_i_will_tweak = BoundedTextField(max_length=4000, blank=True)
    confidence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    evidence = models.CharField(max_length=500, blank=True)
    # Decided when the attempt is logged, under a lock on the enrolment: whether it was
    # spaced far enough from the previous repetition to count towards the step.
    counts_as_repetition = models.BooleanField(default=False)
    is_refresher = models.BooleanField(default=False)
    # Sent with the form: resending the same form (double click, retry) logs one attempt.
    submission_key = models.UUIDField(default=uuid.uuid4)

    class Meta:
        ordering = ["-practiced_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "submission_key"], name="practice_attempt_submitted_once"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=1, confidence__lte=5),
                name="practice_attempt_confidence_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["enrollment", "step", "practiced_at"])]

    def __str__(self) -> str:
        return f"{self.step} at {self.practiced_at:%Y-%m-%d %H:%M}"
