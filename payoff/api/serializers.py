from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from micromastery.common.api import StrictFieldsMixin
from micromastery.common.models import MAX_ROW_ID
from payoff.dashboard.scope import DEFAULT_PERIOD_DAYS, PERIOD_CHOICES
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


# --- The dashboard: the documented shape of payoff.dashboard's result types ---------------


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field[Any, Any, Any, Any]):
    """A figure as computed (an int, a float or null), passed through unrounded."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeField(serializers.Field[Any, Any, Any, Any]):
    """A moment in ISO 8601 with its UTC offset, as stored (no conversion)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return str(value.isoformat())


class FigureOutputSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = NumberField()
    unit = serializers.CharField()
    explanation = serializers.CharField(help_text="How the figure was computed, in a line.")


class WeekPointOutputSerializer(serializers.Serializer[Any]):
    week = serializers.DateField(help_text="The Monday (UTC) of the week.")
    attempts = serializers.IntegerField()
    active_learners = serializers.IntegerField()
    attempts_per_active_learner = NumberField(source="per_learner")


class ResultGroupOutputSerializer(serializers.Serializer[Any]):
    group = serializers.CharField(source="label")
    learners_with_baseline_and_checkin = serializers.IntegerField(source="learners")
    median_change = NumberField()
    median_percent_change = NumberField()
    reached_target = serializers.IntegerField()
    reached_target_percent = NumberField(source="target_share")


class MetricResultOutputSerializer(serializers.Serializer[Any]):
    micromastery = serializers.IntegerField(source="micromastery_id")
    micromastery_title = serializers.CharField()
    metric_key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    target_change = NumberField()
    checkins_without_baseline = serializers.IntegerField(source="without_baseline")
    groups = ResultGroupOutputSerializer(many=True)
    explanation = serializers.CharField()


class ValueLineOutputSerializer(serializers.Serializer[Any]):
    micromastery = serializers.IntegerField(source="micromastery_id")
    micromastery_title = serializers.CharField()
    metric = serializers.CharField(source="metric_name")
    learners = serializers.IntegerField()
    value = NumberField()
    explanation = serializers.CharField()


class RoiLineOutputSerializer(serializers.Serializer[Any]):
    micromastery = serializers.IntegerField(source="micromastery_id")
    micromastery_title = serializers.CharField()
    value = NumberField()
    cost = NumberField()
    roi_percent = NumberField()
    explanation = serializers.CharField()


class NamedOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class DashboardScopeOutputSerializer(serializers.Serializer[Any]):
    organization = serializers.CharField(source="organization.name")
    teams = NamedOutputSerializer(many=True)
    whole_organization = serializers.BooleanField()
    micromastery = serializers.IntegerField(source="micromastery_id", allow_null=True)
    cohort = NamedOutputSerializer(allow_null=True)
    period_days = serializers.IntegerField()
    start = IsoDateTimeField()
    end = IsoDateTimeField()
    currency = serializers.CharField(source="organization.currency")


class StoryStepOutputSerializer(serializers.Serializer[Any]):
    """One figure of the band reach -> practice -> capability -> spread -> results -> value."""

    section = serializers.CharField(help_text="The dashboard section the figure stands for.")
    title = serializers.CharField()
    word = serializers.CharField(help_text="What the figure counts, in a word or two.")
    display = serializers.CharField(help_text="The figure as the page shows it.")
    key = serializers.CharField(source="figure.key")
    label = serializers.CharField(source="figure.label")  # type: ignore[assignment]
    value = NumberField(source="figure.value")
    unit = serializers.CharField(source="figure.unit")
    explanation = serializers.CharField(source="figure.explanation")


class DashboardOutputSerializer(serializers.Serializer[Any]):
    """``GET /api/v1/dashboard/``: a payoff.dashboard.summary.DashboardSummary."""

    scope = DashboardScopeOutputSerializer()
    story = StoryStepOutputSerializer(many=True)
    reach = FigureOutputSerializer(many=True)
    practice = FigureOutputSerializer(many=True)
    practice_by_week = WeekPointOutputSerializer(many=True, source="weeks")
    capability = FigureOutputSerializer(many=True)
    spread = FigureOutputSerializer(many=True)
    results = MetricResultOutputSerializer(many=True)
    value = FigureOutputSerializer(many=True)
    value_by_metric = ValueLineOutputSerializer(many=True, source="value_lines")
    roi = RoiLineOutputSerializer(many=True, source="roi_lines")
    nudges = FigureOutputSerializer(many=True)


class DashboardFilterSerializer(serializers.Serializer[Any]):
    team = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ROW_ID),
        required=False,
        help_text="Team ids.",
    )
    micromastery = serializers.IntegerField(min_value=1, max_value=MAX_ROW_ID, required=False)
    cohort = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ROW_ID,
        required=False,
        help_text="Only this cohort's members' enrolments.",
    )
    period = serializers.ChoiceField(
        choices=PERIOD_CHOICES, default=DEFAULT_PERIOD_DAYS, help_text="Days back from today."
    )
