"""Payoff: the numbers that show whether practice pays off."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Team
from courses.models import Micromastery, PayoffMetric
from micromastery.common.models import BaseModel, BoundedTextField
from practice.models import Enrollment


class MeasurementKind(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    CHECKIN = "checkin", _("Check-in")
    MANAGER_CONFIRMATION = "manager", _("Manager confirmation")


class PayoffMeasurement(BaseModel):
    """One value of one payoff metric for one enrolment, with who reported it and when."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="measurements"
    )
    metric = models.ForeignKey(PayoffMetric, on_delete=models.PROTECT, related_name="measurements")
    kind = models.CharField(max_length=10, choices=MeasurementKind.choices)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    measured_at = models.DateTimeField()
    checkin_day = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Which check-in (days after completion) this answers.")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = BoundedTextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["measured_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "metric"],
                condition=models.Q(kind="baseline"),
                name="payoff_one_baseline_per_metric",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric}: {self.value} ({self.get_kind_display().lower()})"


class BaselineSkip(BaseModel):
    """The learner said they have no "before" value: check-ins may go ahead without it."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="baseline_skips"
    )
    metric = models.ForeignKey(PayoffMetric, on_delete=models.PROTECT, related_name="+")
    skipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "metric"], name="payoff_one_baseline_skip_per_metric"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment}: no baseline for {self.metric}"


class LearningCost(BaseModel):
    """What L&D spent on a micromastery (design, licences, time), for the ROI on the dashboard."""

    micromastery = models.OneToOneField(
        Micromastery,
        on_delete=models.CASCADE,
        related_name="learning_cost",
        verbose_name=_("micromastery"),
    )
    amount = models.DecimalField(
        _("L&D cost"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "Total cost in the organization's currency: design, delivery, licences and "
            "the learners' time in training if you count it."
        ),
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("What the cost includes.")
    )

    def __str__(self) -> str:
        return f"{self.micromastery}: {self.amount}"


# Rollups: derived rows that the dashboard reads instead of the raw attempts and
# measurements. They hold nothing that cannot be recomputed from the raw rows
# (payoff.rollups recomputes them; a nightly rebuild checks them).


class EnrollmentRollup(models.Model):
    """One row per enrolment: where it stands, summarised from its attempts."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    micromastery = models.ForeignKey(Micromastery, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    holdout = models.BooleanField(default=False)
    dropped = models.BooleanField(default=False)
    enrolled_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True)
    mastered_at = models.DateTimeField(null=True)
    days_to_complete = models.FloatField(null=True)
    last_practiced_at = models.DateTimeField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=0)
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_attempted = models.PositiveSmallIntegerField(default=0)
    # Summed over the attempted steps: confidence of each step's first and latest attempt.
    first_confidence_sum = models.PositiveIntegerField(default=0)
    latest_confidence_sum = models.PositiveIntegerField(default=0)
    # The learner's streak in this enrolment as of its latest practice day (User.streak:
    # working days in the learner's zone), that day, and when the streak breaks unless
    # the learner practises again (User.streak_breaks_at).
    streak_days = models.PositiveSmallIntegerField(default=0)
    streak_last_day = models.DateField(null=True)
    streak_breaks_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "micromastery"])]

    def __str__(self) -> str:
        return f"Rollup of enrolment {self.enrollment_id}"


class HoldoutPracticeDay(models.Model):
    """One row per holdout enrolment and UTC day it was practised, up to its completion day.

    The holdout side of the nudge effect ("days with practice") counts these rows instead
    of reading the attempts; recomputed with the enrolment's other rollups.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    micromastery = models.ForeignKey(Micromastery, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    dropped = models.BooleanField(default=False)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "day"], name="payoff_holdout_day_once_per_enrolment"
            )
        ]
        indexes = [models.Index(fields=["organization", "day"])]

    def __str__(self) -> str:
        return f"Enrolment {self.enrollment_id} practised on {self.day}"


class NudgeEffectRollup(models.Model):
    """One row per sent practice nudge: whether its recipient practised within 24 hours.

    The nudged side of the nudge effect reads these rows instead of looking for attempts
    after each nudge. ``nudge_id`` is a plain number, not a foreign key: the row is derived
    and the nightly rebuild removes rows of nudges that are gone. ``learner_day`` numbers
    the recipient's local day (learner id x 10^6 + the day's ordinal) so that nudged
    learner-days are counted with one ``COUNT(DISTINCT ...)``.
    """

    nudge_id = models.BigIntegerField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    local_date = models.DateField()
    learner_day = models.BigIntegerField()
    sent_at = models.DateTimeField()
    practised = models.BooleanField(default=False)
    opened = models.BooleanField(default=False)
    clicked = models.BooleanField(default=False)
    # The learner-day's first sent practice nudge (earliest, then lowest id): a nudged
    # learner-day is counted, and judged practised or not, by this one row.
    first_of_day = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "sent_at"]),
            # Teams, a micromastery or a cohort: the nudges of their learners only.
            models.Index(fields=["learner", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"Effect of nudge {self.nudge_id}"


class NudgeDayRollup(models.Model):
    """One organization's UTC day of nudging, summed from the rows above.

    Practice nudges sent that day (opened, clicked), nudged learner-days whose first nudge
    went out that day (and those practised within 24 hours of it), and holdout
    enrolment-days practised (not dropped). The dashboard of a whole organization adds up
    the period's whole days from here and reads only the part-days at its two ends from the
    per-nudge rows, so its cost does not grow with the number of nudges. Recomputed for
    the days whose nudge or holdout rows change.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    nudges_sent = models.PositiveIntegerField(default=0)
    nudges_opened = models.PositiveIntegerField(default=0)
    nudges_clicked = models.PositiveIntegerField(default=0)
    nudged_days = models.PositiveIntegerField(default=0)
    nudged_days_practised = models.PositiveIntegerField(default=0)
    holdout_days_practised = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day"], name="payoff_nudge_day_rollup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Nudging on {self.day}"


class MetricRollup(models.Model):
    """One row per enrolment and payoff metric key: its baseline and latest check-in."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    metric = models.ForeignKey(PayoffMetric, on_delete=models.CASCADE, related_name="+")
    metric_key = models.SlugField(max_length=60)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    micromastery = models.ForeignKey(Micromastery, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    holdout = models.BooleanField(default=False)
    dropped = models.BooleanField(default=False)
    baseline_value = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    baseline_skipped = models.BooleanField(default=False)
    latest_value = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    latest_at = models.DateTimeField(null=True)
    # Latest minus baseline, signed so that positive is always the metric's good direction.
    change = models.FloatField(null=True)
    percent_change = models.FloatField(null=True)
    reached_target = models.BooleanField(null=True)
    # change x value per unit: money, or hours to price at the organization's hourly rate.
    value_units = models.FloatField(null=True)
    value_basis = models.CharField(max_length=6, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "metric_key"], name="payoff_metric_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "micromastery", "latest_at"])]

    def __str__(self) -> str:
        return f"Rollup of {self.metric_key} for enrolment {self.enrollment_id}"


class WeeklyPracticeRollup(models.Model):
    """Attempts and distinct practising learners per week (Monday, UTC).

    ``team`` null means the whole organization (every learner, in a team or not);
    ``micromastery`` null means all micromasteries. A learner in two teams counts in both
    teams' rows, once in the organization's.
    """

    week = models.DateField()
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, related_name="+")
    micromastery = models.ForeignKey(
        Micromastery, on_delete=models.CASCADE, null=True, related_name="+"
    )
    attempts = models.PositiveIntegerField(default=0)
    active_learners = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # One row per bucket, the null team and null micromastery included. Unique
            # expressions over the nulls mapped to 0 (never a primary key) say so in a form
            # SQLite enforces too; ``nulls_distinct=False`` is silently dropped there.
            models.UniqueConstraint(
                "organization",
                Coalesce("team", Value(0), output_field=models.BigIntegerField()),
                Coalesce("micromastery", Value(0), output_field=models.BigIntegerField()),
                "week",
                name="payoff_weekly_rollup_unique",
                violation_error_message=_("This week's rollup row for this bucket already exists."),
            )
        ]
        indexes = [models.Index(fields=["organization", "team", "micromastery", "week"])]

    def __str__(self) -> str:
        return f"Week of {self.week}"


class RollupWatermark(models.Model):
    """How far the incremental refresh has read a stream of raw rows: (time, pk)."""

    stream = models.CharField(max_length=40, unique=True)
    last_time = models.DateTimeField()
    last_pk = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stream} up to {self.last_time:%Y-%m-%d %H:%M:%S} #{self.last_pk}"
