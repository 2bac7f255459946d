"""Times in this family's REST answers as the seed writes them: ``2026-05-01T00:00:00Z``.

GraphQL's DateTime serialises a UTC moment as ``2026-05-01T00:00:00+00:00``; the seed's
examples end in ``Z``. The gateway's times are all UTC, so the REST answer swaps the
offset for ``Z`` under the keys that hold times; the moment is the same.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from rest_compat.params import Variables

Schema = dict[str, Any]
UTC_OFFSET = "+00:00"
TIME_KEYS = frozenset({"from", "to", "timestamp"})


def zulu(value: Any, keys: Collection[str]) -> Any:
    """``value`` with each UTC time under one of ``keys`` ending in ``Z``."""
    if isinstance(value, dict):
        return {
            key: (
                item.removesuffix(UTC_OFFSET) + "Z"
                if key in keys and isinstance(item, str) and item.endswith(UTC_OFFSET)
                else zulu(item, keys)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [zulu(item, keys) for item in value]
    return value


@dataclass(frozen=True)
class SeedTimes:
    """A shaper: the operation's ``data`` with its times in the seed's ``Z`` form."""

    keys: frozenset[str] = TIME_KEYS

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        return zulu(data.get("data"), self.keys)

    def response_schema(self, data: Schema) -> Schema:
        body: Schema = data["properties"]["data"]
        return body
