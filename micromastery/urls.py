from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.forms import AdminSignInForm, PasswordLinkForm
from accounts.sso import views as sso_views
from micromastery import views
from micromastery.common.api import NotFoundApi

admin.site.site_header = _("Micromastery authoring")
admin.site.site_title = "Micromastery"
admin.site.index_title = _("Your organization")
admin.site.login_form = AdminSignInForm

auth_patterns = [
    path("login/", sso_views.SignInView.as_view(), name="login"),
    path("sso/<slug:slug>/callback/", sso_views.sso_callback, name="sso_callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordLinkForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

api_v1_patterns = [
    path("", include("accounts.api.urls")),
    path("", include("courses.api.urls")),
    path("", include("practice.cohorts.api.urls")),
    path("", include("practice.nudges.api.urls")),
    path("teachbacks/", include("practice.teachback.api.urls")),
    path("", include("practice.api.urls")),
    path("", include("payoff.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path("accounts/", include(auth_patterns)),
    path("account/", include("accounts.urls")),
    path("teams/", include("practice.cohorts.urls")),
    path("", include("practice.nudges.urls")),
    path("admin/", admin.site.urls),
    path("author/", include("courses.authoring_urls")),
    path("teachbacks/", include("practice.teachback.urls")),
    path("", include("practice.urls")),
    path("", include("payoff.urls")),
    path("api/v1/", include(api_v1_patterns)),
    path("scim/v2/", include("accounts.scim.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", NotFoundApi.as_view()),
]
