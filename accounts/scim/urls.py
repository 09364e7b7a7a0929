from django.urls import path, re_path

from accounts.scim import views

app_name = "scim"

urlpatterns = [
    path("", views.NotFoundView.as_view(), name="root"),
    path(".search", views.RootSearchView.as_view(), name="search"),
    path("Users", views.UsersView.as_view(), name="users"),
    path("Users/.search", views.UsersSearchView.as_view(), name="users_search"),
    path("Users/<str:scim_id>", views.UserView.as_view(), name="user"),
    path("Groups", views.GroupsView.as_view(), name="groups"),
    path("Groups/.search", views.GroupsSearchView.as_view(), name="groups_search"),
    path("Groups/<str:scim_id>", views.GroupView.as_view(), name="group"),
    path(
        "ServiceProviderConfig",
        views.ServiceProviderConfigView.as_view(),
        name="service_provider_config",
    ),
    path("Schemas", views.SchemasView.as_view(), name="schemas"),
    path("Schemas/<str:object_id>", views.SchemasView.as_view(), name="schema"),
    path("ResourceTypes", views.ResourceTypesView.as_view(), name="resource_types"),
    path("ResourceTypes/<str:object_id>", views.ResourceTypesView.as_view(), name="resource_type"),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
