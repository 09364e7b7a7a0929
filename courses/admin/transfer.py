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
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from courses.models import Micromastery, MicromasteryVersion
from courses.selectors import micromastery_list_titled
from courses.transfer import (
    MAX_IMPORT_BYTES,
    TransferFormat,
    import_file_read,
    micromastery_import,
    version_export,
)
from micromastery.common.errors import ApplicationError

CONTENT_TYPES = {"json": "application/json", "yaml": "application/yaml"}
# An uploaded file waiting for the author's answer: a new version, or a new micromastery?
PENDING_IMPORT_KEY = "courses_pending_import"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Micromastery file"),
        help_text=_("A .json or .yaml file exported from Micromastery. It becomes a new draft."),
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.all(),
        required=False,
        help_text=_("Platform superusers choose the organization that receives the draft."),
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
                request, gettext("Select exactly one version to export."), messages.WARNING
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

    @admin.action(description=_("Export as a JSON file"))
    def export_json(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._export(request, queryset, "json")

    @admin.action(description=_("Export as a YAML file"))
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
        pending = request.session.get(PENDING_IMPORT_KEY)
        if request.method == "POST" and "target" in request.POST and pending:
            return self._import_answer(request, user, pending)
        form = ImportForm(request.POST or None, request.FILES or None)
        if not user.is_superuser:
            del form.fields["organization"]
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            organization = (
                form.cleaned_data.get("organization") if user.is_superuser else user.organization
            )
            if organization is None:
                form.add_error(
                    "organization", gettext("Choose the organization that receives the draft.")
                )
            elif upload.size > MAX_IMPORT_BYTES:
                form.add_error(
                    "file",
                    gettext("The file is larger than %(limit)s bytes.")
                    % {"limit": number_format(MAX_IMPORT_BYTES, force_grouping=True)},
                )
            else:
                name = (upload.name or "").lower()
                file_format: TransferFormat | None = None
                if name.endswith(".json"):
                    file_format = "json"
                elif name.endswith((".yaml", ".yml")):
                    file_format = "yaml"
                content = upload.read()
                try:
                    title = import_file_read(content, file_format)["title"]
                except ApplicationError as error:
                    form.add_error("file", error.message)
                else:
                    same_title = micromastery_list_titled(organization=organization, title=title)
                    if same_title:
                        # Ask before making a second micromastery with the same title; the
                        # file waits in the session (it is at most MAX_IMPORT_BYTES).
                        request.session[PENDING_IMPORT_KEY] = {
                            "content": content.decode("utf-8-sig", errors="replace"),
                            "format": file_format,
                            "organization": organization.pk,
                            "title": title,
                        }
                        return self._import_question(request, title, same_title)
                    return self._import_run(request, user, organization, content, file_format)
        return self._import_page(request, {"form": form})

    def _import_page(self, request: HttpRequest, extra: dict[str, Any]) -> HttpResponse:
        admin_self: Any = self
        context = {
            **admin_self.admin_site.each_context(request),
            "opts": admin_self.model._meta,
            "title": gettext("Import a micromastery"),
            **extra,
        }
        template = (
            "admin/courses/micromasteryversion/import_question.html"
            if "question" in extra
            else "admin/courses/micromasteryversion/import_form.html"
        )
        return TemplateResponse(request, template, context)

    def _import_question(
        self,
        request: HttpRequest,
        title: str,
        same_title: list[Micromastery],
        error: str = "",
    ) -> HttpResponse:
        return self._import_page(
            request,
            {"question": True, "file_title": title, "same_title": same_title, "error": error},
        )

    def _import_answer(
        self, request: HttpRequest, user: User, pending: dict[str, Any]
    ) -> HttpResponse:
        organization = Organization.objects.get(pk=pending["organization"])
        if not user.is_superuser and organization.pk != user.organization_id:
            raise PermissionDenied
        same_title = micromastery_list_titled(organization=organization, title=pending["title"])
        target = request.POST.get("target", "")
        as_version_of = next((item for item in same_title if str(item.pk) == target), None)
        if target != "new" and as_version_of is None:
            return self._import_question(
                request, pending["title"], same_title, gettext("Choose what this file is.")
            )
        return self._import_run(
            request, user, organization, pending["content"], pending["format"], as_version_of
        )

    def _import_run(
        self,
        request: HttpRequest,
        user: User,
        organization: Organization,
        content: str | bytes,
        file_format: TransferFormat | None,
        as_version_of: Micromastery | None = None,
    ) -> HttpResponse:
        admin_self: Any = self
        try:
            draft = micromastery_import(
                organization=organization,
                by=user,
                content=content,
                file_format=file_format,
                as_version_of=as_version_of,
            )
        except ApplicationError as error:
            request.session.pop(PENDING_IMPORT_KEY, None)
            form = ImportForm()
            if not user.is_superuser:
                del form.fields["organization"]
            form.add_error(None, error.message)
            return self._import_page(request, {"form": form})
        request.session.pop(PENDING_IMPORT_KEY, None)
        if as_version_of is not None:
            imported = gettext(
                "“%(title)s” is imported as version %(number)s of the existing micromastery, "
                "a draft. Check it, then publish."
            )
        else:
            imported = gettext("“%(title)s” is imported as a new draft. Check it, then publish.")
        admin_self.message_user(
            request, imported % {"title": draft.title, "number": draft.number}, messages.SUCCESS
        )
        return HttpResponseRedirect(
            reverse("admin:courses_micromasteryversion_change", args=[draft.pk])
        )
