from django.urls import path

from courses.api import views

urlpatterns = [
    path("micromasteries/", views.MicromasteryListCreateApi.as_view(), name="api-micromasteries"),
    path(
        "micromasteries/<int:micromastery_id>/",
        views.MicromasteryDetailApi.as_view(),
        name="api-micromastery",
    ),
    path(
        "micromasteries/<int:micromastery_id>/draft/",
        views.MicromasteryDraftApi.as_view(),
        name="api-micromastery-draft",
    ),
    path(
        "micromasteries/<int:micromastery_id>/publish/",
        views.MicromasteryPublishApi.as_view(),
        name="api-micromastery-publish",
    ),
    path(
        "micromasteries/<int:micromastery_id>/versions/",
        views.MicromasteryVersionsApi.as_view(),
        name="api-micromastery-versions",
    ),
    path("courses/", views.CourseListApi.as_view(), name="api-courses"),
    path("courses/<int:course_id>/", views.CourseDetailApi.as_view(), name="api-course"),
]
