"""Template helpers of payoff: ``{% load payoff %}``."""

from __future__ import annotations

from typing import Any

from django import template

from payoff.selectors import before_after_map
from practice.models import Enrollment

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.inclusion_tag("payoff/_before_after.html", takes_context=True)
def payoff_before_after(context: template.Context, enrollment: Enrollment) -> dict[str, Any]:
    """The learner's before/after for one enrolment (two queries; pages listing many
    enrolments call ``before_after_map`` once and include the partial instead)."""
    request = context.get("request")
    learner = getattr(request, "user", None)
    rows = (
        before_after_map(learner=learner, enrollments=[enrollment]).get(enrollment.pk, [])
        if learner is not None and learner.is_authenticated
        else []
    )
    return {"before_after": rows, "enrollment": enrollment, "request": request}
