"""This family's answers as the seed writes them: prefixed ids and ``Z`` times.

GraphQL answers plain UUIDs and times as ``2026-05-01T00:00:00+00:00``. The seed's
examples draw ids as ``<prefix>_<ULID>`` (``gateway.ids``) and times ending in ``Z``. A
route row names, as data, which keys of its answer hold which kind of id; every key of
``TIME_KEYS`` holding a UTC time gets the ``Z`` form (the gateway's times are all UTC,
so the moment is the same). The walk is one pass over the answer, linear in its size,
and never enters a value that is the client's own JSON (``OPAQUE_KEYS``: a config
change's old and new values, a guardian's config): a key there named like an id or a
time is data, not ours to rewrite.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from gateway.ids import render_id
from rest_compat.governance.params import ULID_PATTERN
from rest_compat.params import Variables
from rest_compat.routing import ShapeFn

Schema = dict[str, Any]
UTC_OFFSET = "+00:00"
TIME_KEYS = frozenset(
    {
        "from",
        "to",
        "timestamp",
        "started_at",
        "created_at",
        "changed_at",
        "finished_at",
        "last_seen_at",
        "detected_at",
        "acknowledged_at",
        "computed_at",
        "window_from",
        "window_to",
    }
)
OPAQUE_KEYS = frozenset({"old_value", "new_value", "config", "evidence"})


def seed_form(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with each string under a key of ``ids`` rendered with that key's prefix
    and each UTC time under a key of ``TIME_KEYS`` ending in ``Z``."""
    if isinstance(value, dict):
        return {key: _field(key, item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [seed_form(item, ids) for item in value]
    return value


def _field(key: str, item: Any, ids: Mapping[str, str]) -> Any:
    if key in OPAQUE_KEYS:
        return item
    if isinstance(item, str):
        if key in ids:
            return render_id(ids[key], uuid.UUID(item))
        if key in TIME_KEYS and item.endswith(UTC_OFFSET):
            return item.removesuffix(UTC_OFFSET) + "Z"
        return item
    return seed_form(item, ids)


def _rendered_schema(schema: Any, ids: Mapping[str, str]) -> Any:
    """The answer's JSON Schema with each id property's ``uuid`` format replaced by its
    prefixed pattern (nullability kept)."""
    if isinstance(schema, list):
        return [_rendered_schema(item, ids) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _rendered_schema(item, ids) for key, item in schema.items()}
    properties = schema.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {
            key: _id_schema(prop, ids[key]) if key in ids else _rendered_schema(prop, ids)
            for key, prop in properties.items()
        }
    return out


def _id_schema(prop: Schema, prefix: str) -> Schema:
    pattern = {"type": "string", "pattern": f"^{prefix}_{ULID_PATTERN}$"}
    if "anyOf" in prop:
        return {"anyOf": [pattern if s.get("type") != "null" else s for s in prop["anyOf"]]}
    return pattern


@dataclass(frozen=True)
class SeedForm:
    """A shaper: the operation's ``data`` (or what ``then`` makes of it) in the seed's
    form. ``ids`` maps an answer key (``guardian_id``) to its prefix (``gov``)."""

    ids: Mapping[str, str] = field(default_factory=dict)
    then: ShapeFn | None = None

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        body = self.then(data, variables, request) if self.then else data.get("data")
        return seed_form(body, self.ids)

    def response_schema(self, data: Schema) -> Schema:
        shaped = getattr(self.then, "response_schema", None)
        body = dict(shaped(data)) if shaped is not None else data["properties"]["data"]
        return dict(_rendered_schema(body, self.ids))
