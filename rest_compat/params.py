"""How a request's query string, path and body become operation variables.

``query(days=positive_int(30))`` reads as the route table's documentation: each
converter takes the raw value (None when absent) and returns the variable or raises
the GatewayError the family will draw.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from gateway.errors import bad_input, not_found
from resolvers.common import MAX_DAYS
from rest_compat.routing import ParamsFn, Variables

Converter = Callable[[str, Any], Any]


def positive_int(default: int, maximum: int = MAX_DAYS) -> Converter:
    """An integer from 1 to ``maximum``; absent means ``default``; anything else is a 400."""

    def convert(name: str, raw: Any) -> int:
        if raw is None or raw == "":
            return default
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise bad_input(f"{name} must be a positive integer", argument=name) from None
        if not 1 <= value <= maximum:
            raise bad_input(f"{name} must be from 1 to {maximum}", argument=name)
        return value

    return convert


def lenient_days(default: int = 30, maximum: int = MAX_DAYS) -> Converter:
    """As the knowledge API documents: absent, non-integer or < 1 silently becomes 30.

    Values above ten years are capped rather than refused, since the doc promises no
    upper bound is enforced (and the answer for 3650 days and more is the same).
    """

    def convert(name: str, raw: Any) -> int:
        if isinstance(raw, bool):
            return default
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, str):
            try:
                value = int(raw.strip())
            except ValueError:
                return default
        else:
            return default
        return default if value < 1 else min(value, maximum)

    return convert


def optional_uuid(name: str, raw: Any) -> str | None:
    """A UUID or nothing; a malformed one is a 400."""
    if raw is None or raw == "":
        return None
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise bad_input(f"{name} must be a UUID", argument=name) from None


def uuid_or_404(what: str) -> Converter:
    """A path id: malformed reads as 'no such thing here', a 404 like any unknown id."""

    def convert(name: str, raw: Any) -> str:
        try:
            return str(uuid.UUID(str(raw)))
        except ValueError:
            raise not_found(what) from None

    return convert


def choice(choices: tuple[str, ...], *, required: bool = True) -> Converter:
    def convert(name: str, raw: Any) -> str | None:
        if raw is None or raw == "":
            if required:
                raise bad_input(f"{name} is required: one of {', '.join(choices)}", argument=name)
            return None
        if raw not in choices:
            raise bad_input(f"{name} must be one of {', '.join(choices)}", argument=name)
        return str(raw)

    return convert


def query(**converters: Converter) -> ParamsFn:
    """Variables from the query string."""

    async def params(request: Request) -> Variables:
        return {k: c(k, request.query_params.get(k)) for k, c in converters.items()}

    return params


def path(**converters: Converter) -> ParamsFn:
    """Variables from path parameters."""

    async def params(request: Request) -> Variables:
        return {k: c(k, request.path_params.get(k)) for k, c in converters.items()}

    return params


def body(**converters: Converter) -> ParamsFn:
    """Variables from an optional JSON object body; a body that is not one is a 400."""

    async def params(request: Request) -> Variables:
        raw = await request.body()
        data: Any = {}
        if raw.strip():
            try:
                data = json.loads(raw)
            except ValueError:
                raise bad_input("the request body is not valid JSON") from None
            if not isinstance(data, dict):
                raise bad_input("the request body must be a JSON object")
        return {k: c(k, data.get(k)) for k, c in converters.items()}

    return params


def merged(*parts: ParamsFn, then: Callable[[Variables], Variables] | None = None) -> ParamsFn:
    """Variables from several sources, optionally post-processed."""

    async def params(request: Request) -> Variables:
        variables: Variables = {}
        for part in parts:
            variables.update(await part(request))
        return then(variables) if then else variables

    return params
