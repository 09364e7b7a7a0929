from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.sso import oidc
from accounts.sso.models import SingleSignOn, SingleSignOnDomain
from micromastery.common.admin import OrganizationScopedAdmin, OrganizationScopedInlineMixin

CLIENT_SECRET_MAX_LENGTH = 1000


class SingleSignOnAdminForm(forms.ModelForm[SingleSignOn]):
    # Write-only: the stored secret is never sent back to a browser.
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        max_length=CLIENT_SECRET_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the current one."),
    )

    class Meta:
        model = SingleSignOn
        fields = [
            "organization",
            "is_enabled",
            "discovery_url",
            "client_id",
            "client_secret",
            "team_claim",
            "is_required",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("client_secret") and not self.instance.client_secret_encrypted:
            self.add_error("client_secret", _("Enter the client secret your provider gave you."))
        return cleaned

    def save(self, commit: bool = True) -> SingleSignOn:
        if self.cleaned_data.get("client_secret"):
            self.instance.client_secret = self.cleaned_data["client_secret"]
        return super().save(commit)


class SingleSignOnDomainInline(OrganizationScopedInlineMixin, admin.TabularInline[Any, Any]):
    model = SingleSignOnDomain
    roles = ("is_org_admin",)
    extra = 1
    min_num = 1
    verbose_name_plural = _("allowed email domains (people of these domains sign in here)")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # Without a domain nobody new could sign in: the admin does not check min_num itself.
        kwargs["validate_min"] = True
        return super().get_formset(request, obj, **kwargs)


@admin.register(SingleSignOn)
class SingleSignOnAdmin(OrganizationScopedAdmin):
    """An org admin connects their organization's identity provider."""

    form = SingleSignOnAdminForm
    roles = ("is_org_admin",)
    inlines = [SingleSignOnDomainInline]
    list_display = ["organization", "discovery_url", "is_enabled", "is_required"]
    readonly_fields = ["redirect_uri"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "organization",
                    "redirect_uri",
                    "discovery_url",
                    "client_id",
                    "client_secret",
                    "team_claim",
                ]
            },
        ),
        (_("Who signs in here"), {"fields": ["is_enabled", "is_required"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("organization")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One provider per organization: an org admin adds it once, then edits it.
        user: Any = request.user
        if not self.has_role(request):
            return False
        return bool(
            user.is_superuser
            or not SingleSignOn.objects.filter(organization_id=user.organization_id).exists()
        )

    @admin.display(description=_("Redirect URI to register at the provider"))
    def redirect_uri(self, single_sign_on: SingleSignOn) -> str:
        if single_sign_on.pk is None:
            return gettext("Shown once saved.")
        return oidc.redirect_uri(single_sign_on)
