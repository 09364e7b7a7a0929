from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.models import MetricReporter, MicromasteryVersion, PayoffMetric
from micromastery.common.models import max_length_of
from payoff.models import PayoffMeasurement
from payoff.selectors import BeforeAfter
from payoff.services import CheckinAnswer, measurement_value_problem


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
                label=gettext("%(metric)s today (%(unit)s)")
                % {"metric": metric.name, "unit": metric.unit}
                if metric.unit
                else metric.name,
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
        label=_("Note (optional)"),
    )

    def __init__(self, *args: Any, metric: PayoffMetric, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metric = metric
        self.fields["value"].label = (
            gettext("%(metric)s (%(unit)s)") % {"metric": metric.name, "unit": metric.unit}
            if metric.unit
            else metric.name
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
        choices=[
            ("now", _("Now: what I observe today")),
            ("before", _("Before the practice")),
        ],
        initial="now",
        widget=forms.RadioSelect,
        label=_("When does this value describe?"),
    )
    observed = forms.BooleanField(
        label=_("I observed this behaviour / this value myself."),
        error_messages={"required": _("Confirm that you observed it yourself.")},
    )


class CheckinForm(forms.Form):
    """One form for every metric whose check-in is due, so that nothing typed is lost.

    Per metric: the value now, a note, and, when there is no baseline yet, the value before
    (or "I have none"). A metric left empty is simply not answered this time.
    """

    def __init__(self, *args: Any, rows: list[BeforeAfter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            metric = row.metric
            names = {"metric": metric.name, "unit": metric.unit}
            self.fields[f"metric-{metric.pk}-value"] = forms.DecimalField(
                label=(
                    gettext("%(metric)s now (%(unit)s)")
                    if metric.unit
                    else gettext("%(metric)s now")
                )
                % names,
                required=False,
                max_digits=14,
                decimal_places=2,
                help_text=metric.how_to_measure,  # the author's words: escaped by our template
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            )
            if row.baseline is None and not row.baseline_skipped:
                self.fields[f"metric-{metric.pk}-baseline"] = forms.DecimalField(
                    label=(
                        gettext("%(metric)s before you started (%(unit)s)")
                        if metric.unit
                        else gettext("%(metric)s before you started")
                    )
                    % names,
                    required=False,
                    max_digits=14,
                    decimal_places=2,
                    help_text=gettext("Check-ins compare against it."),
                    widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
                )
                self.fields[f"metric-{metric.pk}-no_baseline"] = forms.BooleanField(
                    label=gettext("I have no value from before"), required=False
                )
            self.fields[f"metric-{metric.pk}-note"] = forms.CharField(
                required=False,
                max_length=max_length_of(PayoffMeasurement, "note"),
                label=gettext("Note (optional)"),
            )

    def groups(self) -> list[tuple[BeforeAfter, list[forms.BoundField]]]:
        """Each metric with its fields, for one fieldset each."""
        return [
            (row, [field for field in self if field.name.startswith(f"metric-{row.metric.pk}-")])
            for row in self.rows
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answered = False
        for row in self.rows:
            key = f"metric-{row.metric.pk}"
            value = cleaned.get(f"{key}-value")
            baseline = cleaned.get(f"{key}-baseline")
            for name, number in ((f"{key}-value", value), (f"{key}-baseline", baseline)):
                problem = (
                    measurement_value_problem(metric=row.metric, value=number)
                    if number is not None
                    else None
                )
                if problem:
                    self.add_error(name, problem)
            if value is None:
                continue
            answered = True
            needs_baseline = f"{key}-baseline" in self.fields
            if needs_baseline and baseline is None and not cleaned.get(f"{key}-no_baseline"):
                self.add_error(
                    f"{key}-baseline",
                    gettext(
                        "Give your %(metric)s from before you started, or tick "
                        '"I have no value from before".'
                    )
                    % {"metric": row.metric.name},
                )
        if not answered and not self.errors:
            raise forms.ValidationError(gettext("Give a value now for at least one payoff metric."))
        return cleaned

    def answers(self) -> list[CheckinAnswer]:
        answers = []
        for row in self.rows:
            key = f"metric-{row.metric.pk}"
            value = self.cleaned_data.get(f"{key}-value")
            if value is None:
                continue
            answers.append(
                CheckinAnswer(
                    metric=row.metric,
                    value=value,
                    note=self.cleaned_data.get(f"{key}-note", ""),
                    baseline=self.cleaned_data.get(f"{key}-baseline"),
                    no_baseline=bool(self.cleaned_data.get(f"{key}-no_baseline")),
                )
            )
        return answers

    def add_checkin_error(self, error: Any) -> None:
        """A refusal of ``checkins_record``: beside the value of the metric it names."""
        placed = False
        for metric_id, messages in error.fields.items():
            name = f"metric-{metric_id}-value"
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)
