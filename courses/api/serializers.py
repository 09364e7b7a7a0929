"""The API's shape of a micromastery: the four elements nested, Markdown also as safe HTML.

The input serializers check types, shapes and the models' maximum lengths; the rules (how
many steps, what publishing needs) live in ``courses.services``. The import file format
reuses the same input shape, so that a body accepted by the API and a file accepted by
import are the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.models import (
    MAX_CHECKIN_DAYS,
    Course,
    MicromasteryVersion,
    PayoffMetric,
    PracticeStep,
    Topic,
)
from courses.services import (
    METRIC_FIELDS,
    STEP_FIELDS,
    TOO_MANY_CHECKIN_DAYS,
    version_part_count_errors,
)
from micromastery.common.api import StrictFieldsMixin
from micromastery.common.markdown import markdown_of
from micromastery.common.models import max_length_of


@extend_schema_field(OpenApiTypes.STR)
class MarkdownHTMLField(serializers.ReadOnlyField):
    """Author Markdown rendered to sanitized HTML: no scripts, event handlers or
    ``javascript:`` links reach a client that shows it. ``source`` names the Markdown
    field; published content answers with the HTML stored when it was published."""

    def __init__(self, *, source: str, **kwargs: Any) -> None:
        self.markdown_field = source
        super().__init__(source="*", **kwargs)

    def to_representation(self, value: Any) -> str:
        return str(markdown_of(value, self.markdown_field))


def _text(source: str) -> serializers.CharField:
    return serializers.CharField(
        source=source,
        allow_blank=True,
        required=False,
        max_length=max_length_of(MicromasteryVersion, source),
    )


# --- The four elements: input ---------------------------------------------------------------


class ContextSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    challenge = _text("context_challenge")
    audience = _text("context_audience")
    why_it_matters = _text("context_why_it_matters")


class WayInSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    insight = _text("way_in_insight")
    missing_link = _text("way_in_missing_link")
    media_url = serializers.URLField(
        source="way_in_media_url",
        allow_blank=True,
        required=False,
        max_length=max_length_of(MicromasteryVersion, "way_in_media_url"),
    )


class PracticeStepSerializer(StrictFieldsMixin, serializers.ModelSerializer[PracticeStep]):
    class Meta:
        model = PracticeStep
        fields = STEP_FIELDS
        extra_kwargs = {"key": {"required": False}}


class PayoffMetricSerializer(StrictFieldsMixin, serializers.ModelSerializer[PayoffMetric]):
    checkin_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=3650),
        required=False,
        max_length=MAX_CHECKIN_DAYS,
        error_messages={"max_length": TOO_MANY_CHECKIN_DAYS},
    )

    class Meta:
        model = PayoffMetric
        fields = METRIC_FIELDS
        extra_kwargs = {"key": {"required": False}}


class VersionContentInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    """A draft's content. Steps and payoff metrics, when given, replace the whole list;
    topics are names (a new name becomes a new topic of the organization)."""

    title = serializers.CharField(max_length=max_length_of(MicromasteryVersion, "title"))
    summary = serializers.CharField(
        allow_blank=True,
        required=False,
        max_length=max_length_of(MicromasteryVersion, "summary"),
    )
    estimated_minutes = serializers.IntegerField(min_value=1, max_value=240, required=False)
    topics = serializers.ListField(
        child=serializers.CharField(max_length=max_length_of(Topic, "name")),
        required=False,
        # A name that is new to the organization becomes a topic: a handful is plenty.
        max_length=20,
    )
    # DRF's metaclass moves declared fields off the class, so this field does not shadow
    # Serializer.context at runtime; only the type checker sees the clash.
    context = ContextSerializer(source="*", required=False)  # type: ignore[assignment]
    way_in = WayInSerializer(source="*", required=False)
    steps = PracticeStepSerializer(many=True, required=False)
    payoff_metrics = PayoffMetricSerializer(many=True, required=False)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            too_many = version_part_count_errors(
                steps=_sized(data.get("steps")), payoff_metrics=_sized(data.get("payoff_metrics"))
            )
            if too_many:
                raise serializers.ValidationError(too_many)
        return super().to_internal_value(data)


def _sized(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


# --- Output ---------------------------------------------------------------------------------


class TopicOutputSerializer(serializers.ModelSerializer[Topic]):
    class Meta:
        model = Topic
        fields = ["name", "slug"]


class ContextOutputSerializer(ContextSerializer):
    challenge_html = MarkdownHTMLField(source="context_challenge")
    audience_html = MarkdownHTMLField(source="context_audience")
    why_it_matters_html = MarkdownHTMLField(source="context_why_it_matters")


class WayInOutputSerializer(WayInSerializer):
    insight_html = MarkdownHTMLField(source="way_in_insight")
    missing_link_html = MarkdownHTMLField(source="way_in_missing_link")


class PracticeStepOutputSerializer(PracticeStepSerializer):
    action_html = MarkdownHTMLField(source="action")
    feedback_how_html = MarkdownHTMLField(source="feedback_how")
    tweak_prompt_html = MarkdownHTMLField(source="tweak_prompt")

    class Meta(PracticeStepSerializer.Meta):
        fields = [*STEP_FIELDS, "action_html", "feedback_how_html", "tweak_prompt_html"]


class PayoffMetricOutputSerializer(PayoffMetricSerializer):
    how_to_measure_html = MarkdownHTMLField(source="how_to_measure")

    class Meta(PayoffMetricSerializer.Meta):
        fields = [*METRIC_FIELDS, "how_to_measure_html"]


class MicromasterySummaryOutputSerializer(serializers.ModelSerializer[MicromasteryVersion]):
    id = serializers.IntegerField(source="micromastery_id", help_text=_("The micromastery's id."))
    slug = serializers.CharField(source="micromastery.slug")
    version = serializers.IntegerField(source="number", help_text=_("The version number."))

    class Meta:
        model = MicromasteryVersion
        fields = ["id", "slug", "version", "title", "summary", "estimated_minutes"]


class MicromasteryListOutputSerializer(MicromasterySummaryOutputSerializer):
    topics = TopicOutputSerializer(source="micromastery.topics", many=True)

    class Meta(MicromasterySummaryOutputSerializer.Meta):
        fields = [*MicromasterySummaryOutputSerializer.Meta.fields, "topics", "published_at"]


class MicromasteryDetailOutputSerializer(MicromasteryListOutputSerializer):
    context = ContextOutputSerializer(source="*")  # type: ignore[assignment]
    way_in = WayInOutputSerializer(source="*")
    steps = PracticeStepOutputSerializer(many=True)
    payoff_metrics = PayoffMetricOutputSerializer(many=True)

    class Meta(MicromasteryListOutputSerializer.Meta):
        fields = [
            *MicromasteryListOutputSerializer.Meta.fields,
            "status",
            "context",
            "way_in",
            "steps",
            "payoff_metrics",
        ]


class VersionOutputSerializer(serializers.ModelSerializer[MicromasteryVersion]):
    version = serializers.IntegerField(source="number")

    class Meta:
        model = MicromasteryVersion
        fields = ["version", "status", "title", "created_at", "published_at"]


class CourseOutputSerializer(serializers.ModelSerializer[Course]):
    micromasteries = serializers.SerializerMethodField(
        help_text=_("The course's micromasteries that can be started now, in order.")
    )

    class Meta:
        model = Course
        fields = ["id", "slug", "title", "summary", "micromasteries"]

    @extend_schema_field(MicromasterySummaryOutputSerializer(many=True))
    def get_micromasteries(self, course: Course) -> Any:
        versions = [
            item.micromastery.published_versions[0]
            for item in course.published_items  # type: ignore[attr-defined]
        ]
        return MicromasterySummaryOutputSerializer(versions, many=True).data


class MicromasteryFilterSerializer(serializers.Serializer[Any]):
    # An empty parameter (a form's "any" choice) filters nothing, as DRF reads it.
    topic = serializers.SlugField(
        required=False, allow_blank=True, help_text=_("A topic's slug; empty for every topic.")
    )
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Words in the title or summary; empty for everything."),
    )
