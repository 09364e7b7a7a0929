"""How far from today anything may be planned."""

from __future__ import annotations

from datetime import timedelta

# Cohorts, kickoffs and teach-backs are planned weeks or months ahead. The horizon keeps a
# typo such as 0001-01-01 or 9999-12-31 from being stored, where every later due-date
# calculation or conversion into a far time zone would overflow the calendar.
PLANNING_HORIZON_YEARS = 5
PLANNING_HORIZON = timedelta(days=366 * PLANNING_HORIZON_YEARS)
