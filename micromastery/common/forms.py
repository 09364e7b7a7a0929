from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

from micromastery.common.errors import ApplicationError


def form_add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal next to the fields it names, or above the form."""
    placed = False
    for field, messages in error.fields.items():
        if field in form.fields:
            for message in messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class FormRenderer(TemplatesSetting):
    """Renders form fields with our own field template, which escapes help text (Django's
    marks it safe), so that a help text made from user text can never become markup."""

    field_template_name = "includes/field.html"
