"""Argument checks and cursors shared by every domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from gateway.errors import bad_input
from gateway.inputs import MAX_TEXT, MOMENT_RANGE, text_problem, to_utc
from models.base import max_length

MAX_DAYS = 3650
MAX_PAGE = 500


def given(input: object) -> dict[str, Any]:
    """A Strawberry input's fields as a model validates them: omitted ones left out."""
    return {k: v for k, v in vars(input).items() if v is not strawberry.UNSET}


def check_days(days: int, *, argument: str = "days") -> int:
    """A lookback window in whole days: 1 to 3650 (ten years), else BAD_USER_INPUT."""
    if not 1 <= days <= MAX_DAYS:
        raise bad_input(f"{argument} must be an integer from 1 to {MAX_DAYS}", argument=argument)
    return days


def check_first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise bad_input(f"first must be from 1 to {MAX_PAGE}", argument="first")
    return first


def check_choice(value: str | None, choices: Sequence[str], argument: str) -> str | None:
    if value is not None and value not in choices:
        raise bad_input(f"{argument} must be one of: {', '.join(choices)}", argument=argument)
    return value


def check_text(value: str | None, column: Any, argument: str) -> str | None:
    """A text argument stored in or compared with ``column``: no longer than it holds."""
    if value is None:
        return None
    limit = max_length(column) or MAX_TEXT
    problem = text_problem(value, limit)
    if problem is not None:
        raise bad_input(f"{argument} cannot be accepted: {problem}", argument=argument)
    return value


def check_moment(value: datetime | None, argument: str) -> datetime | None:
    """A timestamp argument as UTC (naive means UTC); BAD_USER_INPUT outside the range."""
    if value is None:
        return None
    try:
        return to_utc(value)
    except ValueError:
        raise bad_input(f"{argument} must lie in {MOMENT_RANGE}", argument=argument) from None


def cursor_moment(text: str) -> datetime:
    """A timestamp as a cursor holds it; ValueError if it is not one in the range."""
    return to_utc(datetime.fromisoformat(text))
