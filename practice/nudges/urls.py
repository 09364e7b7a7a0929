from django.urls import path

from practice.nudges import views

app_name = "nudges"

urlpatterns = [
    path("account/nudges/", views.preferences, name="preferences"),
    path("notifications/", views.notification_center, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("nudges/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("n/<str:token>/", views.click, name="click"),
    path("n/<str:token>/open.gif", views.opened, name="opened"),
]
