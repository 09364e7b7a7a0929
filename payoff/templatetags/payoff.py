"""Template helpers of payoff: ``{% load payoff %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.models import MetricReporter
from payoff.dashboard.results import GROUP_LABELS
from payoff.figures import localized_money
from payoff.selectors import BeforeAfter

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.filter
def signed_change(change: float | None) -> str:
    """A median change, positive when better: "15 better", "5 worse", "no change"."""
    if change is None:
        return _("not measured yet")
    if change == 0:
        return _("no change")
    number = floatformat(abs(change), "-2g")
    if change > 0:
        return _("%(number)s better") % {"number": number}
    return _("%(number)s worse") % {"number": number}


@register.filter
def money(amount: float | None, currency: str) -> str:
    """An amount in the organization's currency, as the viewer's language writes money."""
    return "" if amount is None else localized_money(amount, currency)


@register.filter
def checkin_open(rows: list[BeforeAfter] | None) -> bool:
    """Whether any metric's check-in has come (the page offers the check-in form)."""
    return any(row.checkin_open for row in rows or [])


@register.filter
def first_checkin(rows: list[BeforeAfter] | None) -> Any:
    """When the next check-in of a learner-reported metric comes, if one is planned."""
    return min(
        (
            row.next_checkin_at
            for row in rows or []
            if row.next_checkin_at is not None and row.metric.reported_by == MetricReporter.LEARNER
        ),
        default=None,
    )


@register.filter
def split_labels(labels: str) -> list[str]:
    return labels.split(",")


@register.filter
def group_named(groups: list[Any], key: str) -> Any:
    """The result group with this key ("all", "nudged", "holdout"), if any."""
    return next((group for group in groups if group.key == key), None)


@register.filter
def group_label(key: str) -> str:
    """A result group's name in the viewer's language, also where the group is missing."""
    return str(GROUP_LABELS[key])


@register.filter
def change_phrase(row: BeforeAfter) -> str:
    """ "15 better", "25 percentage points better", "no change yet": a change of a metric
    measured in percent is in percentage points (never "25 better" or "25% better", which
    would read as relative to the baseline)."""
    if row.change is None:
        return _("not measured yet")
    if row.change == 0:
        return _("no change yet")
    size = abs(row.change)
    number = floatformat(size, "-2g")
    if row.metric.unit.strip().lower() in {"%", "percent", "per cent", "percentage"}:
        count = 1 if size == 1 else 2
        if row.change > 0:
            return ngettext(
                "%(number)s percentage point better", "%(number)s percentage points better", count
            ) % {"number": number}
        return ngettext(
            "%(number)s percentage point worse", "%(number)s percentage points worse", count
        ) % {"number": number}
    if row.change > 0:
        return _("%(number)s better") % {"number": number}
    return _("%(number)s worse") % {"number": number}
