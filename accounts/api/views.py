from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.authentication import ApiTokenAuthentication
from accounts.api.serializers import (
    MeOutputSerializer,
    MeUpdateSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from accounts.models import ApiToken, User
from accounts.sso.selectors import password_sign_in_refusal
from micromastery.common.errors import ApplicationError


class TokenApi(APIView):
    """Sign in to the API with an email and password (POST), or sign out the token in use
    (DELETE). Each sign-in issues a new key for ``Authorization: Token <key>``."""

    def get_authenticators(self) -> list[Any]:
        # Signing in needs nothing but the body: a stale token in the header must not stand
        # in its way, and a browser session must not turn it into a CSRF-checked request.
        # Signing out is about the token in the header, and only that.
        return [ApiTokenAuthentication()] if self._signing_out() else []

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self._signing_out() else [AllowAny()]

    def _signing_out(self) -> bool:
        # The schema generator asks before it has set a request.
        request = getattr(self, "request", None)
        return request is not None and request.method == "DELETE"

    @extend_schema(
        summary="Sign in: a new API token",
        description="Every call issues a new key; only its digest is kept, so it is shown once.",
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refusal = password_sign_in_refusal(email=serializer.validated_data["email"])
        if refusal:
            raise ApplicationError(refusal)
        # Axes counts failures and locks out through the same authenticate() call.
        user = authenticate(
            request._request,
            username=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if not isinstance(user, User) or not user.is_active:
            raise ApplicationError(gettext("That email and password do not match an account."))
        key = services.api_token_issue(user=user)
        return Response(TokenOutputSerializer({"token": key}).data, status=status.HTTP_200_OK)

    @extend_schema(
        summary="Sign out the token of this request",
        description="The key in the `Authorization` header stops working; other keys do not.",
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        assert isinstance(request.auth, ApiToken)
        services.api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
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
            "language": user.language,
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
