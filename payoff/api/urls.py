from django.urls import path

from payoff.api import views

urlpatterns = [
    path("dashboard/", views.DashboardApi.as_view(), name="api-dashboard"),
    path(
        "enrollments/<int:enrollment_id>/measurements/",
        views.MeasurementListCreateApi.as_view(),
        name="api-enrollment-measurements",
    ),
]
