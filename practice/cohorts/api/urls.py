from django.urls import path

from practice.cohorts.api import views

urlpatterns = [
    path("cohorts/", views.CohortListCreateApi.as_view(), name="api-cohort-list"),
    path("cohorts/<int:cohort_id>/", views.CohortDetailApi.as_view(), name="api-cohort-detail"),
    path(
        "cohorts/<int:cohort_id>/members/",
        views.CohortMembersAddApi.as_view(),
        name="api-cohort-members",
    ),
    path(
        "cohorts/<int:cohort_id>/members/<int:learner_id>/",
        views.CohortMemberRemoveApi.as_view(),
        name="api-cohort-member",
    ),
]
