"""Small input and output serializers of the practice API, one pair per operation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from micromastery.common.api import StrictFieldsMixin
from micromastery.common.models import MAX_ROW_ID, max_length_of
from practice.extensions import enrollment_api_extensions
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from practice.quick_log import quick_log_path


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_ROW_ID,
        error_messages={"min_value": _("This is not an id."), "max_value": _("This is not an id.")},
        **kwargs,
    )


class EnrollmentCreateInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    micromastery = id_field()
    personal_payoff = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length_of(Enrollment, "personal_payoff"),
    )


class EnrollmentUpdateInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    personal_payoff = serializers.CharField(
        allow_blank=True, max_length=max_length_of(Enrollment, "personal_payoff")
    )


class EnrollmentFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=EnrollmentStatus.choices,
        required=False,
        allow_blank=True,
        help_text="Only enrolments with this status; without it, every enrolment but dropped ones.",
    )


class ProgressSummarySerializer(serializers.Serializer[Any]):
    percent = serializers.IntegerField(help_text="Repetitions done out of those required.")
    repetitions_done = serializers.IntegerField()
    repetitions_required = serializers.IntegerField()
    next_due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the next repetition (or refresher) counts; null when it counts now "
        "or nothing is left.",
    )
    current_step = serializers.IntegerField(
        source="current_step.step.pk",
        allow_null=True,
        help_text="The step to practise next; null once every step is done.",
    )
    completed_at = serializers.DateTimeField(allow_null=True)
    refresher_due_at = serializers.DateTimeField(
        allow_null=True, help_text="When the next “learn long” refresher is due, after completion."
    )


class StepProgressSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="step.pk")
    key = serializers.CharField(source="step.key")
    order = serializers.IntegerField(source="step.order")
    number = serializers.IntegerField(help_text="Position in the routine, from 1.")
    title = serializers.CharField(source="step.title")
    action = serializers.CharField(source="step.action", help_text="Markdown.")
    feedback_how = serializers.CharField(source="step.feedback_how", help_text="Markdown.")
    tweak_prompt = serializers.CharField(source="step.tweak_prompt", help_text="Markdown.")
    evidence_kind = serializers.CharField(source="step.evidence_kind")
    min_spacing_hours = serializers.IntegerField(source="step.min_spacing_hours")
    repetitions_done = serializers.IntegerField()
    repetitions_required = serializers.IntegerField()
    next_due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the next repetition counts; null when it counts now, or the step is "
        "done or locked.",
    )
    done = serializers.BooleanField()
    unlocked = serializers.BooleanField()


class ProgressSerializer(ProgressSummarySerializer):
    steps = StepProgressSerializer(many=True)


class EnrollmentOutputSerializer(serializers.Serializer[Any]):
    """An enrolment with its progress summary (lists)."""

    id = serializers.IntegerField(source="enrollment.pk")
    micromastery = serializers.IntegerField(source="enrollment.micromastery_id")
    micromastery_title = serializers.CharField(source="enrollment.version.title")
    version = serializers.IntegerField(
        source="enrollment.version.number", help_text="The version number the learner is on."
    )
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices, source="enrollment.status")
    personal_payoff = serializers.CharField(source="enrollment.personal_payoff")
    enrolled_at = serializers.DateTimeField(source="enrollment.created_at")
    started_at = serializers.DateTimeField(source="enrollment.started_at", allow_null=True)
    completed_at = serializers.DateTimeField(source="enrollment.completed_at", allow_null=True)
    paused_at = serializers.DateTimeField(source="enrollment.paused_at", allow_null=True)
    dropped_at = serializers.DateTimeField(source="enrollment.dropped_at", allow_null=True)
    progress = ProgressSummarySerializer()


class EnrollmentDetailOutputSerializer(EnrollmentOutputSerializer):
    """An enrolment with its progress per step, plus what downstream apps add (baselines)."""

    progress = ProgressSerializer()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for extension in enrollment_api_extensions:
            fields[extension.field_name] = extension.api_field(
                source=f"extensions.{extension.field_name}"
            )
        return fields


class AttemptCreateInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    step = id_field()
    what_i_did = serializers.CharField(
        max_length=max_length_of(PracticeAttempt, "what_i_did"),
        error_messages={"blank": _("Say what you did."), "required": _("Say what you did.")},
    )
    what_happened = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length_of(PracticeAttempt, "what_happened"),
    )
    feedback_from = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length_of(PracticeAttempt, "feedback_from"),
    )
    what_i_will_tweak = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length_of(PracticeAttempt, "what_i_will_tweak"),
    )
    confidence = serializers.IntegerField(
        min_value=1,
        max_value=5,
        error_messages={
            "min_value": _("Pick a confidence from 1 to 5."),
            "max_value": _("Pick a confidence from 1 to 5."),
        },
    )
    minutes = serializers.IntegerField(min_value=1, max_value=600)
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length_of(PracticeAttempt, "evidence"),
    )
    practiced_at = serializers.DateTimeField(
        required=False, default=None, help_text="When you practised; now if left out."
    )
    submission_key = serializers.UUIDField(
        required=False,
        default=None,
        help_text="A UUID made by the client per form: sending the same key again returns "
        "the first attempt (200) instead of logging it twice.",
    )


class AttemptFilterSerializer(serializers.Serializer[Any]):
    step = id_field(required=False, help_text="Only attempts on this step.")


class AttemptOutputSerializer(serializers.ModelSerializer[PracticeAttempt]):
    class Meta:
        model = PracticeAttempt
        fields = [
            "id",
            "step",
            "practiced_at",
            "what_i_did",
            "what_happened",
            "feedback_from",
            "what_i_will_tweak",
            "confidence",
            "minutes",
            "evidence",
            "counts_as_repetition",
            "is_refresher",
            "submission_key",
            "created_at",
        ]
        read_only_fields = fields


class AttemptLoggedOutputSerializer(serializers.Serializer[Any]):
    attempt = AttemptOutputSerializer()
    counted_as_repetition = serializers.BooleanField(
        source="attempt.counts_as_repetition",
        help_text="False when it came too soon after the step's previous repetition, or the "
        "step was already done: it is kept as extra practice.",
    )
    step_done = serializers.BooleanField()
    micromastery_completed = serializers.BooleanField(source="progress.is_complete")
    completed_now = serializers.BooleanField(help_text="This attempt completed the micromastery.")
    progress = ProgressSerializer()


class PractiseItemSerializer(serializers.Serializer[Any]):
    enrollment = serializers.IntegerField(source="enrollment.pk")
    micromastery = serializers.IntegerField(source="enrollment.micromastery_id")
    micromastery_title = serializers.CharField(source="enrollment.version.title")
    step = serializers.IntegerField(source="step.step.pk")
    step_number = serializers.IntegerField(source="step.number")
    title = serializers.CharField(source="step.step.title", help_text="The step's title.")
    repetitions_done = serializers.IntegerField(source="step.repetitions_done")
    repetitions_required = serializers.IntegerField(source="step.repetitions_required")
    due_at = serializers.DateTimeField(allow_null=True, help_text="Null: due now.")
    is_refresher = serializers.BooleanField()
    quick_log_url = serializers.SerializerMethodField(
        help_text="A one-tap page that logs one repetition of this step, without signing in; "
        "the link expires and logs at most one repetition."
    )

    def get_quick_log_url(self, item: Any) -> str:
        path = quick_log_path(
            learner_id=item.enrollment.learner_id,
            enrollment_id=item.enrollment.pk,
            step_id=item.step.step.pk,
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class PractiseTodayOutputSerializer(serializers.Serializer[Any]):
    today = PractiseItemSerializer(
        many=True, help_text="Due before midnight in the learner's time zone."
    )
    later = PractiseItemSerializer(many=True, help_text="Due after today.")
    streak = serializers.IntegerField(
        help_text="Consecutive working days up to today with at least one attempt."
    )
