from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import User
from micromastery.common.api import StrictFieldsMixin
from micromastery.common.models import max_length_of
from practice.teachback.models import Rsvp, TeachBackInvite, TeachBackSession

FEEDBACK_FIELDS = ("feedback_clarity", "feedback_will_try", "feedback_comment", "feedback_at")


class PersonSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "display_name", "time_zone"]


class InviteOutputSerializer(serializers.ModelSerializer[TeachBackInvite]):
    invitee = PersonSerializer()

    class Meta:
        model = TeachBackInvite
        fields = ["id", "invitee", "rsvp", "rsvp_at", "attended", *FEEDBACK_FIELDS]

    def to_representation(self, instance: TeachBackInvite) -> Any:
        data = super().to_representation(instance)
        viewer = self.context.get("viewer")
        # Feedback is for the teacher, and for the attendee who gave it.
        if viewer is None or (
            viewer.pk != instance.invitee_id and viewer.pk != instance.session.teacher_id
        ):
            for name in FEEDBACK_FIELDS:
                data[name] = None
        return data


class TeachBackOutputSerializer(serializers.ModelSerializer[TeachBackSession]):
    teacher = PersonSerializer()
    title = serializers.SerializerMethodField()
    ends_at = serializers.DateTimeField(allow_null=True, read_only=True)
    proposed_slots = serializers.ListField(child=serializers.DateTimeField())
    mastered = serializers.SerializerMethodField(
        help_text="Whether the teacher has mastered the micromastery (practice complete "
        "and a teach-back with attendees' feedback)."
    )
    invites = InviteOutputSerializer(many=True)

    class Meta:
        model = TeachBackSession
        fields = [
            "id",
            "micromastery",
            "enrollment",
            "title",
            "status",
            "teacher",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "location",
            "video_url",
            "proposed_slots",
            "sequence",
            "confirmed_at",
            "cancelled_at",
            "mastered",
            "invites",
        ]

    def get_title(self, session: TeachBackSession) -> str:
        return session.enrollment.version.title

    def get_mastered(self, session: TeachBackSession) -> bool:
        return session.enrollment.mastered_at is not None


class ProposeInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    enrollment = serializers.IntegerField(help_text="One of your completed enrolments.")


class ConfirmInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    audience = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=User.objects.none(),
        required=False,
        help_text="Colleagues to invite; leave out to invite the proposed audience.",
    )
    location = serializers.CharField(
        max_length=max_length_of(TeachBackSession, "location"),
        required=False,
        allow_blank=True,
        default="",
    )
    video_url = serializers.CharField(
        max_length=max_length_of(TeachBackSession, "video_url"),
        required=False,
        allow_blank=True,
        default="",
    )
    duration_minutes = serializers.IntegerField(min_value=10, max_value=180, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        viewer = self.context.get("viewer")
        if viewer is not None:
            field: Any = self.fields["audience"]
            field.child_relation.queryset = User.objects.filter(
                organization_id=viewer.organization_id or 0, is_active=True
            )


class RescheduleInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    location = serializers.CharField(
        max_length=max_length_of(TeachBackSession, "location"), required=False, allow_blank=True
    )
    video_url = serializers.CharField(
        max_length=max_length_of(TeachBackSession, "video_url"), required=False, allow_blank=True
    )


class RsvpInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    rsvp = serializers.ChoiceField(choices=[Rsvp.ACCEPTED.value, Rsvp.DECLINED.value])


class AttendanceInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    attended = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=User.objects.none(),
        help_text="Ids of the invitees who came; everyone else is marked as absent.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session = self.context.get("session")
        if session is not None:
            field: Any = self.fields["attended"]
            field.child_relation.queryset = User.objects.filter(teachback_invites__session=session)


class FeedbackInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    clarity = serializers.IntegerField(min_value=1, max_value=5)
    will_try = serializers.BooleanField()
    comment = serializers.CharField(
        max_length=max_length_of(TeachBackInvite, "feedback_comment"),
        required=False,
        allow_blank=True,
        default="",
    )
