from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Team, User
from courses.models import Course, Micromastery
from micromastery.common.api import StrictFieldsMixin
from micromastery.common.models import max_length_of
from practice.cohorts.models import Cohort
from practice.cohorts.selectors import CohortReport
from practice.cohorts.services import SyncOutcome

NOT_IN_ORGANIZATION = {
    "team": _("No team with id {pk_value} in your organization."),
    "person": _("No person with id {pk_value} in your organization."),
    "micromastery": _("No micromastery with id {pk_value} in your organization."),
    "course": _("No course with id {pk_value} in your organization."),
}


def _scoped(kind: str, queryset: Any, **kwargs: Any) -> serializers.PrimaryKeyRelatedField[Any]:
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset,
        error_messages={"does_not_exist": NOT_IN_ORGANIZATION[kind]},
        **kwargs,
    )


class OrganizationScopedInput(StrictFieldsMixin, serializers.Serializer[Any]):
    """Ids resolve only within the viewer's organization: another one's are "not found"."""

    def __init__(self, *args: Any, organization_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            related = getattr(field, "child_relation", field)
            if isinstance(related, serializers.PrimaryKeyRelatedField):
                assert related.queryset is not None
                related.queryset = related.queryset.filter(organization_id=organization_id or 0)


class CohortMembersInputSerializer(OrganizationScopedInput):
    teams = serializers.ManyRelatedField(
        child_relation=_scoped("team", Team.objects.all()), required=False
    )
    people = serializers.ManyRelatedField(
        child_relation=_scoped("person", User.objects.filter(is_active=True)), required=False
    )


class CohortCreateInputSerializer(CohortMembersInputSerializer):
    name = serializers.CharField(max_length=max_length_of(Cohort, "name"))
    micromastery = _scoped(
        "micromastery", Micromastery.objects.all(), required=False, allow_null=True
    )
    course = _scoped("course", Course.objects.all(), required=False, allow_null=True)
    starts_on = serializers.DateField()
    due_on = serializers.DateField(required=False, allow_null=True)
    kickoff_at = serializers.DateTimeField(required=False, allow_null=True)
    kickoff_minutes = serializers.IntegerField(
        min_value=10, max_value=480, required=False, default=60
    )
    kickoff_location = serializers.CharField(
        max_length=max_length_of(Cohort, "kickoff_location"),
        required=False,
        allow_blank=True,
        default="",
    )
    kickoff_url = serializers.URLField(
        max_length=max_length_of(Cohort, "kickoff_url"),
        required=False,
        allow_blank=True,
        default="",
    )
    facilitator = _scoped(
        "person", User.objects.filter(is_active=True), required=False, allow_null=True
    )


class CohortPersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


# The fields below document the shape in the schema; to_representation builds it from a
# CohortReport, whose rows are not model fields.


class TeamRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class KickoffSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    minutes = serializers.IntegerField()
    location = serializers.CharField()
    url = serializers.CharField()
    facilitator = CohortPersonSerializer(allow_null=True)


class CohortCountsSerializer(serializers.Serializer[Any]):
    members = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    started = serializers.IntegerField()
    completed = serializers.IntegerField()
    overdue = serializers.IntegerField()


class CohortLearnerSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField()
    added_at = serializers.DateTimeField()
    enrollments = serializers.ListField(child=serializers.IntegerField())
    already_enrolled = serializers.BooleanField()
    started = serializers.BooleanField()
    completed = serializers.BooleanField()
    overdue = serializers.BooleanField()


class RemovedMemberSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    removed_at = serializers.DateTimeField(allow_null=True)


class CohortOutputSerializer(serializers.Serializer[CohortReport]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    micromastery = serializers.IntegerField(allow_null=True)
    course = serializers.IntegerField(allow_null=True)
    teams = TeamRefSerializer(many=True)
    starts_on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True)
    kickoff = KickoffSerializer(allow_null=True)
    assigned_by = CohortPersonSerializer(allow_null=True)
    counts = CohortCountsSerializer()

    def to_representation(self, report: CohortReport) -> dict[str, Any]:
        cohort = report.cohort
        person = CohortPersonSerializer
        return {
            "id": cohort.pk,
            "name": cohort.name,
            "title": report.title,
            "micromastery": cohort.micromastery_id,
            "course": cohort.course_id,
            "teams": [{"id": team.pk, "name": team.name} for team in cohort.teams.all()],
            "starts_on": cohort.starts_on.isoformat(),
            "due_on": cohort.due_on.isoformat() if cohort.due_on else None,
            "kickoff": {
                "at": cohort.kickoff_at.isoformat(),
                "minutes": cohort.kickoff_minutes,
                "location": cohort.kickoff_location,
                "url": cohort.kickoff_url,
                "facilitator": person(cohort.facilitator).data if cohort.facilitator else None,
            }
            if cohort.kickoff_at
            else None,
            "assigned_by": person(cohort.assigned_by).data if cohort.assigned_by else None,
            "counts": {
                "members": report.member_count,
                "enrolled": report.enrolled_count,
                "started": report.started_count,
                "completed": report.completed_count,
                "overdue": report.overdue_count,
            },
        }


class CohortDetailOutputSerializer(CohortOutputSerializer):
    learners = CohortLearnerSerializer(many=True)
    removed = RemovedMemberSerializer(many=True)

    def to_representation(self, report: CohortReport) -> dict[str, Any]:
        data = super().to_representation(report)
        data["learners"] = [
            {
                "id": row.learner.pk,
                "display_name": row.learner.display_name,
                "email": row.learner.email,
                "added_at": row.membership.added_at.isoformat(),
                "enrollments": [enrollment.pk for enrollment in row.enrollments],
                "already_enrolled": row.already_enrolled,
                "started": row.is_started,
                "completed": row.is_complete,
                "overdue": row.is_overdue,
            }
            for row in report.learners
        ]
        data["removed"] = [
            {
                "id": membership.learner.pk,
                "display_name": membership.learner.display_name,
                "removed_at": membership.removed_at.isoformat() if membership.removed_at else None,
            }
            for membership in report.removed
        ]
        return data


def outcome_representation(outcome: SyncOutcome) -> dict[str, Any]:
    def people(users: list[User]) -> list[dict[str, Any]]:
        return [{"id": user.pk, "display_name": user.display_name} for user in users]

    return {
        "created": outcome.created,
        "enrolled": people(outcome.enrolled),
        "already_enrolled": people(outcome.already_enrolled),
        "notified": len(outcome.notified),
        "summary": outcome.summary,
    }
