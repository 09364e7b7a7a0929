from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from payoff.xapi.models import LearningRecordStore, lrs_endpoint_problem


class LearningRecordStoreAdminForm(forms.ModelForm[LearningRecordStore]):
    endpoint = forms.URLField(
        label=_("xAPI endpoint"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "The LRS's xAPI base address, e.g. https://lrs.example.com/xAPI; "
            "statements go to <endpoint>/statements."
        ),
    )
    password = forms.CharField(
        label=_("password"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Basic authentication (the key's secret). Stored encrypted and never shown; "
            "leave empty to keep the stored one."
        ),
    )

    class Meta:
        model = LearningRecordStore
        fields = ["organization", "endpoint", "username", "password", "is_enabled"]

    def clean_endpoint(self) -> str:
        endpoint: str = self.cleaned_data["endpoint"]
        problem = lrs_endpoint_problem(endpoint)
        if problem:
            raise forms.ValidationError(problem)
        return endpoint

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("password") and not self.instance.password_encrypted:
            self.add_error("password", _("Enter the LRS password (or key secret)."))
        return cleaned
