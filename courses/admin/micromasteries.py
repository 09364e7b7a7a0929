"""Micromasteries: starting one, its topics and its version history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import policies
from accounts.models import Organization
from courses import services
from courses.admin.authoring import (
    AUTHOR_ROLES,
    ServiceRefused,
    ServiceSavedAdminMixin,
)
from courses.models import (
    Micromastery,
    MicromasteryVersion,
    Topic,
)
from micromastery.common.admin import (
    OrganizationScopedAdmin,
    OrganizationScopedInlineMixin,
    scope_to_organization,
)
from micromastery.common.errors import ApplicationError


class VersionHistoryInline(OrganizationScopedInlineMixin, admin.TabularInline[Any, Any]):
    model = MicromasteryVersion
    roles = AUTHOR_ROLES
    fields = ["version_link", "status", "created_by", "published_at", "updated_at"]
    readonly_fields = ["version_link", "status", "created_by", "published_at", "updated_at"]
    ordering = ["-number"]
    extra = 0
    can_delete = False
    verbose_name = _("version")
    verbose_name_plural = _("version history")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Version"))
    def version_link(self, version: MicromasteryVersion) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:courses_micromasteryversion_change", args=[version.pk]),
            gettext("v%(number)s: %(title)s") % {"number": version.number, "title": version.title},
        )


class MicromasteryStartForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        help_text=_(
            "Name the skill as a doable action, e.g. “Run a 15-minute stand-up”. You "
            "can change it later."
        ),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional: where learners find it in the catalog."),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics_field: Any = self.fields["topics"]
        topics_field.queryset = scope_to_organization(Topic.objects.all(), request)
        user: Any = request.user
        if user.is_superuser:
            self.fields["organization"] = forms.ModelChoiceField(
                label=_("Organization"), queryset=Organization.objects.all()
            )


@admin.register(Micromastery)
class MicromasteryAdmin(ServiceSavedAdminMixin, OrganizationScopedAdmin):
    roles = AUTHOR_ROLES
    visible_to = staticmethod(policies.micromasteries_authorable_by)
    inlines = [VersionHistoryInline]
    list_display = ["slug", "latest_title", "version_statuses", "topic_names", "updated_at"]
    search_fields = ["slug", "versions__title"]
    fields = ["organization", "slug", "topics", "created_by"]
    readonly_fields = ["organization", "slug", "created_by"]
    filter_horizontal = ["topics"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Micromastery]:
        return super().get_queryset(request).prefetch_related("topics", "versions")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A micromastery goes away with its last draft (see the version page), never with
        # learners' history attached.
        return False

    @admin.display(description=_("Title"))
    def latest_title(self, micromastery: Micromastery) -> str:
        versions = sorted(micromastery.versions.all(), key=lambda version: version.number)
        return versions[-1].title if versions else ""

    @admin.display(description=_("Versions"))
    def version_statuses(self, micromastery: Micromastery) -> str:
        versions = sorted(micromastery.versions.all(), key=lambda version: version.number)
        return ", ".join(
            gettext("v%(number)s %(status)s")
            % {"number": version.number, "status": version.status_word}
            for version in versions
        )

    @admin.display(description=_("Topics"))
    def topic_names(self, micromastery: Micromastery) -> str:
        return ", ".join(topic.name for topic in micromastery.topics.all())

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Start a micromastery from a title; the author lands on its first draft."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MicromasteryStartForm(request.POST or None, request=request)
        if request.method == "POST" and form.is_valid():
            user: Any = request.user
            organization = form.cleaned_data.get("organization") or user.organization
            try:
                draft = services.micromastery_create(
                    organization=organization,
                    by=user,
                    title=form.cleaned_data["title"],
                    topics=form.cleaned_data["topics"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                self.log_addition(request, draft.micromastery, [{"added": {}}])
                self.message_user(
                    request,
                    gettext("“%(title)s” is started. Fill in the four elements, then publish.")
                    % {"title": draft.title},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:courses_micromasteryversion_change", args=[draft.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Start a micromastery"),
            "opts": self.opts,
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/courses/micromastery/start_form.html", context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.micromastery_set_topics(micromastery=obj, topics=form.cleaned_data["topics"])
        except ApplicationError as error:
            raise ServiceRefused(error) from error

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Topics were saved by the service; the version history is read-only."""

    def refusal_text(self, error: ApplicationError) -> str:
        return error.message
