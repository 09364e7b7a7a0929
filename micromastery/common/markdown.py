"""Markdown written by authors and learners, rendered to HTML that is safe to show.

Markdown lets raw HTML through, so everything is sanitized afterwards with nh3 (Ammonia):
only the tags below survive, no attributes but the listed ones, and links only to
http(s) and mailto. A ``<script>``, an ``onerror=`` or a ``javascript:`` link never
reaches a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> SafeString:
    if not text:
        return mark_safe("")
    html = markdown_lib.markdown(text, extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitized by nh3 just above


def render_markdown_fields(source: object, fields: Iterable[str]) -> dict[str, str]:
    """Each Markdown field of ``source`` rendered and sanitized, to store on published content."""
    return {name: str(render_markdown(getattr(source, name))) for name in fields}


def markdown_of(source: object, name: str) -> SafeString:
    """A Markdown field as safe HTML: as stored at publishing, else rendered now (drafts)."""
    stored = getattr(source, "rendered_html", None) or {}
    if name in stored:
        # Written only by render_markdown_fields, i.e. by the sanitiser above.
        return mark_safe(stored[name])  # noqa: S308
    return render_markdown(getattr(source, name))


def link_target(url: str | None) -> str:
    """A link someone typed (a video, a resource, evidence), fit for an ``href``: kept only
    when its scheme is one the sanitiser allows, else empty. Saving checks links already;
    this holds for any row that got in another way. Browsers ignore tabs, newlines and
    leading control characters in a scheme, so they are dropped before it is read."""
    if not url:
        return ""
    scheme = urlsplit(re.sub(r"[\x00-\x20]", "", url)).scheme.lower()
    return url if scheme in ALLOWED_URL_SCHEMES else ""
