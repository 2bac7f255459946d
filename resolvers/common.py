"""Argument checks and cursors shared by every domain."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from gateway.errors import bad_input

MAX_DAYS = 3650
MAX_PAGE = 500


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


def encode_cursor(*values: Any) -> str:
    """An opaque cursor over a keyset position."""
    raw = json.dumps([str(v) if v is not None else None for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str]:
    """The keyset position in a cursor, or BAD_USER_INPUT."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise bad_input("after is not a valid cursor", argument="after") from None
    if not isinstance(values, list) or len(values) != size:
        raise bad_input("after is not a valid cursor", argument="after")
    return values
