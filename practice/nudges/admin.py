"""Admin: org admins connect their teams' chat webhooks and look at nudges."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts import policies
from micromastery.common.admin import OrganizationScopedAdmin
from practice.nudges.forms import TeamWebhookAdminForm
from practice.nudges.models import Nudge, TeamWebhook
from practice.nudges.services import team_webhook_save


@admin.register(TeamWebhook)
class TeamWebhookAdmin(OrganizationScopedAdmin):
    form = TeamWebhookAdminForm
    organization_lookup = "team__organization"
    roles = ("is_org_admin",)
    list_display = ["team", "url", "is_active", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = team_webhook_save(
            team=obj.team, url=obj.url, is_active=obj.is_active, secret=obj.secret
        )
        obj.pk = saved.pk


@admin.register(Nudge)
class NudgeAdmin(OrganizationScopedAdmin):
    organization_lookup = "recipient__organization"
    roles = ("is_org_admin",)
    visible_to = staticmethod(policies.nudges_visible_to)
    list_display = ["recipient", "kind", "channel", "due_at", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    list_select_related = ["recipient"]
    readonly_fields = [field.name for field in Nudge._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
