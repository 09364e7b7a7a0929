"""Admin: org admins connect their teams' chat webhooks and look at nudges and the outbox."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import policies
from micromastery.common.admin import OrganizationScopedAdmin
from micromastery.common.errors import ApplicationError
from practice.nudges.forms import TeamWebhookAdminForm
from practice.nudges.models import Nudge, NudgeStatus, OutboxMessage, TeamWebhook
from practice.nudges.outbox import outbox_message_resend, webhook_test_enqueue
from practice.nudges.services import team_webhook_rotate_secret, team_webhook_save


def secret_shown_once(webhook: TeamWebhook) -> str:
    return gettext(
        "Signing secret of %(webhook)s: %(secret)s — copy it to your receiver now; it is not "
        "shown again (rotate it to get a new one)."
    ) % {"webhook": webhook, "secret": webhook.secret}


@admin.register(TeamWebhook)
class TeamWebhookAdmin(OrganizationScopedAdmin):
    form = TeamWebhookAdminForm
    organization_lookup = "team__organization"
    roles = ("is_org_admin",)
    list_display = ["team", "service", "url", "is_active", "updated_at"]
    actions = ["send_test_message", "rotate_secret"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = team_webhook_save(
            team=obj.team,
            url=obj.url,
            is_active=obj.is_active,
            secret=obj.secret,
            service=obj.service,
        )
        obj.pk = saved.pk
        if not change:
            self.message_user(request, secret_shown_once(saved), messages.INFO)

    @admin.action(description=_("Send a test message"))
    def send_test_message(self, request: HttpRequest, queryset: QuerySet[TeamWebhook]) -> None:
        user: Any = request.user
        for webhook in queryset.select_related("team"):
            try:
                webhook_test_enqueue(webhook=webhook, by=user)
            except ApplicationError as error:
                self.message_user(request, f"{webhook}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext(
                        "%(webhook)s: a test message is on its way; its outcome is in the outbox."
                    )
                    % {"webhook": webhook},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Rotate the signing secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[TeamWebhook]) -> None:
        user: Any = request.user
        for webhook in queryset.select_related("team"):
            try:
                rotated = team_webhook_rotate_secret(webhook=webhook, by=user)
            except ApplicationError as error:
                self.message_user(request, f"{webhook}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    secret_shown_once(rotated),
                    messages.WARNING,
                )


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


@admin.register(OutboxMessage)
class OutboxMessageAdmin(OrganizationScopedAdmin):
    """Every message that is not a nudge, with what happened to it; org admins send a
    failed one again once its cause is fixed."""

    organization_lookup = "recipient__organization"
    roles = ("is_org_admin",)
    list_display = ["kind", "to_display", "status", "attempts", "last_error", "due_at", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["recipient", "webhook__team"]
    search_fields = ["to", "subject"]
    fields = (
        "kind",
        "channel",
        "recipient",
        "to",
        "webhook",
        "subject",
        "status",
        "attempts",
        "last_error",
        "due_at",
        "sent_at",
        "text",
    )
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("to"))
    def to_display(self, message: OutboxMessage) -> str:
        if message.webhook is not None:
            return gettext("%(team)s chat") % {"team": message.webhook.team}
        return message.to

    @admin.action(description=_("Send again (failed messages)"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        resent = 0
        for message in queryset.filter(status=NudgeStatus.FAILED):
            try:
                outbox_message_resend(message=message)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                resent += 1
        skipped = queryset.exclude(status=NudgeStatus.FAILED).count()
        text = ngettext(
            "Sending %(count)d message again.", "Sending %(count)d messages again.", resent
        ) % {"count": resent}
        if skipped:
            text += " " + ngettext(
                "%(count)d was not failed and is left alone.",
                "%(count)d were not failed and are left alone.",
                skipped,
            ) % {"count": skipped}
        self.message_user(request, text, messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
