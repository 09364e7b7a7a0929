"""Authoring pages outside the admin: the learner's-eye preview and Markdown preview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policies
from accounts.models import User
from courses.selectors import version_get_for_preview, version_preview_from_form
from micromastery.common.markdown import render_markdown

# A preview is for a few paragraphs; this stops the endpoint from rendering a novel.
MARKDOWN_PREVIEW_MAX_CHARS = 20_000


@login_required
@require_http_methods(["GET", "POST"])
def version_preview(request: HttpRequest, version_id: int) -> HttpResponse:
    """The version as a learner sees it on a phone, whatever its status.

    A POST carries the author's unsaved form (the studio's live preview): the answer is the
    preview of those edits, and nothing is saved.
    """
    user = request.user
    assert isinstance(user, User)
    version = version_get_for_preview(viewer=user, version_id=version_id)
    if version is None:
        raise Http404(gettext("No such micromastery version in your organization."))
    if request.method == "POST":
        if not policies.is_author(user):
            raise PermissionDenied(gettext("Only authors can preview their edits."))
        preview = version_preview_from_form(version=version, data=request.POST)
        return render(request, "courses/_studio_preview.html", {"version": preview})
    return render(request, "courses/version_preview.html", {"version": version})


@login_required
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """Render the posted Markdown as the sanitized HTML learners will see.

    It renders only what it is sent and reads nothing stored, so any author may use it.
    """
    user = request.user
    assert isinstance(user, User)
    if not policies.is_author(user):
        raise PermissionDenied(gettext("Only authors can preview Markdown."))
    text = request.POST.get("text", "")[:MARKDOWN_PREVIEW_MAX_CHARS]
    html = render_markdown(text) or format_html(
        '<p class="muted">{}</p>', gettext("Nothing to preview yet.")
    )
    return HttpResponse(html, content_type="text/html; charset=utf-8")
