from django.urls import path

from courses import views

app_name = "authoring"

urlpatterns = [
    path("versions/<int:version_id>/preview/", views.version_preview, name="version_preview"),
    path("markdown-preview/", views.markdown_preview, name="markdown_preview"),
]
