from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

from accounts.models import User
from accounts.working_hours import first_working_moment

register = template.Library()


@register.simple_tag
def working_moment(moment: datetime | None, person: Any) -> datetime | None:
    """When something due at ``moment`` can next happen for ``person``: never in the past,
    and the first moment inside their working hours (a rep due at 02:07 for someone who
    works 09-17 counts from 09:00)."""
    if moment is None:
        return None
    earliest = max(moment, timezone.now())
    if not isinstance(person, User):
        return earliest
    return first_working_moment(person, earliest) or earliest
