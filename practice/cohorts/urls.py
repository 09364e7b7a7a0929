from django.urls import path

from practice.cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("assign/", views.assign, name="assign"),
    path("cohorts/", views.cohort_list, name="list"),
    path("cohorts/<int:cohort_id>/", views.cohort_detail, name="detail"),
    path(
        "cohorts/<int:cohort_id>/members/<int:learner_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
]
