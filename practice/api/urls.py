from django.urls import path

from practice.api import views

urlpatterns = [
    path("enrollments/", views.EnrollmentListCreateApi.as_view(), name="api-enrollments"),
    path(
        "enrollments/<int:enrollment_id>/",
        views.EnrollmentDetailApi.as_view(),
        name="api-enrollment",
    ),
    path(
        "enrollments/<int:enrollment_id>/pause/",
        views.EnrollmentPauseApi.as_view(),
        name="api-enrollment-pause",
    ),
    path(
        "enrollments/<int:enrollment_id>/resume/",
        views.EnrollmentResumeApi.as_view(),
        name="api-enrollment-resume",
    ),
    path(
        "enrollments/<int:enrollment_id>/drop/",
        views.EnrollmentDropApi.as_view(),
        name="api-enrollment-drop",
    ),
    path(
        "enrollments/<int:enrollment_id>/attempts/",
        views.AttemptListCreateApi.as_view(),
        name="api-enrollment-attempts",
    ),
    path("practice/today/", views.PractiseTodayApi.as_view(), name="api-practice-today"),
]
