"""The agent console's answers as the seed writes them: times in UTC ending in ``Z``.

GraphQL answers times as ``2025-01-15T14:30:00+00:00``; the seed's FastAPI answers write
``2025-01-15T14:30:00Z`` (the same moment: the gateway's times are all UTC). Only the
keys that hold the gateway's own times are rewritten, never a summary or a
recommendation that happens to end in ``+00:00``; the walk is one pass over the answer.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from gateway.times import z_form
from rest_compat.params import Variables

TIME_KEYS = frozenset({"timestamp", "report_date", "start_date", "end_date", "next_review_date"})


def seed_times(data: dict[str, Any], variables: Variables, request: Request) -> Any:
    """A shaper: the operation's ``data`` with the seed's ``Z`` times."""
    del variables, request
    return z_form(data.get("data"), TIME_KEYS)
