"""Cohorts over the API: list and create, detail, add and remove members.

Open to org admins, authors and team managers; a cohort outside the viewer's reach is
a 404, another organization's ids in a request are "not found" field errors.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policies
from accounts.models import User
from micromastery.common.api import Pagination
from practice.cohorts import selectors, services
from practice.cohorts.api.serializers import (
    CohortCreateInputSerializer,
    CohortDetailOutputSerializer,
    CohortMembersInputSerializer,
    CohortOutputSerializer,
    outcome_representation,
)

NOT_AN_ASSIGNER = OpenApiResponse(
    description="Only org admins, authors and team managers work with cohorts."
)


def _assigner(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    if not policies.can_assign(user):
        raise PermissionDenied(_("Only org admins, authors and team managers work with cohorts."))
    return user


def _detail(viewer: User, cohort_id: int) -> dict[str, Any]:
    report = selectors.cohort_report_get(viewer=viewer, cohort_id=cohort_id)
    return CohortDetailOutputSerializer(report).data


class CohortListCreateApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses={200: CohortOutputSerializer(many=True), 403: NOT_AN_ASSIGNER})
    def get(self, request: Request) -> Response:
        viewer = _assigner(request)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            policies.cohorts_visible_to(viewer).order_by("-starts_on", "name"),
            request,
            view=self,
        )
        reports = selectors.cohort_report_list(
            viewer=viewer, cohort_ids=[cohort.pk for cohort in page or []]
        )
        return paginator.get_paginated_response(
            [CohortOutputSerializer(report).data for report in reports]
        )

    @extend_schema(
        request=CohortCreateInputSerializer, responses={201: CohortDetailOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        viewer = _assigner(request)
        serializer = CohortCreateInputSerializer(
            data=request.data, organization_id=viewer.organization_id or 0
        )
        serializer.is_valid(raise_exception=True)
        outcome = services.cohort_assign(by=viewer, **serializer.validated_data)
        data = _detail(viewer, outcome.cohort.pk)
        data["outcome"] = outcome_representation(outcome)
        return Response(data, status=status.HTTP_201_CREATED if outcome.created else 200)


class CohortDetailApi(APIView):
    @extend_schema(responses={200: CohortDetailOutputSerializer, 403: NOT_AN_ASSIGNER})
    def get(self, request: Request, cohort_id: int) -> Response:
        return Response(_detail(_assigner(request), cohort_id))


class CohortMembersAddApi(APIView):
    @extend_schema(
        request=CohortMembersInputSerializer, responses={200: CohortDetailOutputSerializer}
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        viewer = _assigner(request)
        cohort = selectors.cohort_get(viewer=viewer, cohort_id=cohort_id)
        serializer = CohortMembersInputSerializer(
            data=request.data, organization_id=cohort.organization_id
        )
        serializer.is_valid(raise_exception=True)
        outcome = services.cohort_members_add(
            cohort=cohort,
            by=viewer,
            teams=serializer.validated_data.get("teams", []),
            people=serializer.validated_data.get("people", []),
        )
        data = _detail(viewer, cohort.pk)
        data["outcome"] = outcome_representation(outcome)
        return Response(data)


class CohortMemberRemoveApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, cohort_id: int, learner_id: int) -> Response:
        viewer = _assigner(request)
        cohort = selectors.cohort_get(viewer=viewer, cohort_id=cohort_id)
        learner = get_object_or_404(User, pk=learner_id, organization_id=cohort.organization_id)
        services.cohort_member_remove(cohort=cohort, by=viewer, learner=learner)
        return Response(status=status.HTTP_204_NO_CONTENT)
