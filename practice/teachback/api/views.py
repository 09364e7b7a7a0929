"""The teach-back API: one view per operation, each calling one service or selector.

A session belongs to its teacher and, once scheduled, to its invitees: anyone else
(another organization, a colleague not invited) gets 404; an invitee who tries a
teacher's operation gets 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from practice.models import Enrollment
from practice.teachback import selectors, services
from practice.teachback.api.serializers import (
    AttendanceInputSerializer,
    ConfirmInputSerializer,
    FeedbackInputSerializer,
    ProposeInputSerializer,
    RescheduleInputSerializer,
    RsvpInputSerializer,
    TeachBackOutputSerializer,
)
from practice.teachback.models import Rsvp, SessionStatus, TeachBackSession


def _viewer(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _output(request: Request, session_id: int, code: int = status.HTTP_200_OK) -> Response:
    viewer = _viewer(request)
    session = selectors.teachback_get(viewer=viewer, session_id=session_id)
    return Response(
        TeachBackOutputSerializer(session, context={"viewer": viewer}).data, status=code
    )


class TeachBackListApi(generics.ListAPIView[TeachBackSession]):
    """Teach-backs you teach or are invited to; POST proposes one for a completed enrolment."""

    serializer_class = TeachBackOutputSerializer

    def get_queryset(self) -> QuerySet[TeachBackSession]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no viewer
            return TeachBackSession.objects.none()
        return selectors.teachback_list(viewer=_viewer(self.request))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(
        request=ProposeInputSerializer,
        responses={
            200: TeachBackOutputSerializer,
            201: TeachBackOutputSerializer,
            404: OpenApiResponse(description="No such enrolment of yours."),
        },
    )
    def post(self, request: Request) -> Response:
        viewer = _viewer(request)
        serializer = ProposeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrollment = Enrollment.objects.filter(
            pk=serializer.validated_data["enrollment"], learner=viewer
        ).first()
        if enrollment is None:
            raise Http404(_("No such enrolment of yours."))
        had_proposal = TeachBackSession.objects.filter(
            enrollment=enrollment, status=SessionStatus.PROPOSED
        ).exists()
        session = services.teachback_propose(enrollment=enrollment)
        code = status.HTTP_200_OK if had_proposal else status.HTTP_201_CREATED
        return _output(request, session.pk, code)


class TeachBackDetailApi(APIView):
    @extend_schema(responses={200: TeachBackOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return _output(request, pk)


class TeachBackConfirmApi(APIView):
    """Schedule a proposal: invitations with a calendar file go out by email."""

    @extend_schema(request=ConfirmInputSerializer, responses={200: TeachBackOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        viewer = _viewer(request)
        session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
        serializer = ConfirmInputSerializer(data=request.data, context={"viewer": viewer})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        audience = data.get("audience")
        if audience is None:
            audience = [invite.invitee for invite in session.invites.all()]
        services.teachback_confirm(
            session=session,
            by=viewer,
            starts_at=data["starts_at"],
            audience=audience,
            location=data["location"],
            video_url=data["video_url"],
            duration_minutes=data.get("duration_minutes"),
        )
        return _output(request, pk)


class TeachBackRescheduleApi(APIView):
    """Move a scheduled session; invitees get an update with a higher SEQUENCE."""

    @extend_schema(request=RescheduleInputSerializer, responses={200: TeachBackOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        viewer = _viewer(request)
        session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
        serializer = RescheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.teachback_reschedule(session=session, by=viewer, **serializer.validated_data)
        return _output(request, pk)


class TeachBackCancelApi(APIView):
    """Cancel (invitees get METHOD:CANCEL) or dismiss a proposal; cancelling twice is fine."""

    @extend_schema(request=None, responses={200: TeachBackOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        viewer = _viewer(request)
        session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
        services.teachback_cancel(session=session, by=viewer)
        return _output(request, pk)


class TeachBackRsvpApi(APIView):
    """Accept or decline your invitation; the same answer twice changes nothing."""

    @extend_schema(request=RsvpInputSerializer, responses={200: TeachBackOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        viewer = _viewer(request)
        session = selectors.teachback_get(viewer=viewer, session_id=pk)
        invite = selectors.invite_of(session, viewer)
        if invite is None:
            raise PermissionDenied(_("Only invitees answer an invitation."))
        serializer = RsvpInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.invite_respond(
            invite=invite, accept=serializer.validated_data["rsvp"] == Rsvp.ACCEPTED
        )
        return _output(request, pk)


class TeachBackAttendanceApi(APIView):
    """The teacher says who came, once the session started; attendees get a feedback request."""

    @extend_schema(request=AttendanceInputSerializer, responses={200: TeachBackOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        viewer = _viewer(request)
        session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
        serializer = AttendanceInputSerializer(data=request.data, context={"session": session})
        serializer.is_valid(raise_exception=True)
        services.attendance_mark(
            session=session, by=viewer, attended=serializer.validated_data["attended"]
        )
        return _output(request, pk)


class TeachBackFeedbackApi(APIView):
    """An attendee's feedback: clarity 1-5, whether they will try it, a comment."""

    @extend_schema(request=FeedbackInputSerializer, responses={200: TeachBackOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        viewer = _viewer(request)
        session = selectors.teachback_get(viewer=viewer, session_id=pk)
        invite = selectors.invite_of(session, viewer)
        if invite is None:
            raise PermissionDenied(_("Only attendees give feedback."))
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.feedback_give(invite=invite, by=viewer, **serializer.validated_data)
        return _output(request, pk)
