"""Admin: an org admin connects the organization's Learning Record Store and tests it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from micromastery.common.admin import OrganizationScopedAdmin
from micromastery.common.errors import ApplicationError
from payoff.xapi.forms import LearningRecordStoreAdminForm
from payoff.xapi.models import LearningRecordStore
from payoff.xapi.services import lrs_save, lrs_test_statement_send


@admin.register(LearningRecordStore)
class LearningRecordStoreAdmin(OrganizationScopedAdmin):
    form = LearningRecordStoreAdminForm
    roles = ("is_org_admin",)
    list_display = ["organization", "endpoint", "username", "is_enabled", "updated_at"]
    list_select_related = ["organization"]
    actions = ["send_test_statement"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user: Any = request.user
        saved = lrs_save(
            organization=obj.organization,
            endpoint=obj.endpoint,
            username=obj.username,
            password=form.cleaned_data.get("password") or None,
            is_enabled=obj.is_enabled,
            by=user,
        )
        obj.pk = saved.pk

    @admin.action(description=gettext_lazy("Send a test statement"))
    def send_test_statement(
        self, request: HttpRequest, queryset: QuerySet[LearningRecordStore]
    ) -> None:
        user: Any = request.user
        for lrs in queryset.select_related("organization"):
            try:
                lrs_test_statement_send(lrs=lrs, by=user)
            except ApplicationError as error:
                self.message_user(
                    request,
                    _("%(lrs)s: %(problem)s") % {"lrs": lrs, "problem": error.message},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(lrs)s: a test statement is on its way; its outcome is in the outbox.")
                    % {"lrs": lrs},
                    messages.SUCCESS,
                )
