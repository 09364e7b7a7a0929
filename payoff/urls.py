from django.urls import path

from payoff import views

app_name = "payoff"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_csv, name="dashboard-csv"),
    path("dashboard/learners.csv", views.learners_csv, name="learners-csv"),
    path("dashboard/practice-by-week.svg", views.practice_chart, name="practice-chart"),
    path("dashboard/learners/<int:learner_id>/", views.learner_page, name="learner"),
    path(
        "dashboard/learners/<int:learner_id>/enrollments/<int:enrollment_id>/metrics/"
        "<int:metric_id>/confirm/",
        views.manager_confirm,
        name="confirm",
    ),
    path("enrollments/<int:enrollment_id>/checkin/", views.checkin, name="checkin"),
]
