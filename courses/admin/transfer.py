"""Moving a micromastery between organizations or systems: export and import as files."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from accounts.models import Organization, User
from courses.models import MicromasteryVersion
from courses.transfer import (
    MAX_IMPORT_BYTES,
    TransferFormat,
    micromastery_import,
    version_export,
)
from micromastery.common.errors import ApplicationError

CONTENT_TYPES = {"json": "application/json", "yaml": "application/yaml"}


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Micromastery file",
        help_text="A .json or .yaml file exported from Micromastery. It becomes a new draft.",
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(),
        required=False,
        help_text="Platform superusers choose the organization that receives the draft.",
    )


class VersionTransferMixin:
    """Export actions and an import page for the version admin."""

    def _export(
        self,
        request: HttpRequest,
        queryset: QuerySet[MicromasteryVersion],
        file_format: TransferFormat,
    ) -> HttpResponse | None:
        versions = list(queryset.select_related("micromastery")[:2])
        if len(versions) != 1:
            admin_self: Any = self
            admin_self.message_user(
                request, "Select exactly one version to export.", messages.WARNING
            )
            return None
        version = versions[0]
        content = version_export(version=version, file_format=file_format)
        response = HttpResponse(
            content, content_type=f"{CONTENT_TYPES[file_format]}; charset=utf-8"
        )
        filename = f"{version.micromastery.slug}-v{version.number}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description="Export as a JSON file")
    def export_json(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._export(request, queryset, "json")

    @admin.action(description="Export as a YAML file")
    def export_yaml(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._export(request, queryset, "yaml")

    def transfer_urls(self) -> list[URLPattern]:
        admin_self: Any = self
        return [
            path(
                "import/",
                admin_self.admin_site.admin_view(self.import_view),
                name="courses_micromasteryversion_import",
            )
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        admin_self: Any = self
        if not admin_self.has_role(request):
            raise PermissionDenied
        user = request.user
        assert isinstance(user, User)
        form = ImportForm(request.POST or None, request.FILES or None)
        if not user.is_superuser:
            del form.fields["organization"]
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            organization = (
                form.cleaned_data.get("organization") if user.is_superuser else user.organization
            )
            if organization is None:
                form.add_error("organization", "Choose the organization that receives the draft.")
            elif upload.size > MAX_IMPORT_BYTES:
                form.add_error("file", f"The file is larger than {MAX_IMPORT_BYTES:,} bytes.")
            else:
                name = (upload.name or "").lower()
                file_format: TransferFormat | None = None
                if name.endswith(".json"):
                    file_format = "json"
                elif name.endswith((".yaml", ".yml")):
                    file_format = "yaml"
                try:
                    draft = micromastery_import(
                        organization=organization,
                        by=user,
                        content=upload.read(),
                        file_format=file_format,
                    )
                except ApplicationError as error:
                    form.add_error("file", error.message)
                else:
                    admin_self.message_user(
                        request,
                        f"“{draft.title}” is imported as a new draft. Check it, then publish.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:courses_micromasteryversion_change", args=[draft.pk])
                    )
        context = {
            **admin_self.admin_site.each_context(request),
            "opts": admin_self.model._meta,
            "title": "Import a micromastery",
            "form": form,
        }
        return TemplateResponse(
            request, "admin/courses/micromasteryversion/import_form.html", context
        )
