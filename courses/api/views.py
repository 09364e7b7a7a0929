"""Micromasteries and courses over the API.

Everyone reads the published catalog of their own organization. Authors of that
organization also create drafts, edit them, publish them and start new versions, through
the same services as the admin.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policies
from accounts.models import User
from courses import selectors, services
from courses.api.serializers import (
    CourseOutputSerializer,
    MicromasteryDetailOutputSerializer,
    MicromasteryFilterSerializer,
    MicromasteryListOutputSerializer,
    VersionContentInputSerializer,
    VersionOutputSerializer,
)
from courses.models import Course, Micromastery, MicromasteryVersion
from micromastery.common.errors import ApplicationError


class IsAuthor(BasePermission):
    message = _("Only authors of this organization can create or change micromasteries.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        # The API authors for one organization: a superuser without one has the admin.
        return policies.is_author(user) and getattr(user, "organization_id", None) is not None


def _viewer(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def _draft_detail(micromastery: Micromastery) -> dict[str, Any]:
    draft = selectors.version_draft_get(micromastery=micromastery)
    assert draft is not None
    return dict(MicromasteryDetailOutputSerializer(draft).data)


def _authored(request: Request, micromastery_id: int) -> Micromastery:
    return selectors.authored_micromastery_get(
        viewer=_viewer(request), micromastery_id=micromastery_id
    )


AUTHOR_ERRORS = {
    400: OpenApiResponse(description='`{"error": {"code", "message", "fields"}}`'),
    403: OpenApiResponse(description="Not an author of this organization."),
    404: OpenApiResponse(description="No such micromastery in your organization."),
}


class MicromasteryListCreateApi(generics.ListAPIView[MicromasteryVersion]):
    """The catalog of published micromasteries (GET); a new draft, for authors (POST)."""

    serializer_class = MicromasteryListOutputSerializer

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [IsAuthenticated(), IsAuthor()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[MicromasteryVersion]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no viewer
            return MicromasteryVersion.objects.none()
        filters = MicromasteryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.micromastery_list(viewer=_viewer(self.request), **filters.validated_data)

    @extend_schema(operation_id="micromasteries_list", parameters=[MicromasteryFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="micromasteries_create",
        summary="Create a micromastery as a draft (authors)",
        request=VersionContentInputSerializer,
        responses={201: MicromasteryDetailOutputSerializer, **AUTHOR_ERRORS},
    )
    def post(self, request: Request) -> Response:
        viewer = _viewer(request)
        body = VersionContentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assert viewer.organization is not None
        draft = services.micromastery_create(
            organization=viewer.organization, by=viewer, **body.validated_data
        )
        return Response(_draft_detail(draft.micromastery), status=status.HTTP_201_CREATED)


class MicromasteryDetailApi(APIView):
    @extend_schema(
        operation_id="micromasteries_retrieve",
        summary="A published micromastery: the four elements, steps and payoff metrics",
        responses={200: MicromasteryDetailOutputSerializer},
    )
    def get(self, request: Request, micromastery_id: int) -> Response:
        version = selectors.micromastery_get(
            viewer=_viewer(request), micromastery_id=micromastery_id
        )
        return Response(MicromasteryDetailOutputSerializer(version).data)


class MicromasteryDraftApi(APIView):
    """The micromastery's draft (authors): read it, or change part of it."""

    permission_classes = [IsAuthenticated, IsAuthor]

    @extend_schema(
        operation_id="micromasteries_draft_retrieve",
        summary="The draft of a micromastery (authors)",
        responses={200: MicromasteryDetailOutputSerializer, **AUTHOR_ERRORS},
    )
    def get(self, request: Request, micromastery_id: int) -> Response:
        return Response(_draft_detail(self._micromastery_with_draft(request, micromastery_id)))

    @extend_schema(
        operation_id="micromasteries_draft_partial_update",
        summary="Change the draft (authors)",
        description="Send only what changes. `steps` and `payoff_metrics`, when sent, replace "
        "the whole list (a step keeps its progress across versions through its `key`); "
        "`topics` apply to every version of the micromastery. A published version never "
        "changes: start a new version with `POST .../versions/`.",
        request=VersionContentInputSerializer,
        responses={200: MicromasteryDetailOutputSerializer, **AUTHOR_ERRORS},
    )
    def patch(self, request: Request, micromastery_id: int) -> Response:
        micromastery = self._micromastery_with_draft(request, micromastery_id)
        body = VersionContentInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        draft = selectors.version_draft_get(micromastery=micromastery)
        assert draft is not None
        services.version_edit(version=draft, **body.validated_data)
        return Response(_draft_detail(micromastery))

    def _micromastery_with_draft(self, request: Request, micromastery_id: int) -> Micromastery:
        micromastery = _authored(request, micromastery_id)
        if not micromastery.versions.drafts().exists():
            raise NotFound(
                gettext("This micromastery has no draft. Start one with POST %(url)s.")
                % {"url": f"/api/v1/micromasteries/{micromastery_id}/versions/"}
            )
        return micromastery


class MicromasteryPublishApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthor]

    @extend_schema(
        operation_id="micromasteries_publish",
        summary="Publish the draft (authors)",
        description="Refused with 400 unless all four elements are complete; "
        "`error.fields.publish` lists what is missing, as the admin does. The version it "
        "replaces is archived; learners on it keep practising it.",
        request=None,
        responses={200: MicromasteryDetailOutputSerializer, **AUTHOR_ERRORS},
    )
    def post(self, request: Request, micromastery_id: int) -> Response:
        micromastery = _authored(request, micromastery_id)
        draft = selectors.version_draft_get(micromastery=micromastery)
        if draft is None:
            raise ApplicationError(
                gettext(
                    "There is no draft to publish. Start a new version, change it, then publish it."
                )
            )
        services.version_publish(version=draft, by=_viewer(request))
        published = selectors.micromastery_get(
            viewer=_viewer(request), micromastery_id=micromastery_id
        )
        return Response(MicromasteryDetailOutputSerializer(published).data)


class MicromasteryVersionsApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthor]

    @extend_schema(
        operation_id="micromasteries_versions_list",
        summary="Every version of a micromastery, newest first (authors)",
        responses={200: VersionOutputSerializer(many=True), **AUTHOR_ERRORS},
    )
    def get(self, request: Request, micromastery_id: int) -> Response:
        versions = selectors.version_list(micromastery=_authored(request, micromastery_id))
        return Response(VersionOutputSerializer(versions, many=True).data)

    @extend_schema(
        operation_id="micromasteries_versions_create",
        summary="Start a new version as a draft (authors)",
        description="The draft copies the published version (or, if none, the newest one), "
        "keeping the keys of its steps and payoff metrics. Refused while a draft exists.",
        request=None,
        responses={201: MicromasteryDetailOutputSerializer, **AUTHOR_ERRORS},
    )
    def post(self, request: Request, micromastery_id: int) -> Response:
        micromastery = _authored(request, micromastery_id)
        source: MicromasteryVersion = selectors.version_get(micromastery=micromastery)
        services.version_create_draft(version=source, by=_viewer(request))
        return Response(_draft_detail(micromastery), status=status.HTTP_201_CREATED)


class CourseListApi(generics.ListAPIView[Course]):
    """Published courses of your organization, each with its micromasteries in order."""

    serializer_class = CourseOutputSerializer

    def get_queryset(self) -> QuerySet[Course]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no viewer
            return Course.objects.none()
        return selectors.course_list(viewer=_viewer(self.request))


class CourseDetailApi(APIView):
    @extend_schema(operation_id="courses_retrieve", responses={200: CourseOutputSerializer})
    def get(self, request: Request, course_id: int) -> Response:
        course = selectors.course_get(viewer=_viewer(request), course_id=course_id)
        return Response(CourseOutputSerializer(course).data)
