from django.urls import path

from practice import quick_log_views, views

app_name = "practice"

urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
    path("micromasteries/<int:micromastery_id>/", views.micromastery_detail, name="micromastery"),
    path("micromasteries/<int:micromastery_id>/enrol/", views.enrol, name="enrol"),
    path("enrollments/<int:enrollment_id>/", views.enrollment_detail, name="enrollment"),
    path(
        "enrollments/<int:enrollment_id>/personal-payoff/",
        views.enrollment_personal_payoff,
        name="enrollment-personal-payoff",
    ),
    path(
        "enrollments/<int:enrollment_id>/baselines/",
        views.enrollment_baselines,
        name="enrollment-baselines",
    ),
    *(
        path(
            f"enrollments/<int:enrollment_id>/{action}/",
            views.enrollment_status_change,
            {"action": action},
            name=f"enrollment-{action}",
        )
        for action in views.ENROLLMENT_ACTIONS
    ),
    path(
        "enrollments/<int:enrollment_id>/steps/<int:step_id>/",
        views.step_practice,
        name="step",
    ),
    path(
        "enrollments/<int:enrollment_id>/steps/<int:step_id>/quick/",
        quick_log_views.quick_log,
        name="step-quick-log",
    ),
    # Short: it travels in emails, chat messages and notifications.
    path("q/<str:token>/", quick_log_views.quick_log_by_link, name="quick-log"),
]
