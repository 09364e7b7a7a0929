"""Admin: org admins look at their organization's teach-backs; people change them on the
teach-back pages, through the services, so the admin only shows them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from micromastery.common.admin import OrganizationScopedAdmin, OrganizationScopedInlineMixin
from practice.teachback.models import TeachBackInvite, TeachBackSession


class TeachBackInviteInline(
    OrganizationScopedInlineMixin, admin.TabularInline[TeachBackInvite, TeachBackSession]
):
    model = TeachBackInvite
    roles = ("is_org_admin",)
    fields = ["invitee", "rsvp", "attended", "feedback_clarity", "feedback_will_try"]
    readonly_fields = ["invitee", "rsvp", "attended", "feedback_clarity", "feedback_will_try"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TeachBackInvite]:
        return super().get_queryset(request).select_related("invitee")


@admin.register(TeachBackSession)
class TeachBackSessionAdmin(OrganizationScopedAdmin):
    organization_lookup = "micromastery__organization"
    roles = ("is_org_admin",)
    list_display = ["micromastery", "teacher", "status", "starts_at"]
    list_filter = ["status"]
    list_select_related = ["micromastery", "teacher"]
    readonly_fields = [field.name for field in TeachBackSession._meta.fields]
    inlines = [TeachBackInviteInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
