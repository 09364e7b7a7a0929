"""Working hours, night shifts included: the one rule every feature asks."""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.working_hours import (
    first_working_moment,
    is_working_time,
    working_day_of,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def night_shift(**fields):
    # 22:00-06:00 in Tokyo (UTC+9, no summer time), Monday to Friday.
    return UserFactory(
        time_zone="Asia/Tokyo",
        work_starts_at=time(22, 0),
        work_ends_at=time(6, 0),
        working_days=[1, 2, 3, 4, 5],
        **fields,
    )


def tokyo(day, hour, minute=0):
    from zoneinfo import ZoneInfo

    return datetime(2026, 3, day, hour, minute, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_working_hours_may_cross_midnight_but_not_be_empty():
    person = night_shift()
    person.full_clean()
    person.work_ends_at = time(22, 0)
    with pytest.raises(ValidationError, match="must start and end at different times"):
        person.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        person.save()


@pytest.mark.parametrize(
    ("moment", "working", "shift_day"),
    [
        (tokyo(2, 21, 59), False, date(2026, 3, 2)),  # Monday evening, before the shift
        (tokyo(2, 22, 0), True, date(2026, 3, 2)),
        (tokyo(3, 1, 30), True, date(2026, 3, 2)),  # Tuesday 01:30: Monday's shift
        (tokyo(3, 6, 0), False, date(2026, 3, 3)),
        (tokyo(7, 3, 0), True, date(2026, 3, 6)),  # Saturday 03:00: Friday's shift runs on
        (tokyo(7, 23, 0), False, date(2026, 3, 7)),  # Saturday night: a day off
    ],
)
def test_working_time_of_a_night_shift(moment, working, shift_day):
    person = night_shift()
    assert is_working_time(person, moment) is working
    assert working_day_of(person, moment) == shift_day


def test_first_working_moment_of_a_night_shift():
    person = night_shift()
    assert first_working_moment(person, tokyo(3, 1, 30)) == tokyo(3, 1, 30)
    assert first_working_moment(person, tokyo(3, 10, 0)) == tokyo(3, 22, 0)
    # Saturday morning after the shift: the next shift starts on Monday night.
    assert first_working_moment(person, tokyo(7, 7, 0)) == tokyo(9, 22, 0)
    # The answer keeps the zone it was asked in.
    asked = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Tokyo
    assert first_working_moment(person, asked) == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)


def test_first_working_moment_of_a_day_job():
    person = UserFactory(time_zone="Europe/London")
    assert first_working_moment(person, datetime(2026, 3, 3, 2, 7, tzinfo=UTC)) == datetime(
        2026, 3, 3, 9, 0, tzinfo=UTC
    )
