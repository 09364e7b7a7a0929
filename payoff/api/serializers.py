from __future__ import annotations

from typing import Any

from rest_framework import serializers

from micromastery.common.api import StrictFieldsMixin
from payoff.models import MeasurementKind, PayoffMeasurement
from practice.api.serializers import id_field


class BaselineCreateInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    metric = id_field()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)


class BaselineOutputSerializer(serializers.Serializer[Any]):
    metric = serializers.IntegerField(source="metric.pk")
    key = serializers.CharField(source="metric.key")
    name = serializers.CharField(source="metric.name")
    unit = serializers.CharField(source="metric.unit")
    value = serializers.DecimalField(
        source="measurement.value",
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="Null until the learner gives their starting value.",
    )
    measured_at = serializers.DateTimeField(source="measurement.measured_at", allow_null=True)


class MeasurementOutputSerializer(serializers.ModelSerializer[PayoffMeasurement]):
    metric_key = serializers.CharField(source="metric.key")
    metric_name = serializers.CharField(source="metric.name")
    unit = serializers.CharField(source="metric.unit")
    kind = serializers.ChoiceField(choices=MeasurementKind.choices)

    class Meta:
        model = PayoffMeasurement
        fields = [
            "id",
            "metric",
            "metric_key",
            "metric_name",
            "unit",
            "kind",
            "value",
            "measured_at",
            "checkin_day",
        ]
        read_only_fields = fields
