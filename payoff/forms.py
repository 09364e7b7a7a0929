from __future__ import annotations

from typing import Any

from django import forms

from courses.models import MetricReporter, MicromasteryVersion, PayoffMetric
from micromastery.common.models import max_length_of
from payoff.models import PayoffMeasurement
from payoff.services import measurement_value_problem


class BaselineForm(forms.Form):
    """One optional number per learner-reported payoff metric of a version."""

    def __init__(self, *args: Any, version: MicromasteryVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics: dict[str, PayoffMetric] = {}
        for metric in version.payoff_metrics.all():
            if metric.reported_by != MetricReporter.LEARNER:
                continue
            name = f"metric_{metric.pk}"
            self.metrics[name] = metric
            self.fields[name] = forms.DecimalField(
                label=f"{metric.name} today ({metric.unit})" if metric.unit else metric.name,
                required=False,
                max_digits=14,
                decimal_places=2,
                # The author's words, shown as text: our field template escapes help text.
                help_text=metric.how_to_measure,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, metric in self.metrics.items():
            value = cleaned.get(name)
            if value is not None:
                problem = measurement_value_problem(metric=metric, value=value)
                if problem:
                    self.add_error(name, problem)
        return cleaned

    def baselines(self) -> list[tuple[PayoffMetric, Any]]:
        return [
            (metric, self.cleaned_data[name])
            for name, metric in self.metrics.items()
            if self.cleaned_data.get(name) is not None
        ]


class MeasurementValueForm(forms.Form):
    """One value of one metric, checked against the metric's sensible range."""

    value = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    note = forms.CharField(
        required=False,
        max_length=max_length_of(PayoffMeasurement, "note"),
        label="Note (optional)",
    )

    def __init__(self, *args: Any, metric: PayoffMetric, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metric = metric
        self.fields["value"].label = (
            f"{metric.name} ({metric.unit})" if metric.unit else metric.name
        )
        self.fields["value"].help_text = metric.how_to_measure  # escaped, as above

    def clean_value(self) -> Any:
        value = self.cleaned_data["value"]
        problem = measurement_value_problem(metric=self.metric, value=value)
        if problem:
            raise forms.ValidationError(problem)
        return value


class ManagerConfirmationForm(MeasurementValueForm):
    when = forms.ChoiceField(
        choices=[("now", "Now: what I observe today"), ("before", "Before the practice")],
        initial="now",
        widget=forms.RadioSelect,
        label="When does this value describe?",
    )
    observed = forms.BooleanField(
        label="I observed this behaviour / this value myself.",
        error_messages={"required": "Confirm that you observed it yourself."},
    )
