from __future__ import annotations

import uuid

from django import template
from django.utils.safestring import SafeString

from micromastery.common.markdown import link_target, markdown_of, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """Render author or learner Markdown as sanitized HTML."""
    return render_markdown(text)


@register.filter(name="markdown_field")
def markdown_field_filter(source: object, name: str) -> SafeString:
    """``{{ step|markdown_field:"action" }}``: the field's HTML as published, or rendered now."""
    return markdown_of(source, name)


@register.filter(name="link")
def link_filter(url: str | None) -> str:
    """A typed link for an ``href``: http(s) or mailto, else empty."""
    return link_target(url)


@register.simple_tag
def submission_key() -> str:
    """A fresh key for a form that must be sent once: the same form sent twice logs once."""
    return str(uuid.uuid4())
