"""This family's ids in its answers: ``<prefix>_<ULID>`` (``gateway.ids``).

GraphQL answers plain UUIDs; a route row names, as data, which keys of its answer hold
which kind of id, and ``RenderIds`` rewrites those values on the way out. The walk is one
pass over the answer, so it is linear in the answer's size.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from gateway.ids import render_id
from rest_compat.params import Variables
from rest_compat.routing import ShapeFn

Schema = dict[str, Any]


def render_ids(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with each string under a key of ``ids`` rendered with that key's prefix."""
    if isinstance(value, dict):
        return {
            key: (
                _render(item, ids[key])
                if key in ids and isinstance(item, str)
                else render_ids(item, ids)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [render_ids(item, ids) for item in value]
    return value


def _render(text: str, prefix: str) -> str:
    return render_id(prefix, uuid.UUID(text))


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
    pattern = {"type": "string", "pattern": f"^{prefix}_[0-7][0-9A-HJKMNP-TV-Z]{{25}}$"}
    if "anyOf" in prop:
        return {"anyOf": [pattern if s.get("type") != "null" else s for s in prop["anyOf"]]}
    return pattern


@dataclass(frozen=True)
class RenderIds:
    """A shaper: the operation's ``data`` (or what ``then`` makes of it) with its ids
    rendered. ``ids`` maps an answer key (``guardian_id``) to its prefix (``gov``)."""

    ids: Mapping[str, str]
    then: ShapeFn | None = field(default=None)

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        body = self.then(data, variables, request) if self.then else data.get("data")
        return render_ids(body, self.ids)

    def response_schema(self, data: Schema) -> Schema:
        shaped = getattr(self.then, "response_schema", None)
        body = dict(shaped(data)) if shaped is not None else data["properties"]["data"]
        return dict(_rendered_schema(body, self.ids))
