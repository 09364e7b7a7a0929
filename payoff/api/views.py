"""Payoff measurements of the learner's own enrolment, mounted under the enrolment."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from micromastery.common.api import Pagination
from micromastery.common.errors import ApplicationError
from payoff import selectors, services
from payoff.api.serializers import BaselineCreateInputSerializer, MeasurementOutputSerializer
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
