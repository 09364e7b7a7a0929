"""When a person works: the one rule for "inside working hours", shifts across midnight included.

A person's working hours are a daily window from ``work_starts_at`` to ``work_ends_at`` in
their own time zone, on their working days. When the end is earlier than the start the
window crosses midnight (a night shift, 22:00-06:00): it belongs to the day it starts on,
so a Friday-night shift ends on Saturday morning even when Saturday is a day off.
Nudge planning, nudge dispatch, teach-back slots and the times shown to a learner all ask
this module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# How far ahead a working moment is searched for, in days.
SEARCH_DAYS = 14


class WorkingPerson(Protocol):
    @property
    def work_starts_at(self) -> time: ...

    @property
    def work_ends_at(self) -> time: ...

    @property
    def working_weekdays(self) -> frozenset[int]: ...

    @property
    def zone(self) -> ZoneInfo: ...


def working_hours_problem(starts: time | None, ends: time | None) -> str | None:
    """Why these working hours cannot be saved, or None (a night shift is fine)."""
    if starts is not None and ends is not None and starts == ends:
        return "Working hours must start and end at different times."
    return None


def crosses_midnight(starts: time, ends: time) -> bool:
    return ends < starts


def work_window(person: WorkingPerson, day: date) -> tuple[datetime, datetime]:
    """The working window that starts on ``day``, in the person's time zone."""
    zone = person.zone
    start = datetime.combine(day, person.work_starts_at, tzinfo=zone)
    end_day = (
        day + timedelta(days=1)
        if crosses_midnight(person.work_starts_at, person.work_ends_at)
        else day
    )
    return start, datetime.combine(end_day, person.work_ends_at, tzinfo=zone)


def _absolute(moment: datetime) -> datetime:
    # Aware datetimes that share a tzinfo compare by wall clock; UTC compares real moments.
    return moment.astimezone(UTC)


def working_window_at(
    person: WorkingPerson, moment: datetime
) -> tuple[date, datetime, datetime] | None:
    """(the day it started on, start, end) of the working window holding ``moment``, or None."""
    local_day = moment.astimezone(person.zone).date()
    days = person.working_weekdays
    for day in (local_day - timedelta(days=1), local_day):
        if day.isoweekday() not in days:
            continue
        start, end = work_window(person, day)
        if _absolute(start) <= _absolute(moment) < _absolute(end):
            return day, start, end
    return None


def working_day_of(person: WorkingPerson, moment: datetime) -> date:
    """The working day ``moment`` counts for: a night shift's start day, else the local date."""
    window = working_window_at(person, moment)
    return window[0] if window else moment.astimezone(person.zone).date()


def is_working_time(person: WorkingPerson, moment: datetime) -> bool:
    return working_window_at(person, moment) is not None


def first_working_moment(
    person: WorkingPerson,
    earliest: datetime,
    *,
    day_allowed: Callable[[date], bool] | None = None,
    search_days: int = SEARCH_DAYS,
) -> datetime | None:
    """The first moment at or after ``earliest`` inside the person's working hours, or None.

    ``day_allowed`` leaves out windows by the day they start on (a paused day, a day that
    already had its nudge). The answer keeps ``earliest``'s time zone.
    """
    days = person.working_weekdays
    day = earliest.astimezone(person.zone).date() - timedelta(days=1)
    for _ in range(search_days + 2):
        if day.isoweekday() in days and (day_allowed is None or day_allowed(day)):
            start, end = work_window(person, day)
            candidate = max(_absolute(start), _absolute(earliest))
            if candidate < _absolute(end):
                return candidate.astimezone(earliest.tzinfo)
        day += timedelta(days=1)
    return None
