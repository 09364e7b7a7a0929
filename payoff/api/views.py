"""Payoff measurements of the learner's own enrolment, mounted under the enrolment."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from micromastery.common.api import Pagination
from micromastery.common.errors import ApplicationError
from payoff import selectors, services
from payoff.api.serializers import (
    BaselineCreateInputSerializer,
    DashboardFilterSerializer,
    DashboardOutputSerializer,
    MeasurementOutputSerializer,
)
from payoff.dashboard.scope import dashboard_scope
from payoff.dashboard.summary import dashboard_summary
from practice.api.views import learner_of
from practice.selectors import enrollment_without_progress_get

NOT_FOUND = OpenApiResponse(description="Not one of your enrolments.")


class MeasurementListCreateApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="enrollments_measurements_list",
        tags=["enrollments"],
        summary="Payoff measurements of my enrolment, oldest first",
        responses={200: MeasurementOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, enrollment_id: int) -> Response:
        enrollment = enrollment_without_progress_get(
            learner=learner_of(request), enrollment_id=enrollment_id
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.measurement_list(enrollment=enrollment), request, view=self
        )
        return paginator.get_paginated_response(
            MeasurementOutputSerializer(page or [], many=True).data
        )

    @extend_schema(
        operation_id="enrollments_measurements_create",
        tags=["enrollments"],
        summary="Give (or correct) my baseline of a payoff metric",
        description="Records where I start on a metric I report myself, so that check-ins "
        "can show the change. Giving it again corrects it.",
        request=BaselineCreateInputSerializer,
        responses={201: MeasurementOutputSerializer, 404: NOT_FOUND},
    )
    def post(self, request: Request, enrollment_id: int) -> Response:
        learner = learner_of(request)
        enrollment = enrollment_without_progress_get(learner=learner, enrollment_id=enrollment_id)
        serializer = BaselineCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        metric = enrollment.version.payoff_metrics.filter(
            pk=serializer.validated_data["metric"]
        ).first()
        if metric is None:
            message = "This metric is not part of your version of the micromastery."
            raise ApplicationError(message, fields={"metric": [message]})
        measurement = services.baseline_record(
            enrollment=enrollment,
            metric=metric,
            value=serializer.validated_data["value"],
            by=learner,
        )
        return Response(
            MeasurementOutputSerializer(measurement).data, status=status.HTTP_201_CREATED
        )


class DashboardApi(APIView):
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
