from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import cached_property
from typing import Any

from django import forms
from django.forms.boundfield import BoundField, BoundWidget
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import SafeString
from django.utils.translation import get_language

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


# Rendered empty fields, by what they depend on; bounded (a handful of forms use it).
_RENDERED: dict[Hashable, SafeString] = {}
_RENDERED_LIMIT = 2000


def _rendered(key: Hashable, render: Callable[[], SafeString]) -> SafeString:
    html = _RENDERED.get(key)
    if html is None:
        if len(_RENDERED) >= _RENDERED_LIMIT:
            _RENDERED.clear()
        html = _RENDERED[key] = render()
    return html


class _RememberedWidget(BoundWidget):
    def __init__(self, key: Hashable, *args: Any) -> None:
        super().__init__(*args)
        self.key = key

    def tag(self, wrap_label: bool = False) -> SafeString:
        return _rendered(
            (self.key, wrap_label), lambda: super(_RememberedWidget, self).tag(wrap_label)
        )


class RenderedOnceBoundField(BoundField):
    """A field of a form that a page shows empty on every visit (the practice log): until
    the form is sent, its field group and choices look the same for everyone who reads the
    same language, so each is rendered once per process instead of through the templates
    on every page. A form opts in with ``bound_field_class`` when its fields' look depends
    only on their definition and initial value (no per-person widget attributes)."""

    @cached_property
    def render_key(self) -> Hashable:
        field = self.field
        return (
            type(self.form),
            self.name,
            type(field),
            type(field.widget),
            str(field.label),
            str(field.help_text),
            repr(sorted(field.widget.attrs.items())),
            field.required,
            field.disabled,
            self.form.prefix,
            self.form.auto_id,
            self.form.use_required_attribute,
            get_language(),
            repr(self.value()),
        )

    def as_field_group(self) -> SafeString:
        if self.form.is_bound:
            return super().as_field_group()
        return _rendered((self.render_key, "group"), super().as_field_group)

    @cached_property
    def subwidgets(self) -> list[BoundWidget]:
        widgets = super().subwidgets
        if self.form.is_bound:
            return widgets
        return [
            _RememberedWidget(
                (self.render_key, index), widget.parent_widget, widget.data, widget.renderer
            )
            for index, widget in enumerate(widgets)
        ]
