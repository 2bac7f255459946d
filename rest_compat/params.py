"""How a request's query string, path and body become operation variables.

``query(days=positive_int(30))`` reads as the route table's documentation: each
converter takes the raw value (None when absent) and returns the variable or raises
the GatewayError the family will draw.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from gateway.errors import bad_input, not_found
from gateway.inputs import value_problem
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


@dataclass(frozen=True)
class Source:
    """Variables from one part of the request, each by its converter.

    Callable as a route's ``params``; ``parameters`` lists what it reads, so that tests
    (and the OpenAPI document) can walk every parameter of every route.
    """

    where: str  # "query", "path" or "body"
    converters: dict[str, Converter]
    read: Callable[[Request], Awaitable[Mapping[str, Any]]]

    async def __call__(self, request: Request) -> Variables:
        raw = await self.read(request)
        return {k: c(k, raw.get(k)) for k, c in self.converters.items()}

    @property
    def parameters(self) -> list[tuple[str, str]]:
        return [(self.where, name) for name in self.converters]


async def _query_string(request: Request) -> Mapping[str, Any]:
    return request.query_params


async def _path(request: Request) -> Mapping[str, Any]:
    return request.path_params


async def _json_object(request: Request) -> Mapping[str, Any]:
    """An optional JSON object body; one that is not JSON, or not an object, is a 400."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad_input("the request body is not valid UTF-8") from None
    except RecursionError:
        raise bad_input("the request body is nested too deeply") from None
    except ValueError:
        raise bad_input("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_input("the request body must be a JSON object")
    problem = value_problem(data)
    if problem is not None:
        raise bad_input(f"the request body cannot be accepted: {problem}")
    return data


def query(**converters: Converter) -> Source:
    """Variables from the query string."""
    return Source("query", converters, _query_string)


def path(**converters: Converter) -> Source:
    """Variables from path parameters."""
    return Source("path", converters, _path)


def body(**converters: Converter) -> Source:
    """Variables from an optional JSON object body; a body that is not one is a 400."""
    return Source("body", converters, _json_object)


def parameters(params: ParamsFn) -> list[tuple[str, str]]:
    """Where and under which name a route's ``params`` reads each of its values."""
    return list(getattr(params, "parameters", []))


@dataclass(frozen=True)
class Merged:
    """Variables from several sources, optionally post-processed."""

    parts: tuple[ParamsFn, ...]
    then: Callable[[Variables], Variables] | None = None

    async def __call__(self, request: Request) -> Variables:
        variables: Variables = {}
        for part in self.parts:
            variables.update(await part(request))
        return self.then(variables) if self.then else variables

    @property
    def parameters(self) -> list[tuple[str, str]]:
        return [p for part in self.parts for p in parameters(part)]


def merged(*parts: ParamsFn, then: Callable[[Variables], Variables] | None = None) -> Merged:
    return Merged(parts, then)
