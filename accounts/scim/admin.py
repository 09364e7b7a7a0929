from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.scim import services
from accounts.scim.models import ScimToken
from micromastery.common.admin import OrganizationScopedAdmin


class ScimTokenForm(forms.ModelForm[ScimToken]):
    class Meta:
        model = ScimToken
        fields = ["organization", "name"]


@admin.register(ScimToken)
class ScimTokenAdmin(OrganizationScopedAdmin):
    """Org admins make the token their directory provisions with, see when each was last
    used, and revoke them. A token is never edited, and its key is shown once."""

    form = ScimTokenForm
    roles = ("is_org_admin",)
    list_display = [
        "name",
        "organization",
        "key_ending",
        "created_by",
        "created_at",
        "last_used_at",
        "state",
    ]
    list_filter = ["revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["organization", "name"]
        return [
            "organization",
            "name",
            "key_ending",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A revoked token stays listed: when it stopped working is part of the record.
        return False

    @admin.display(description=_("Key ends with"))
    def key_ending(self, token: ScimToken) -> str:
        return f"…{token.hint}"

    @admin.display(description=_("State"))
    def state(self, token: ScimToken) -> str:
        return gettext("Revoked") if token.is_revoked else gettext("Active")

    def save_model(self, request: HttpRequest, obj: ScimToken, form: Any, change: bool) -> None:
        if change:
            return
        user: Any = request.user
        token, key = services.scim_token_create(
            organization=form.cleaned_data["organization"], name=obj.name, by=user
        )
        # The admin goes on with the object it built (history entry, redirect): make it the
        # saved token.
        for field in ScimToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        self.message_user(
            request,
            gettext(
                "Copy this token now into your identity provider; it is shown only this once: "
                "%(key)s"
            )
            % {"key": key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ScimToken]) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.scim_token_revoke(token=token)
            revoked += 1
        self.message_user(
            request,
            ngettext(
                "Revoked %(count)d token: the directory can no longer provision with it.",
                "Revoked %(count)d tokens: the directory can no longer provision with them.",
                revoked,
            )
            % {"count": revoked},
            messages.SUCCESS,
        )
