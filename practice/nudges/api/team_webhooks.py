"""Team webhooks API: org admins (every team of their organization) and managers (their
teams) connect a team's Slack or Teams chat, test it and rotate its signing secret.

The secret is in the answer to the create and rotate-secret calls only.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from micromastery.common.api import StrictFieldsMixin
from practice.nudges import outbox, selectors, services
from practice.nudges.models import ChatService, TeamWebhook


class TeamWebhookOutputSerializer(serializers.ModelSerializer[TeamWebhook]):
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = TeamWebhook
        fields = ["id", "team", "team_name", "url", "service", "is_active", "created_at"]


class TeamWebhookWithSecretSerializer(TeamWebhookOutputSerializer):
    class Meta(TeamWebhookOutputSerializer.Meta):
        fields = [*TeamWebhookOutputSerializer.Meta.fields, "secret"]


class TeamWebhookCreateSerializer(StrictFieldsMixin, serializers.Serializer[None]):
    team = serializers.IntegerField()
    url = serializers.CharField(max_length=500)
    service = serializers.ChoiceField(choices=ChatService.choices)
    is_active = serializers.BooleanField(default=True)


class TeamWebhookUpdateSerializer(StrictFieldsMixin, serializers.Serializer[None]):
    url = serializers.CharField(max_length=500, required=False)
    service = serializers.ChoiceField(choices=ChatService.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class TestMessageOutputSerializer(serializers.Serializer[dict[str, object]]):
    message_id = serializers.IntegerField()
    status = serializers.CharField()


class ManagesTeamChats(BasePermission):
    message = gettext_lazy("Only org admins and team managers connect team chats.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return isinstance(user, User) and selectors.team_webhooks_may_manage(viewer=user)


PERMISSIONS = [IsAuthenticated, ManagesTeamChats]


def _viewer(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class TeamWebhookListCreateApi(generics.ListAPIView[TeamWebhook]):
    permission_classes = PERMISSIONS
    serializer_class = TeamWebhookOutputSerializer

    def get_queryset(self) -> QuerySet[TeamWebhook]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return TeamWebhook.objects.none()
        return selectors.team_webhook_list(viewer=_viewer(self.request)).order_by("team__name")

    @extend_schema(
        request=TeamWebhookCreateSerializer, responses={201: TeamWebhookWithSecretSerializer}
    )
    def post(self, request: Request) -> Response:
        viewer = _viewer(request)
        data = TeamWebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = (
            selectors.teams_for_webhooks(viewer=viewer)
            .filter(pk=data.validated_data["team"])
            .first()
        )
        if team is None:
            raise serializers.ValidationError({"team": [_("Choose a team you manage.")]})
        webhook = services.team_webhook_create(
            team=team,
            by=viewer,
            url=data.validated_data["url"],
            service=data.validated_data["service"],
            is_active=data.validated_data["is_active"],
        )
        return Response(
            TeamWebhookWithSecretSerializer(webhook).data, status=status.HTTP_201_CREATED
        )


class TeamWebhookDetailApi(APIView):
    permission_classes = PERMISSIONS

    @extend_schema(responses=TeamWebhookOutputSerializer)
    def get(self, request: Request, webhook_id: int) -> Response:
        webhook = selectors.team_webhook_get(viewer=_viewer(request), webhook_id=webhook_id)
        return Response(TeamWebhookOutputSerializer(webhook).data)

    @extend_schema(request=TeamWebhookUpdateSerializer, responses=TeamWebhookOutputSerializer)
    def patch(self, request: Request, webhook_id: int) -> Response:
        return self._update(request, webhook_id, partial=True)

    @extend_schema(request=TeamWebhookUpdateSerializer, responses=TeamWebhookOutputSerializer)
    def put(self, request: Request, webhook_id: int) -> Response:
        return self._update(request, webhook_id, partial=False)

    def _update(self, request: Request, webhook_id: int, *, partial: bool) -> Response:
        viewer = _viewer(request)
        webhook = selectors.team_webhook_get(viewer=viewer, webhook_id=webhook_id)
        data = TeamWebhookUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not partial:
            missing = {"url", "service", "is_active"} - set(data.validated_data)
            if missing:
                raise serializers.ValidationError(
                    {name: [_("This field is required.")] for name in sorted(missing)}
                )
        webhook = services.team_webhook_update(webhook=webhook, by=viewer, **data.validated_data)
        return Response(TeamWebhookOutputSerializer(webhook).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, webhook_id: int) -> Response:
        viewer = _viewer(request)
        webhook = selectors.team_webhook_get(viewer=viewer, webhook_id=webhook_id)
        services.team_webhook_delete(webhook=webhook, by=viewer)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamWebhookTestApi(APIView):
    permission_classes = PERMISSIONS

    @extend_schema(request=None, responses={202: TestMessageOutputSerializer})
    def post(self, request: Request, webhook_id: int) -> Response:
        viewer = _viewer(request)
        webhook = selectors.team_webhook_get(viewer=viewer, webhook_id=webhook_id)
        message = outbox.webhook_test_enqueue(webhook=webhook, by=viewer)
        return Response(
            TestMessageOutputSerializer({"message_id": message.pk, "status": message.status}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class TeamWebhookRotateSecretApi(APIView):
    permission_classes = PERMISSIONS

    @extend_schema(request=None, responses=TeamWebhookWithSecretSerializer)
    def post(self, request: Request, webhook_id: int) -> Response:
        viewer = _viewer(request)
        webhook = selectors.team_webhook_get(viewer=viewer, webhook_id=webhook_id)
        webhook = services.team_webhook_rotate_secret(webhook=webhook, by=viewer)
        return Response(TeamWebhookWithSecretSerializer(webhook).data)
