"""Reading JSON that comes from outside (API bodies, imported files) within bounds.

Python's decoder recurses once per nesting level, so a body of a few kilobytes of
``[[[[...`` ends in a ``RecursionError``, and it turns a 5,000-digit number into an
``int`` only to fail on the interpreter's digit limit. Both are refused here, before
decoding, by one linear scan of the text that also says where the problem is.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# Deeper than any body the API takes (a micromastery with its steps is five levels).
API_MAX_DEPTH = 32
# Far beyond every id (19 digits) and amount the API takes, which its fields refuse with
# their own messages; longer numbers are refused before Python converts them.
API_MAX_INTEGER_DIGITS = 50

# A string (possibly unterminated), a bracket or a number. Digits inside strings are text,
# so strings are matched whole and skipped.
_JSON_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"?|(?P<bracket>[\[\]{}])|(?P<number>-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)'
)


class JSONLimitError(ValueError):
    """The text goes beyond what is accepted; the message says what and where."""


def _position(text: str, offset: int) -> dict[str, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return {"line": line, "column": column}


def json_limits_check(
    text: str, *, max_depth: int, max_digits: int | None = None, max_integer: int | None = None
) -> None:
    """Raise ``JSONLimitError`` when ``text`` nests arrays and objects more than
    ``max_depth`` levels deep, or holds a whole number of more than ``max_digits`` digits
    or beyond ``max_integer`` (either sign). Syntax errors are left to the decoder."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket, number = token.group("bracket"), token.group("number")
        if bracket:
            if bracket in "[{":
                depth += 1
                if depth > max_depth:
                    raise JSONLimitError(
                        gettext(
                            "It is nested more than %(limit)s levels deep (line %(line)s, "
                            "column %(column)s)."
                        )
                        % {"limit": max_depth, **_position(text, token.start())}
                    )
            else:
                depth -= 1
        elif number and number.lstrip("-").isdigit():
            digits = number.lstrip("-")
            problem = None
            if max_digits is not None and len(digits) > max_digits:
                problem = gettext(
                    "The number %(number)s is too long: whole numbers here have at most "
                    "%(limit)s digits (line %(line)s, column %(column)s)."
                )
                limit = str(max_digits)
            elif max_integer is not None and (
                len(digits) > len(str(max_integer)) or int(digits) > max_integer
            ):
                problem = gettext(
                    "The number %(number)s is too large: whole numbers here go up to "
                    "%(limit)s (line %(line)s, column %(column)s)."
                )
                limit = number_format(max_integer, force_grouping=True)
            if problem:
                shown = (
                    number
                    if len(number) <= 20
                    else gettext("%(start)s… (%(count)s digits)")
                    % {
                        "start": number[:12],
                        "count": number_format(len(digits), force_grouping=True),
                    }
                )
                raise JSONLimitError(
                    problem % {"number": shown, "limit": limit, **_position(text, token.start())}
                )


def json_loads_bounded(
    text: str,
    *,
    max_depth: int,
    max_digits: int | None = None,
    max_integer: int | None = None,
    **options: Any,
) -> Any:
    """``json.loads`` for text from outside, after ``json_limits_check``."""
    json_limits_check(text, max_depth=max_depth, max_digits=max_digits, max_integer=max_integer)
    return json.loads(text, **options)


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting and number limits above: a body beyond them is
    a 400 in the API's error shape rather than a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF's own choice of charset, which refuses bytes-to-bytes codecs (the stubs
        # predate it).
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(
                gettext("The body is not %(encoding)s text.") % {"encoding": encoding}
            ) from error
        try:
            return json_loads_bounded(
                text,
                max_depth=API_MAX_DEPTH,
                max_digits=API_MAX_INTEGER_DIGITS,
                parse_constant=json.strict_constant if self.strict else None,
            )
        except JSONLimitError as error:
            raise ParseError(
                gettext("The JSON body was refused. %(problem)s") % {"problem": error}
            ) from error
        except ValueError as error:
            # The decoder's own words stay in English: they name JSON's syntax.
            raise ParseError(
                gettext("JSON parse error - %(problem)s") % {"problem": error}
            ) from error
