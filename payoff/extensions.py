"""Payoff's part of the enrolment page and of the enrolment in the API: the baseline of
each learner-reported metric."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from rest_framework import serializers

from accounts.models import User
from courses.models import MicromasteryVersion
from payoff.api.serializers import BaselineOutputSerializer
from payoff.forms import BaselineForm
from payoff.models import MeasurementKind, PayoffMeasurement
from payoff.selectors import baseline_list, before_after_map
from payoff.services import baseline_record
from practice.models import Enrollment


class BaselineEnrollmentExtension:
    def enrollment_summary(self, *, enrollment: Enrollment, learner: User) -> SafeString:
        rows = before_after_map(learner=learner, enrollments=[enrollment]).get(enrollment.pk, [])
        if not rows:
            return mark_safe("")
        return render_to_string(
            "payoff/_before_after.html", {"before_after": rows, "enrollment": enrollment}
        )

    def enrollment_form(
        self, *, version: MicromasteryVersion, data: Any = None, prefix: str
    ) -> forms.Form | None:
        form = BaselineForm(data, version=version, prefix=prefix)
        return form if form.fields else None

    def enrollment_edit_form(
        self, *, enrollment: Enrollment, data: Any = None, prefix: str
    ) -> forms.Form | None:
        baselines = PayoffMeasurement.objects.filter(
            enrollment=enrollment, kind=MeasurementKind.BASELINE
        ).values_list("metric_id", "value")
        form = BaselineForm(
            data,
            version=enrollment.version,
            prefix=prefix,
            initial={f"metric_{metric_id}": value for metric_id, value in baselines},
        )
        return form if form.fields else None

    def enrollment_save(self, *, form: forms.Form, enrollment: Enrollment, by: User) -> None:
        assert isinstance(form, BaselineForm)
        for metric, value in form.baselines():
            baseline_record(enrollment=enrollment, metric=metric, value=value, by=by)


class BaselineApiExtension:
    """The enrolment in the API shows the baseline of each metric the learner reports."""

    field_name = "baselines"

    def api_field(self, *, source: str) -> serializers.Field[Any, Any, Any, Any]:
        return BaselineOutputSerializer(many=True, read_only=True, source=source)

    def api_value(self, *, enrollment: Enrollment) -> Any:
        return baseline_list(enrollment=enrollment)
