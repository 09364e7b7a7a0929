from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import policies, services
from accounts.forms import PasswordLinkForm, PeopleImportForm
from accounts.models import Organization, Team, User
from accounts.people_import import (
    COLUMN_TITLES,
    EXAMPLE_CSV,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportRow,
    parse_people_csv,
    people_import_plan,
)
from micromastery.common.admin import OrganizationScopedAdmin
from micromastery.common.errors import ApplicationError

# The preview lists every line to fix and the first changes; the counts cover the rest.
PREVIEW_REJECTED_SHOWN = 1000
PREVIEW_CHANGES_SHOWN = 500


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    organization_lookup = "pk"
    roles = ("is_org_admin",)
    visible_to = staticmethod(policies.organizations_visible_to)
    list_display = ["name", "slug", "hourly_cost_rate", "currency", "default_language"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        # Owning a domain keeps its people out of every other organization: the platform
        # team grants it, not the organization itself.
        return [] if user.is_superuser else ["slug", "email_domains"]

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        return self.prepopulated_fields if user.is_superuser else {}

    def has_add_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user: Any = request.user
        return bool(user.is_superuser)


class TeamAdminForm(forms.ModelForm[Team]):
    class Meta:
        model = Team
        fields = ["organization", "name", "managers", "members"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organization = cleaned.get("organization")
        for field in ("managers", "members"):
            outsiders = [
                str(person)
                for person in cleaned.get(field) or []
                if organization is not None and person.organization_id != organization.pk
            ]
            if outsiders:
                self.add_error(
                    field,
                    gettext("Only people of %(organization)s can be added: %(people)s.")
                    % {"organization": organization, "people": ", ".join(outsiders)},
                )
        return cleaned


@admin.register(Team)
class TeamAdmin(OrganizationScopedAdmin):
    form = TeamAdminForm
    roles = ("is_org_admin",)
    visible_to = staticmethod(policies.teams_visible_to)
    list_display = ["name", "organization", "manager_names", "member_count"]
    list_filter = ["organization"]
    search_fields = ["name"]
    # Plain labelled checkboxes: the admin's two-box filter widget adds an icon whose
    # aria-label is not allowed on it (axe: aria-prohibited-attr) and is hard on a keyboard.
    formfield_overrides = {
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
    }

    def get_list_filter(self, request: HttpRequest) -> Any:
        user: Any = request.user
        return self.list_filter if user.is_superuser else []

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).prefetch_related("managers", "members")

    @admin.display(description=_("Managers"))
    def manager_names(self, team: Team) -> str:
        return ", ".join(str(manager) for manager in team.managers.all())

    @admin.display(description=_("Members"))
    def member_count(self, team: Team) -> int:
        return len(team.members.all())


class UserAdminForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = [
            "organization",
            "email",
            "display_name",
            "time_zone",
            "work_starts_at",
            "work_ends_at",
            "working_days",
            "language",
            "is_active",
            "is_author",
            "is_org_admin",
        ]


@admin.register(User)
class UserAdmin(OrganizationScopedAdmin):
    """People of the organization. Org admins add and deactivate them, never delete:
    a person's practice history stays with the organization."""

    form = UserAdminForm
    roles = ("is_org_admin",)
    visible_to = staticmethod(policies.people_visible_to)
    list_display = [
        "display_name",
        "email",
        "organization",
        "is_author",
        "is_org_admin",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_author", "is_org_admin", "is_active"]
    search_fields = ["email", "display_name"]
    ordering = ["display_name"]
    actions = ["send_password_reset"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(UserAdminForm.Meta.fields)
        user: Any = request.user
        if user.is_superuser:
            fields.append("is_superuser")
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["fields"] = self.get_fields(request, obj)
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            # New people set their own password through the reset link they are sent.
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)
        # A deactivated or moved person keeps no API token, even if reactivated later; a
        # deactivated one is deactivated as everywhere else (planned nudges cancelled too).
        deactivated = "is_active" in form.changed_data and not obj.is_active
        if change and deactivated:
            services.user_deactivate(user=obj)
        elif change and "organization" in form.changed_data:
            services.api_tokens_revoke_all(user=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user: Any = request.user
        return bool(user.is_superuser)

    @admin.action(description=_("Send a link to set a password"))
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent = 0
        for person in queryset.filter(is_active=True):
            form = PasswordLinkForm({"email": person.email})
            if form.is_valid():
                form.save(
                    request=request,
                    use_https=request.is_secure(),
                    email_template_name="registration/password_reset_email.txt",
                    subject_template_name="registration/password_reset_subject.txt",
                )
                sent += 1
        self.message_user(
            request,
            ngettext("Sent %(count)d password link.", "Sent %(count)d password links.", sent)
            % {"count": sent},
            messages.SUCCESS,
        )

    # --- People import from CSV -------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.people_import_upload_view), name="accounts_user_import"),
            path(
                "import/example.csv",
                wrap(self.people_import_example_view),
                name="accounts_user_import_example",
            ),
            path(
                "import/<int:import_id>/",
                wrap(self.people_import_preview_view),
                name="accounts_user_import_preview",
            ),
            *super().get_urls(),
        ]

    def _require_people_importer(self, request: HttpRequest) -> User:
        if not self.has_role(request):
            raise PermissionDenied
        user = request.user
        assert isinstance(user, User)
        return user

    def _import_context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
        }

    def people_import_upload_view(self, request: HttpRequest) -> HttpResponse:
        viewer = self._require_people_importer(request)
        if request.method not in ("GET", "POST"):
            return HttpResponse(status=405)
        form = PeopleImportForm(request.POST or None, request.FILES or None, viewer=viewer)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                people_import = services.people_import_create(
                    organization=form.cleaned_data["organization"],
                    uploaded_by=viewer,
                    file_name=upload.name or "people.csv",
                    rows=parse_people_csv(upload.read(MAX_FILE_BYTES + 1)),
                )
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                return redirect("admin:accounts_user_import_preview", people_import.pk)
        context = self._import_context(request, gettext("Import people from CSV"))
        context.update(
            {
                "form": form,
                "columns": COLUMN_TITLES,
                "max_rows": number_format(MAX_ROWS, force_grouping=True),
                "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
            }
        )
        return TemplateResponse(request, "admin/accounts/user/import_upload.html", context)

    def people_import_example_view(self, request: HttpRequest) -> HttpResponse:
        self._require_people_importer(request)
        response = HttpResponse(EXAMPLE_CSV, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="people-example.csv"'
        return response

    def people_import_preview_view(self, request: HttpRequest, import_id: int) -> HttpResponse:
        viewer = self._require_people_importer(request)
        if request.method not in ("GET", "POST"):
            return HttpResponse(status=405)
        people_import = get_object_or_404(
            policies.people_imports_visible_to(viewer).select_related("organization"),
            pk=import_id,
        )
        if request.method == "POST":
            try:
                result = services.people_import_apply(people_import=people_import, by=viewer)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                counts = ngettext(
                    "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                    "%(teams)d new team.",
                    "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                    "%(teams)d new teams.",
                    result.teams_created,
                ) % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "teams": result.teams_created,
                }
                if result.already_applied:
                    already = gettext("This import was already applied: nothing changed this time.")
                    summary = f"{already} {counts}"
                else:
                    summary = f"{counts} {gettext('New people were sent an invitation.')}"
                self.message_user(request, summary, messages.SUCCESS)
                return redirect("admin:accounts_user_changelist")
        context = self._import_context(
            request, gettext("Preview: %(file)s") % {"file": people_import.file_name}
        )
        context["people_import"] = people_import
        if people_import.applied_at is None:
            plan = people_import_plan(
                organization=people_import.organization,
                rows=[ImportRow.from_dict(row) for row in people_import.rows],
            )
            context.update(
                {
                    "plan": plan,
                    "counts": plan.counts,
                    "rejected_rows": plan.rejected_rows[:PREVIEW_REJECTED_SHOWN],
                    "rejected_hidden": max(0, len(plan.rejected_rows) - PREVIEW_REJECTED_SHOWN),
                    "changed_rows": plan.changed_rows[:PREVIEW_CHANGES_SHOWN],
                    "changed_hidden": max(0, len(plan.changed_rows) - PREVIEW_CHANGES_SHOWN),
                    "teams_to_create": sorted(plan.teams_to_create.values()),
                }
            )
        return TemplateResponse(request, "admin/accounts/user/import_preview.html", context)
