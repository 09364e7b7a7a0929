"""Payoff: the numbers that show whether practice pays off."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from courses.models import PayoffMetric
from micromastery.common.models import BaseModel
from practice.models import Enrollment


class MeasurementKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    CHECKIN = "checkin", "Check-in"
    MANAGER_CONFIRMATION = "manager", "Manager confirmation"


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
        null=True, blank=True, help_text="Which check-in (days after completion) this answers."
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(blank=True)

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
