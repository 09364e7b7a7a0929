from django.urls import path

from practice.cohorts.api import views

urlpatterns = [
    path("cohorts/", views.CohortListCreateView.as_view(), name="api-cohort-list"),
    path("cohorts/<int:cohort_id>/", views.CohortDetailView.as_view(), name="api-cohort-detail"),
    path(
        "cohorts/<int:cohort_id>/members/",
        views.CohortMembersAddView.as_view(),
        name="api-cohort-members",
    ),
    path(
        "cohorts/<int:cohort_id>/members/<int:learner_id>/",
        views.CohortMemberRemoveView.as_view(),
        name="api-cohort-member",
    ),
]
