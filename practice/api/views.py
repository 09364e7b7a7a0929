"""The learner's practice over the API: enrolments, their progress and attempts.

Every enrolment is private to its learner: anyone else, whatever their role, gets a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from micromastery.common.api import Pagination
from practice import selectors, services
from practice.api.serializers import (
    AttemptCreateInputSerializer,
    AttemptFilterSerializer,
    AttemptLoggedOutputSerializer,
    AttemptOutputSerializer,
    EnrollmentCreateInputSerializer,
    EnrollmentDetailOutputSerializer,
    EnrollmentFilterSerializer,
    EnrollmentOutputSerializer,
    EnrollmentUpdateInputSerializer,
    PractiseTodayOutputSerializer,
)
from practice.extensions import enrollment_api_extensions
from practice.models import Enrollment
from practice.progress import Progress

ENROLLMENTS = ["enrollments"]
NOT_FOUND = OpenApiResponse(description="Not one of your enrolments.")


def learner_of(request: Request) -> User:
    # Every endpoint requires authentication, so the user is a real person here.
    assert isinstance(request.user, User)
    return request.user


@dataclass
class EnrollmentDetail:
    enrollment: Enrollment
    progress: Progress
    extensions: dict[str, Any] = field(default_factory=dict)


def enrollment_detail(*, learner: User, enrollment_id: int) -> EnrollmentDetail:
    row = selectors.enrollment_get(learner=learner, enrollment_id=enrollment_id)
    return EnrollmentDetail(
        row.enrollment,
        row.progress,
        {
            extension.field_name: extension.api_value(enrollment=row.enrollment)
            for extension in enrollment_api_extensions
        },
    )


def enrollment_detail_response(
    *, learner: User, enrollment_id: int, status_code: int = status.HTTP_200_OK
) -> Response:
    detail = enrollment_detail(learner=learner, enrollment_id=enrollment_id)
    return Response(EnrollmentDetailOutputSerializer(detail).data, status=status_code)


class EnrollmentListCreateApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="enrollments_list",
        tags=ENROLLMENTS,
        summary="My enrolments with their progress",
        parameters=[EnrollmentFilterSerializer],
        responses={200: EnrollmentOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        filters = EnrollmentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.enrollment_queryset(
            learner=learner_of(request), status=filters.validated_data.get("status")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        rows = selectors.enrollments_with_progress(page)
        return paginator.get_paginated_response(EnrollmentOutputSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="enrollments_create",
        tags=ENROLLMENTS,
        summary="Enrol on a published micromastery of my organization",
        request=EnrollmentCreateInputSerializer,
        responses={
            201: EnrollmentDetailOutputSerializer,
            404: OpenApiResponse(description="No such micromastery in your organization."),
        },
    )
    def post(self, request: Request) -> Response:
        learner = learner_of(request)
        serializer = EnrollmentCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        micromastery = selectors.micromastery_offered_get(
            learner=learner, micromastery_id=serializer.validated_data["micromastery"]
        )
        enrollment = services.enrollment_create(
            learner=learner,
            micromastery=micromastery,
            personal_payoff=serializer.validated_data["personal_payoff"],
        )
        return enrollment_detail_response(
            learner=learner, enrollment_id=enrollment.pk, status_code=status.HTTP_201_CREATED
        )


class EnrollmentDetailApi(APIView):
    @extend_schema(
        operation_id="enrollments_retrieve",
        tags=ENROLLMENTS,
        summary="One of my enrolments with its progress per step",
        responses={200: EnrollmentDetailOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, enrollment_id: int) -> Response:
        return enrollment_detail_response(learner=learner_of(request), enrollment_id=enrollment_id)

    @extend_schema(
        operation_id="enrollments_partial_update",
        tags=ENROLLMENTS,
        summary="Change my personal payoff",
        request=EnrollmentUpdateInputSerializer,
        responses={200: EnrollmentDetailOutputSerializer, 404: NOT_FOUND},
    )
    def patch(self, request: Request, enrollment_id: int) -> Response:
        learner = learner_of(request)
        enrollment = selectors.enrollment_without_progress_get(
            learner=learner, enrollment_id=enrollment_id
        )
        serializer = EnrollmentUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.enrollment_update_personal_payoff(
            enrollment=enrollment, personal_payoff=serializer.validated_data["personal_payoff"]
        )
        return enrollment_detail_response(learner=learner, enrollment_id=enrollment_id)


class EnrollmentPauseApi(APIView):
    @extend_schema(
        operation_id="enrollments_pause",
        tags=ENROLLMENTS,
        summary="Pause: no practice nudges until I resume or log an attempt",
        request=None,
        responses={200: EnrollmentDetailOutputSerializer, 404: NOT_FOUND},
    )
    def post(self, request: Request, enrollment_id: int) -> Response:
        learner = learner_of(request)
        enrollment = selectors.enrollment_without_progress_get(
            learner=learner, enrollment_id=enrollment_id
        )
        services.enrollment_pause(enrollment=enrollment)
        return enrollment_detail_response(learner=learner, enrollment_id=enrollment_id)


class EnrollmentResumeApi(APIView):
    @extend_schema(
        operation_id="enrollments_resume",
        tags=ENROLLMENTS,
        summary="Resume a paused or dropped enrolment where I left it",
        request=None,
        responses={200: EnrollmentDetailOutputSerializer, 404: NOT_FOUND},
    )
    def post(self, request: Request, enrollment_id: int) -> Response:
        learner = learner_of(request)
        enrollment = selectors.enrollment_without_progress_get(
            learner=learner, enrollment_id=enrollment_id
        )
        services.enrollment_resume(enrollment=enrollment)
        return enrollment_detail_response(learner=learner, enrollment_id=enrollment_id)


class EnrollmentDropApi(APIView):
    @extend_schema(
        operation_id="enrollments_drop",
        tags=ENROLLMENTS,
        summary="Drop: leave the micromastery, keeping my attempts",
        request=None,
        responses={200: EnrollmentDetailOutputSerializer, 404: NOT_FOUND},
    )
    def post(self, request: Request, enrollment_id: int) -> Response:
        learner = learner_of(request)
        enrollment = selectors.enrollment_without_progress_get(
            learner=learner, enrollment_id=enrollment_id
        )
        services.enrollment_drop(enrollment=enrollment)
        return enrollment_detail_response(learner=learner, enrollment_id=enrollment_id)


class AttemptListCreateApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="enrollments_attempts_list",
        tags=ENROLLMENTS,
        summary="My attempts on this enrolment, latest first",
        parameters=[AttemptFilterSerializer],
        responses={200: AttemptOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, enrollment_id: int) -> Response:
        enrollment = selectors.enrollment_without_progress_get(
            learner=learner_of(request), enrollment_id=enrollment_id
        )
        filters = AttemptFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        attempts = selectors.attempt_list(
            enrollment=enrollment, step_id=filters.validated_data.get("step")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(attempts, request, view=self) or []
        return paginator.get_paginated_response(AttemptOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="enrollments_attempts_create",
        tags=ENROLLMENTS,
        summary="Log a practice attempt",
        description="Logs what I did, what happened and what I will tweak, and moves progress "
        "on: an attempt counts as a repetition when it is spaced far enough from the step's "
        "previous one. Sending the same `submission_key` again logs nothing new and returns "
        "the first attempt with 200.",
        request=AttemptCreateInputSerializer,
        responses={
            201: AttemptLoggedOutputSerializer,
            200: OpenApiResponse(
                AttemptLoggedOutputSerializer,
                description="This submission_key was logged before: the first attempt.",
            ),
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, enrollment_id: int) -> Response:
        enrollment = selectors.enrollment_without_progress_get(
            learner=learner_of(request), enrollment_id=enrollment_id
        )
        serializer = AttemptCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attempt_input = dict(serializer.validated_data)
        step = selectors.enrollment_step_get(
            enrollment=enrollment, step_id=attempt_input.pop("step")
        )
        logged = services.attempt_log(enrollment=enrollment, step=step, **attempt_input)
        step_progress = logged.progress.step_by_id(logged.attempt.step_id)
        output = AttemptLoggedOutputSerializer(
            {
                "attempt": logged.attempt,
                "step_done": step_progress is not None and step_progress.done,
                "completed_now": logged.completed_now,
                "progress": logged.progress,
            }
        )
        return Response(
            output.data, status=status.HTTP_201_CREATED if logged.created else status.HTTP_200_OK
        )


class PractiseTodayApi(APIView):
    @extend_schema(
        operation_id="practice_today",
        tags=["practice"],
        summary="What to practise today, what comes later, and my streak",
        responses={200: PractiseTodayOutputSerializer},
    )
    def get(self, request: Request) -> Response:
        learner = learner_of(request)
        today, later = selectors.practise_today(learner=learner)
        streak = selectors.practice_streak(learner=learner)
        return Response(
            PractiseTodayOutputSerializer(
                {"today": today, "later": later, "streak": streak}, context={"request": request}
            ).data
        )
