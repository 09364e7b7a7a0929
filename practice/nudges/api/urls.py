from django.urls import path

from practice.nudges.api.team_webhooks import (
    TeamWebhookDetailApi,
    TeamWebhookListCreateApi,
    TeamWebhookRotateSecretApi,
    TeamWebhookTestApi,
)
from practice.nudges.api.views import NotificationListApi, NotificationMarkReadApi

urlpatterns = [
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
    path(
        "notifications/<int:notification_id>/read/",
        NotificationMarkReadApi.as_view(),
        name="notification-mark-read",
    ),
    path("team-webhooks/", TeamWebhookListCreateApi.as_view(), name="team-webhook-list"),
    path(
        "team-webhooks/<int:webhook_id>/",
        TeamWebhookDetailApi.as_view(),
        name="team-webhook-detail",
    ),
    path(
        "team-webhooks/<int:webhook_id>/test/",
        TeamWebhookTestApi.as_view(),
        name="team-webhook-test",
    ),
    path(
        "team-webhooks/<int:webhook_id>/rotate-secret/",
        TeamWebhookRotateSecretApi.as_view(),
        name="team-webhook-rotate-secret",
    ),
]
