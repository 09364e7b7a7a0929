from django.urls import path

from practice.teachback.api import views

urlpatterns = [
    path("", views.TeachBackListApi.as_view(), name="api-teachbacks"),
    path("<int:pk>/", views.TeachBackDetailApi.as_view(), name="api-teachback"),
    path("<int:pk>/confirm/", views.TeachBackConfirmApi.as_view(), name="api-teachback-confirm"),
    path(
        "<int:pk>/reschedule/",
        views.TeachBackRescheduleApi.as_view(),
        name="api-teachback-reschedule",
    ),
    path("<int:pk>/cancel/", views.TeachBackCancelApi.as_view(), name="api-teachback-cancel"),
    path("<int:pk>/rsvp/", views.TeachBackRsvpApi.as_view(), name="api-teachback-rsvp"),
    path(
        "<int:pk>/attendance/",
        views.TeachBackAttendanceApi.as_view(),
        name="api-teachback-attendance",
    ),
    path("<int:pk>/feedback/", views.TeachBackFeedbackApi.as_view(), name="api-teachback-feedback"),
]
