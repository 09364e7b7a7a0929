from django.urls import path

from practice.teachback import views

app_name = "teachback"

urlpatterns = [
    path("<int:pk>/", views.session_detail, name="session"),
    path("<int:pk>/audience/", views.audience_change, name="audience"),
    path("<int:pk>/audience/candidates/", views.audience_candidates, name="audience_candidates"),
    path("<int:pk>/confirm/", views.session_confirm, name="confirm"),
    path("<int:pk>/reschedule/", views.session_reschedule, name="reschedule"),
    path("<int:pk>/cancel/", views.session_cancel, name="cancel"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("<int:pk>/invite.ics", views.session_ics_download, name="ics"),
    path(
        "invites/<str:token>/accept/",
        views.invite_answer,
        {"answer": "accept"},
        name="invite_accept",
    ),
    path(
        "invites/<str:token>/decline/",
        views.invite_answer,
        {"answer": "decline"},
        name="invite_decline",
    ),
    path("invites/<str:token>/feedback/", views.invite_feedback, name="invite_feedback"),
    path(
        "invites/<str:token>/feedback/thanks/",
        views.invite_feedback_thanks,
        name="invite_feedback_thanks",
    ),
    path("invites/<str:token>/enroll/", views.invite_enroll, name="invite_enroll"),
    path(
        "spread/micromasteries/<int:pk>/",
        views.spread_micromastery,
        name="spread_micromastery",
    ),
    path("spread/teams/<int:pk>/", views.spread_team, name="spread_team"),
]
