"""Cohorts and the record of who was assigned what.

The tables keep the ``practice_`` names they had while these models belonged to the practice
app, so that making this an app of its own moved no data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Team
from courses.models import Course, Micromastery
from micromastery.common.models import BaseModel


class CohortQuerySet(models.QuerySet["Cohort"]):
    def for_organization(self, organization: Organization | int | None) -> CohortQuerySet:
        return self.filter(organization=organization)


class Cohort(BaseModel):
    """Learners from teams and/or hand-picked people, assigned a micromastery or a course."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="cohorts",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=150)
    micromastery = models.ForeignKey(
        Micromastery,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cohorts",
        verbose_name=_("micromastery"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cohorts",
        verbose_name=_("course"),
    )
    teams = models.ManyToManyField(
        Team, related_name="cohorts", blank=True, verbose_name=_("teams")
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="picked_cohorts",
        blank=True,
        verbose_name=_("hand-picked people"),
    )
    starts_on = models.DateField(_("start date"))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    kickoff_at = models.DateTimeField(_("kickoff"), null=True, blank=True)
    kickoff_minutes = models.PositiveSmallIntegerField(_("kickoff length (minutes)"), default=60)
    kickoff_location = models.CharField(_("kickoff place"), max_length=200, blank=True)
    kickoff_url = models.URLField(_("kickoff video link"), max_length=2000, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilitated_cohorts",
        verbose_name=_("facilitator"),
    )
    # SEQUENCE of the kickoff invitation: raised whenever the kickoff moves, so calendars
    # replace the event instead of adding a second one.
    kickoff_sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CohortQuerySet.as_manager()

    class Meta:
        db_table = "practice_cohort"
        ordering = ["-starts_on", "name"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="practice_cohort_name_unique_in_org",
                violation_error_message=_("This organization already has a cohort with this name."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(micromastery__isnull=False, course__isnull=True)
                    | models.Q(micromastery__isnull=True, course__isnull=False)
                ),
                name="practice_cohort_micromastery_or_course",
                violation_error_message=_("Assign either a micromastery or a course."),
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__isnull=True)
                | models.Q(due_on__gte=models.F("starts_on")),
                name="practice_cohort_due_after_start",
                violation_error_message=_("The due date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_kickoff(self) -> bool:
        return self.kickoff_at is not None


class CohortMembership(BaseModel):
    """One learner's place in a cohort. Removing them stamps ``removed_at``; nothing of
    their practice is deleted, and the enrolments the cohort made stay theirs."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cohort_memberships",
        verbose_name=_("learner"),
    )
    added_at = models.DateTimeField(_("added at"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    # Set when a person took the learner out: the periodic sync leaves them out even while
    # they stay in one of the cohort's teams. Empty when they left the cohort's teams.
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The assignment email goes out once per learner and cohort, whatever runs again.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        db_table = "practice_cohortmembership"
        ordering = ["cohort", "learner__display_name"]
        verbose_name = _("cohort membership")
        verbose_name_plural = _("cohort memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "learner"], name="practice_cohort_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.cohort}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class CohortEnrollment(models.Model):
    """What assigning did for one learner and one micromastery: enrolled them, or found
    them already enrolled (then the cohort follows that enrolment)."""

    membership = models.ForeignKey(
        CohortMembership, on_delete=models.CASCADE, related_name="cohort_enrollments"
    )
    enrollment = models.ForeignKey(
        "practice.Enrollment", on_delete=models.CASCADE, related_name="cohort_enrollments"
    )
    already_enrolled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "practice_cohortenrollment"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "enrollment"], name="practice_cohort_enrollment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership}: {self.enrollment}"
