from __future__ import annotations

from datetime import date

from accounts.models import User

MONDAY = date(2026, 3, 2)


def test_user_working_weekdays_are_monday_to_friday_when_none_are_set():
    assert User(working_days=[]).working_weekdays == frozenset({1, 2, 3, 4, 5})
    assert User(working_days=[2, 4]).working_weekdays == frozenset({2, 4})


def test_user_streak_skips_days_off_and_keeps_today_open():
    person = User(working_days=[1, 2, 3, 4, 5])
    friday, thursday = date(2026, 2, 27), date(2026, 2, 26)
    # Monday not practised yet: the streak stands on Thursday and Friday; the weekend is off.
    assert person.streak(practised={thursday, friday}, today=MONDAY) == 2
    assert person.streak(practised={thursday, friday, MONDAY}, today=MONDAY) == 3
    # Tuesday came and went without practice: the streak is broken.
    assert person.streak(practised={thursday, friday}, today=date(2026, 3, 3)) == 0


def test_user_streak_counts_a_weekend_worker_s_saturday():
    person = User(working_days=[6, 7])
    saturday, sunday = date(2026, 2, 28), date(2026, 3, 1)
    assert person.streak(practised={saturday, sunday}, today=MONDAY) == 2
    assert person.streak(practised={sunday}, today=MONDAY) == 1
