"""What a request's values may be, whichever door they come through.

One set of rules for GraphQL variables and literals, REST query strings, path segments
and JSON bodies, cursors and import lines, so that both dialects see the same inputs:
- text holds no NUL (PostgreSQL refuses it, SQLite would store it) and no lone
  surrogate (neither database driver can encode one), and is at most ``MAX_TEXT``
  characters unless the column it is compared with or stored in says less;
- a list holds at most ``MAX_LIST`` items (PostgreSQL takes at most 32,767 bound
  parameters in one statement, and no argument here needs more than a page);
- values nest at most ``MAX_NESTING`` levels (no input type here is deeper);
- a timestamp lies in years 1 to 9999 once converted to UTC, which every layer
  (Python, SQLite text, PostgreSQL ``timestamptz``) represents.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

MAX_TEXT = 10_000
MAX_LIST = 500
MAX_NESTING = 20

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str, limit: int = MAX_TEXT) -> str | None:
    """Why this text cannot be accepted, or None. The reason never quotes the value."""
    if len(value) > limit:
        return f"text longer than {limit} characters"
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "text with a NUL character"
    return "text with a lone surrogate (not valid Unicode)"


def value_problem(value: Any) -> str | None:
    """Why this decoded JSON value (or GraphQL variable) cannot be accepted, or None.

    Iterative, so that a value nested deeper than the interpreter's stack is refused
    rather than crashing the walk; keys are checked like any other text.
    """
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            problem = text_problem(item)
        elif isinstance(item, dict | list):
            if depth >= MAX_NESTING:
                return f"values nested deeper than {MAX_NESTING} levels"
            if len(item) > MAX_LIST:
                return f"a list or object of more than {MAX_LIST} items"
            if isinstance(item, dict):
                pending.extend((key, depth + 1) for key in item)
                pending.extend((child, depth + 1) for child in item.values())
            else:
                pending.extend((child, depth + 1) for child in item)
            problem = None
        else:
            problem = None
        if problem is not None:
            return problem
    return None


EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
MOMENT_RANGE = "years 1 to 9999 in UTC"


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC (a naive time is taken as UTC); ValueError outside the range.

    The conversion itself is what overflows (``0001-01-01T00:00:00+01:00`` is in year 0
    in UTC), so the range is checked by converting, once, here.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"timestamps must lie in {MOMENT_RANGE}") from None
