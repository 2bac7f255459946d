"""The agent console's answers as the seed writes them: times in UTC ending in ``Z``.

GraphQL answers times as ``2025-01-15T14:30:00+00:00``; the seed's FastAPI answers write
``2025-01-15T14:30:00Z`` (the same moment: the gateway's times are all UTC). Only the
keys that hold the gateway's own times are rewritten, never a summary or a
recommendation that happens to end in ``+00:00``; the walk is one pass over the answer.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from rest_compat.params import Variables

UTC_OFFSET = "+00:00"
TIME_KEYS = frozenset({"timestamp", "report_date", "start_date", "end_date", "next_review_date"})


def z_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _field(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [z_times(item) for item in value]
    return value


def _field(key: str, item: Any) -> Any:
    if isinstance(item, str):
        if key in TIME_KEYS and item.endswith(UTC_OFFSET):
            return item.removesuffix(UTC_OFFSET) + "Z"
        return item
    return z_times(item)


def seed_times(data: dict[str, Any], variables: Variables, request: Request) -> Any:
    """A shaper: the operation's ``data`` with the seed's ``Z`` times."""
    del variables, request
    return z_times(data.get("data"))
