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
    earliest = now.astimezone(UTC) + MIN_NOTICE
    # Round up to the next half hour: invitations read better at :00 and :30.
    start = earliest.replace(second=0, microsecond=0)
    start += timedelta(minutes=(-start.minute) % 30)
    fitting: list[datetime] = []
    moment = start
    horizon = start + timedelta(days=SEARCH_DAYS)
    while moment < horizon:
        if all(person.fits(moment, duration) for person in people):
            fitting.append(moment)
        moment += SLOT_STEP
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
