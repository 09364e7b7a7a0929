"""``{{ session.starts_at|moment:"long_date_time" }}``: a teach-back moment in the reader's
language and the active time zone (see practice.teachback.dates)."""

from __future__ import annotations

from datetime import datetime

from django import template

from practice.teachback.dates import moment_format

register = template.Library()


@register.filter(expects_localtime=True)
def moment(value: datetime | None, style: str) -> str:
    if value is None:
        return ""
    return moment_format(value, style)
