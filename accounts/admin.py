from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.forms import PasswordLinkForm
from accounts.models import Organization, Team, User
from micromastery.common.admin import OrganizationScopedAdmin


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    organization_lookup = "pk"
    roles = ("is_org_admin",)
    list_display = ["name", "slug", "hourly_cost_rate", "currency"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        return [] if user.is_superuser else ["slug"]

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
                    field, f"Only people of {organization} can be added: {', '.join(outsiders)}."
                )
        return cleaned


@admin.register(Team)
class TeamAdmin(OrganizationScopedAdmin):
    form = TeamAdminForm
    roles = ("is_org_admin",)
    list_display = ["name", "organization", "manager_names", "member_count"]
    list_filter = ["organization"]
    search_fields = ["name"]
    filter_horizontal = ["managers", "members"]

    def get_list_filter(self, request: HttpRequest) -> Any:
        user: Any = request.user
        return self.list_filter if user.is_superuser else []

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).prefetch_related("managers", "members")

    @admin.display(description="Managers")
    def manager_names(self, team: Team) -> str:
        return ", ".join(str(manager) for manager in team.managers.all())

    @admin.display(description="Members")
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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user: Any = request.user
        return bool(user.is_superuser)

    @admin.action(description="Send a link to set a password")
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
        self.message_user(request, f"Sent {sent} password link(s).", messages.SUCCESS)
