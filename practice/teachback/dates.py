"""How teach-back writes a session's moments for the person reading them.

Each language orders weekday, day, month and time its own way (German "Di., 3. März",
Spanish "mar 3 de marzo"), so the formats themselves are translated (context "date
format", in the syntax of Django's ``date`` filter); English keeps the product's
day-month order and 24-hour clock. Month and weekday names come from Django's catalogues.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

FORMATS: dict[str, str | Promise] = {
    # Translators: a date format in the syntax of Django's date filter: short weekday,
    # day, short month and 24-hour time ("Tue 3 Mar, 14:00"). Keep the letters, reorder
    # them and add your language's punctuation; a literal letter needs a backslash (\d\e).
    "day_time": pgettext_lazy("date format", "D j M, H:i"),
    # Translators: a date format (Django's date filter): short weekday, day, short month
    # and year, 24-hour time ("Tue 3 Mar 2026, 14:00").
    "date_time": pgettext_lazy("date format", "D j M Y, H:i"),
    # Translators: a date format (Django's date filter): weekday, day, month and year in
    # full, 24-hour time ("Tuesday 3 March 2026, 14:00").
    "long_date_time": pgettext_lazy("date format", "l j F Y, H:i"),
    # Translators: a date format (Django's date filter): short weekday, day and short
    # month ("Tue 3 Mar").
    "day": pgettext_lazy("date format", "D j M"),
    # Translators: a date format (Django's date filter): day, short month and year
    # ("3 Mar 2026").
    "date": pgettext_lazy("date format", "j M Y"),
    # The same in every language we speak: a translated weekday, and the 24-hour clock.
    "weekday": "D",
    "time": "H:i",
}


def moment_format(value: datetime, style: str, zone: ZoneInfo | None = None) -> str:
    """``value`` written in the active language's ``style`` (a key of FORMATS), in ``zone``
    when given (else as it is)."""
    if zone is not None:
        value = value.astimezone(zone)
    return dateformat.format(value, str(FORMATS[style]))
