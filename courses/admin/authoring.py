"""What every authoring admin shares: the role, Markdown preview, service refusals."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import construct_change_message
from django.contrib.admin.widgets import AdminTextareaWidget
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from micromastery.common.errors import ApplicationError

AUTHOR_ROLES = ("is_author",)

# Text that learners read, written in Markdown and shown sanitized.
MARKDOWN_FIELDS = {
    "summary",
    "context_challenge",
    "context_audience",
    "context_why_it_matters",
    "way_in_insight",
    "way_in_missing_link",
    "action",
    "feedback_how",
    "tweak_prompt",
    "how_to_measure",
}


class ServiceRefused(Exception):
    """A service refused a save after the forms were valid (e.g. someone published the
    draft meanwhile): the whole admin transaction rolls back and the author is told why."""

    def __init__(self, error: ApplicationError) -> None:
        super().__init__(error.message)
        self.error = error


class ServiceSavedAdminMixin:
    """For an admin whose save is one service call (the row and its inlines): the change
    message is the form's alone, and a refusal rolls the whole save back and is shown to
    the author on the same page instead of a server error."""

    def refusal_text(self, error: ApplicationError) -> str:
        return refusal_message(error, gettext("Nothing was saved."))

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        # The inlines were saved by the service, not by the formsets.
        return construct_change_message(form, [], add)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ServiceRefused as refused:
            self.message_user(request, self.refusal_text(refused.error), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())


def refusal_message(error: ApplicationError, intro: str) -> SafeString:
    """A service's refusal as one admin message, listing each problem it names."""
    problems = error.fields.get("publish")
    if problems:
        return format_html(
            "{} {} <ul>{}</ul>",
            intro,
            gettext("What is missing:"),
            format_html_join("", "<li>{}</li>", ((problem,) for problem in problems)),
        )
    return format_html("{} {}", intro, error.message)


def formset_rows(
    formset: Any, fields: list[str], *, keep: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The rows an author kept in an inline, in the order they dragged them into.

    ``keep`` names attributes carried over from saved rows (a step's ``key``), so that a
    step keeps its identity even though the service rewrites the rows.
    """
    rows: list[tuple[float, int, dict[str, Any]]] = []
    for position, form in enumerate(formset.forms):
        cleaned = getattr(form, "cleaned_data", None)
        if not cleaned or cleaned.get("DELETE"):
            continue
        row = {field: cleaned[field] for field in fields if field in cleaned}
        if form.instance.pk:
            row.update({name: getattr(form.instance, name) for name in keep})
        order = cleaned.get("order")
        rows.append((order if order else float("inf"), position, row))
    rows.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in rows]


class MarkdownPreviewMixin:
    """Give each Markdown textarea a "Preview" button (static/courses/markdown_preview.js)."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in MARKDOWN_FIELDS:
            kwargs["widget"] = AdminTextareaWidget(
                attrs={
                    "rows": 4,
                    "data-markdown-preview-url": reverse("authoring:markdown_preview"),
                    # The script's words, in the author's language.
                    "data-markdown-preview-button": gettext("Preview"),
                    # {field} is the field's label, filled in by the script.
                    "data-markdown-preview-aria-label": gettext("Preview {field}"),
                    "data-markdown-preview-unavailable": gettext(
                        "The preview is not available right now; your text is safe."
                    ),
                }
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


AUTHORING_MEDIA = forms.Media(
    css={"all": ["courses/authoring.css"]}, js=["courses/markdown_preview.js"]
)
