from django.urls import path

from payoff.api import views

urlpatterns = [
    path(
        "enrollments/<int:enrollment_id>/measurements/",
        views.MeasurementListCreateApi.as_view(),
        name="api-enrollment-measurements",
    ),
]
