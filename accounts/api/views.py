from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import (
    MeOutputSerializer,
    MeUpdateSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from accounts.models import User
from micromastery.common.errors import ApplicationError


class TokenObtainView(APIView):
    """Exchange an email and password for an API token (``Authorization: Token <key>``)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Axes counts failures and locks out through the same authenticate() call.
        user = authenticate(
            request._request,
            username=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise ApplicationError("That email and password do not match an account.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response(TokenOutputSerializer({"token": token.key}).data, status=status.HTTP_200_OK)


class MeView(APIView):
    """The signed-in person: profile, organization, roles and the teams they manage."""

    @extend_schema(responses={200: MeOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(self._me(request)).data)

    @extend_schema(request=MeUpdateSerializer, responses={200: MeOutputSerializer})
    def patch(self, request: Request) -> Response:
        user = self._me(request)
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = {
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "work_starts_at": user.work_starts_at,
            "work_ends_at": user.work_ends_at,
            "working_days": user.working_days,
        }
        profile.update(serializer.validated_data)
        services.user_update_profile(user=user, **profile)
        return Response(MeOutputSerializer(self._me(request)).data)

    def _me(self, request: Request) -> User:
        return (
            User.objects.select_related("organization")
            .prefetch_related("managed_teams")
            .get(pk=int(request.user.pk or 0))
        )
