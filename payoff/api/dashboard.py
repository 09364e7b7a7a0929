"""GET /api/v1/dashboard/: the same numbers as the dashboard page, from the same selector."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from micromastery.common.models import MAX_ROW_ID
from payoff.api.serializers import DashboardOutputSerializer
from payoff.dashboard.scope import DEFAULT_PERIOD_DAYS, PERIOD_CHOICES, dashboard_scope
from payoff.dashboard.summary import dashboard_summary


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


class DashboardView(APIView):
    """Reach, practice, capability, spread, results and value for the filter.

    Managers see the teams they manage; org admins and authors the whole organization.
    A team, micromastery or cohort the caller may not see is a 404.
    """

    @extend_schema(
        parameters=[DashboardFilterSerializer],
        responses={
            200: DashboardOutputSerializer,
            403: OpenApiResponse(
                description="Only managers, org admins and authors see the dashboard."
            ),
            404: OpenApiResponse(description="A team, micromastery or cohort you may not see."),
        },
    )
    def get(self, request: Request) -> Response:
        filters = DashboardFilterSerializer(
            data={
                "team": request.query_params.getlist("team"),
                **{
                    name: request.query_params[name]
                    for name in ("micromastery", "cohort", "period")
                    if request.query_params.get(name)
                },
            }
        )
        filters.is_valid(raise_exception=True)
        user = request.user
        assert isinstance(user, User)
        scope = dashboard_scope(
            viewer=user,
            team_ids=filters.validated_data.get("team") or [],
            micromastery_id=filters.validated_data.get("micromastery"),
            period_days=filters.validated_data["period"],
            cohort_id=filters.validated_data.get("cohort"),
        )
        return Response(DashboardOutputSerializer(dashboard_summary(scope=scope)).data)


urlpatterns = [path("dashboard/", DashboardView.as_view(), name="api-dashboard")]
