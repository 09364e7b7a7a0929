from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from accounts.models import ISO_WEEKDAYS, Organization, Team, User, time_zone_names
from micromastery.common.api import StrictFieldsMixin


class TokenInputSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "currency", "default_language"]


class TeamSummarySerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ["id", "name"]


class MeOutputSerializer(serializers.ModelSerializer[User]):
    organization = OrganizationSerializer()
    roles = serializers.SerializerMethodField()
    managed_teams = TeamSummarySerializer(many=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "organization",
            "time_zone",
            "work_starts_at",
            "work_ends_at",
            "working_days",
            "language",
            "roles",
            "managed_teams",
        ]

    def get_roles(self, user: User) -> list[str]:
        roles = ["learner"]
        if user.is_author:
            roles.append("author")
        if user.is_org_admin:
            roles.append("org_admin")
        if user.managed_teams.all():
            roles.append("manager")
        if user.is_superuser:
            roles.append("superuser")
        return roles


class MeUpdateSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    display_name = serializers.CharField(max_length=150, required=False)
    time_zone = serializers.ChoiceField(choices=[], required=False)
    work_starts_at = serializers.TimeField(required=False)
    work_ends_at = serializers.TimeField(required=False)
    working_days = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ISO_WEEKDAYS.items())),
        allow_empty=False,
        required=False,
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        allow_blank=True,
        required=False,
        help_text="Empty: the browser's language, else the organization's default.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, serializers.ChoiceField)
        field.choices = sorted(time_zone_names())
