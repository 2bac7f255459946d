"""Times as the REST dialects and live messages write them: RFC 3339 in UTC ending in ``Z``.

GraphQL answers a time as ``2026-05-01T00:00:00+00:00``; the seeds write the same moment
as ``2026-05-01T00:00:00Z``. ``rfc3339`` draws one datetime so; ``z_form`` rewrites the
UTC times of an answer under the keys a family names (never a free-text field that
happens to end in ``+00:00``), in one pass, linear in the answer's size, without
entering the keys that hold a client's own JSON.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import UTC, datetime
from typing import Any

UTC_OFFSET = "+00:00"


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC with ``Z``."""
    return moment.astimezone(UTC).isoformat().replace(UTC_OFFSET, "Z")


def z_form(value: Any, time_keys: Set[str], opaque_keys: Set[str] = frozenset()) -> Any:
    """``value`` with each UTC time under a key of ``time_keys`` ending in ``Z``."""
    if isinstance(value, dict):
        return {
            key: item if key in opaque_keys else _field(key, item, time_keys, opaque_keys)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [z_form(item, time_keys, opaque_keys) for item in value]
    return value


def _field(key: str, item: Any, time_keys: Set[str], opaque_keys: Set[str]) -> Any:
    if isinstance(item, str):
        if key in time_keys and item.endswith(UTC_OFFSET):
            return item.removesuffix(UTC_OFFSET) + "Z"
        return item
    return z_form(item, time_keys, opaque_keys)
