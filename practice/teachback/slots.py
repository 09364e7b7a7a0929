"""Finding times when a teacher and their colleagues can all meet.

A slot fits a person when it lies wholly inside one of their working windows (a night
shift included), in their own time zone, and does not overlap anything they are busy with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from accounts.working_hours import working_window_at

SLOT_STEP = timedelta(minutes=30)
# Invitations go out at least this long before a session, so reminders 24 h ahead work.
MIN_NOTICE = timedelta(hours=24)
SEARCH_DAYS = 14


@dataclass(frozen=True)
class Availability:
    zone: ZoneInfo
    starts: time
    ends: time
    days: frozenset[int]
    busy: tuple[tuple[datetime, datetime], ...] = field(default=())

    # The names accounts.working_hours reads, so that one rule decides what "inside
    # working hours" means here too (night shifts included).
    @property
    def work_starts_at(self) -> time:
        return self.starts

    @property
    def work_ends_at(self) -> time:
        return self.ends

    @property
    def working_weekdays(self) -> frozenset[int]:
        return self.days

    def fits(self, start: datetime, duration: timedelta) -> bool:
        window = working_window_at(self, start)
        end = start + duration
        if window is None or end > window[2]:
            return False
        return not any(busy_start < end and start < busy_end for busy_start, busy_end in self.busy)


def _moments(now: datetime) -> list[datetime]:
    """Every candidate start time of the search window, in UTC."""
    earliest = now.astimezone(UTC) + MIN_NOTICE
    # Round up to the next half hour: invitations read better at :00 and :30.
    start = earliest.replace(second=0, microsecond=0)
    start += timedelta(minutes=(-start.minute) % 30)
    count = int(timedelta(days=SEARCH_DAYS) / SLOT_STEP)
    return [start + SLOT_STEP * index for index in range(count)]


def largest_group_with_a_slot(
    teacher: Availability,
    colleagues: Sequence[Availability],
    *,
    now: datetime,
    size: int,
    duration: timedelta = timedelta(minutes=30),
    preferred: Sequence[bool] = (),
) -> list[int]:
    """The indexes of the largest group of ``colleagues`` (at most ``size``) who share at
    least one slot with the teacher and with each other.

    Being free at the same time decides first: a larger group across two time zones beats
    a smaller one of the teacher's own team. Among groups of the same size, the one with
    more ``preferred`` colleagues (the teacher's team) wins, then the earlier slot. Within
    a slot, preferred colleagues come first, then the order given. With no shared slot at
    all, the result is empty.
    """
    preferred = list(preferred) or [False] * len(colleagues)
    best: list[int] = []
    best_key = (0, 0)
    for moment in _moments(now):
        if not teacher.fits(moment, duration):
            continue
        free = [index for index, person in enumerate(colleagues) if person.fits(moment, duration)]
        free.sort(key=lambda index: (not preferred[index], index))
        group = free[:size]
        key = (len(group), sum(1 for index in group if preferred[index]))
        if key > best_key:
            best, best_key = group, key
    return sorted(best, key=lambda index: (not preferred[index], index))


def slots_find(
    people: Sequence[Availability],
    *,
    now: datetime,
    duration: timedelta = timedelta(minutes=30),
    count: int = 3,
) -> list[datetime]:
    """Up to ``count`` UTC start times that fit everyone, spread over different days.

    ``people[0]`` is the teacher: candidates are taken one per day of the teacher's
    calendar first, so the teacher gets a real choice, then filled with the earliest
    remaining fits.
    """
    if not people:
        return []
    fitting = [
        moment
        for moment in _moments(now)
        if all(person.fits(moment, duration) for person in people)
    ]
    teacher_zone = people[0].zone
    chosen: list[datetime] = []
    days_taken: set[object] = set()
    for candidate in fitting:
        day = candidate.astimezone(teacher_zone).date()
        if day not in days_taken:
            chosen.append(candidate)
            days_taken.add(day)
        if len(chosen) == count:
            return chosen
    for candidate in fitting:
        if candidate not in chosen:
            chosen.append(candidate)
        if len(chosen) == count:
            break
    return sorted(chosen)
