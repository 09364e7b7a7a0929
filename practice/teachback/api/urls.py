from django.urls import path

from practice.teachback.api import views

urlpatterns = [
    path("", views.TeachBackListView.as_view(), name="api-teachbacks"),
    path("<int:pk>/", views.TeachBackDetailView.as_view(), name="api-teachback"),
    path("<int:pk>/confirm/", views.TeachBackConfirmView.as_view(), name="api-teachback-confirm"),
    path(
        "<int:pk>/reschedule/",
        views.TeachBackRescheduleView.as_view(),
        name="api-teachback-reschedule",
    ),
    path("<int:pk>/cancel/", views.TeachBackCancelView.as_view(), name="api-teachback-cancel"),
    path("<int:pk>/rsvp/", views.TeachBackRsvpView.as_view(), name="api-teachback-rsvp"),
    path(
        "<int:pk>/attendance/",
        views.TeachBackAttendanceView.as_view(),
        name="api-teachback-attendance",
    ),
    path(
        "<int:pk>/feedback/", views.TeachBackFeedbackView.as_view(), name="api-teachback-feedback"
    ),
]
