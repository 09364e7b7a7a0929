"""The shapes the dashboard is made of: a figure with the line that explains it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import UnknownCurrencyError, format_currency
from django.utils import formats
from django.utils.translation import get_language, pgettext, to_locale
from django.utils.translation import gettext as _


def localized_number(value: float | int | Decimal, digits: int = 2) -> str:
    """A number as the viewer's language writes it, up to ``digits`` decimals and without
    trailing zeros: 1,234.5 in English, 1.234,5 in German, 1 234,5 in French."""
    rounded = Decimal(str(round(float(value), digits))).normalize()
    if rounded == rounded.to_integral_value():
        rounded = rounded.quantize(Decimal(1))
    decimals = max(0, -int(rounded.as_tuple().exponent))
    return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def localized_percent(value: float | int | Decimal) -> str:
    """12.5% in English, 12,5 % in German."""
    return pgettext("a percentage", "%(number)s%%") % {"number": localized_number(value)}


def localized_money(amount: float | int | Decimal, currency: str) -> str:
    """An amount in the organization's currency, written as the viewer's language writes
    money: €1,234.50 in English, 1.234,50 € in German and French."""
    locale = to_locale(get_language() or "en")
    try:
        return format_currency(
            Decimal(str(amount)), currency, locale=locale, decimal_quantization=False
        )
    except (UnknownCurrencyError, ValueError):
        return f"{localized_number(amount)} {currency}".strip()


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard and, in a line, how it was computed.

    ``money`` marks a figure in the organization's currency (``unit`` then holds its code).
    """

    key: str
    label: str
    value: float | int | None
    explanation: str
    unit: str = ""
    money: bool = False

    @property
    def display(self) -> str:
        if self.value is None:
            return _("not measured yet")
        if self.money:
            return localized_money(self.value, self.unit)
        if self.unit == "%":
            return localized_percent(self.value)
        return f"{localized_number(self.value)} {self.unit}".strip()
