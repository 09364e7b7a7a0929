"""Notifications API: the learner's own in-app notifications and marking them read."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from practice.nudges import selectors, services
from practice.nudges.api.serializers import NotificationOutputSerializer
from practice.nudges.models import Notification


class NotificationListApi(generics.ListAPIView[Notification]):
    serializer_class = NotificationOutputSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        user = self.request.user
        assert isinstance(user, User)
        queryset = selectors.notification_list(user=user)
        if self.request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset


class NotificationMarkReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOutputSerializer)
    def post(self, request: Request, notification_id: int) -> Response:
        user = request.user
        assert isinstance(user, User)
        notification = selectors.notification_get(user=user, notification_id=notification_id)
        services.notification_mark_read(notification=notification)
        return Response(NotificationOutputSerializer(notification).data)
