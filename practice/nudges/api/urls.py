from django.urls import path

from practice.nudges.api.views import NotificationListApi, NotificationMarkReadApi

urlpatterns = [
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
    path(
        "notifications/<int:notification_id>/read/",
        NotificationMarkReadApi.as_view(),
        name="notification-mark-read",
    ),
]
