"""How a request's query string, path and body become operation variables.

A route row names a ``RouteParams`` model. Each field says where it is read
(``Annotated[int, QUERY, Field(ge=1)]``), and pydantic converts it with the family's
defaults and rules. The same model gives the OpenAPI document its parameters and a
refused value its error: a 400 naming the parameter and what it must be, read from the
field's own JSON Schema, or the field's own refusal (a malformed id in a path is a 404).

A field is read under its alias when it has one (``from`` is no Python name). A model
whose defaults depend on the time (a window ending now) reads the request's clock from
the validation context, ``info.context["now"]``; a rule over several fields (a window
too large) raises its GatewayError from a model validator, which pydantic passes through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request

from gateway.errors import GatewayError, bad_input, not_found
from gateway.inputs import value_problem
from gateway.sql import utcnow

Variables = dict[str, Any]
Location = Literal["query", "path", "body"]


@dataclass(frozen=True)
class In:
    """Where a field is read; put in the field's ``Annotated`` metadata."""

    where: Location
    # What a value that does not validate answers, when it is not the 400 naming the
    # parameter: a malformed id in a path reads as "no such thing here".
    refusal: Callable[[], GatewayError] | None = None


QUERY = In("query")
PATH = In("path")
BODY = In("body")


def path_id(what: str) -> In:
    """A path id whose malformed value is a 404, like an id that does not exist."""
    return In("path", refusal=lambda: not_found(what))


class RouteParams(BaseModel):
    """A route's parameters. Subclasses declare fields; ``variables`` feeds the operation."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # Error statuses its own rules can answer beyond a malformed value's 400 (the
    # OpenAPI document lists them): a governance window too long for its bucket is 422.
    refusals: ClassVar[frozenset[int]] = frozenset()
    # A refusal names every refused field (``details["fields"]``: name -> messages), as
    # Django REST framework's serializer errors do; else only the first.
    every_field: ClassVar[bool] = False

    def variables(self) -> Variables:
        """The operation's variables, by wire name; JSON mode, so UUIDs and times reach
        GraphQL as text."""
        return self.model_dump(mode="json", by_alias=True)


class NoParams(RouteParams):
    """A route that reads nothing from the request."""


def locations(model: type[RouteParams]) -> dict[str, In]:
    """Where each field of ``model`` is read, by the name it is read under (its alias, or
    else its name)."""
    found: dict[str, In] = {}
    for name, field in model.model_fields.items():
        marks = [m for m in field.metadata if isinstance(m, In)]
        if len(marks) != 1:
            raise TypeError(f"{model.__name__}.{name} must say once where it is read (In)")
        found[field.alias or name] = marks[0]
    return found


def parameters(model: type[RouteParams]) -> list[tuple[Location, str]]:
    """Where and under which name a route reads each of its values."""
    return [(where.where, name) for name, where in locations(model).items()]


async def read_params(
    model: type[RouteParams], request: Request, *, now: datetime | None = None
) -> RouteParams:
    """The request's parameters, converted, or the GatewayError that refuses them.

    ``now`` is the request's clock (``Context.now``), for defaults that depend on it.
    """
    raw: dict[str, Any] = {}
    body: Mapping[str, Any] | None = None
    for name, where in locations(model).items():
        if where.where == "query":
            value = request.query_params.get(name)
        elif where.where == "path":
            value = request.path_params.get(name)
        else:
            body = await json_object(request) if body is None else body
            value = body.get(name)
        # An empty query value (`?days=`) is no value: the default applies.
        if value is not None and value != "":
            raw[name] = value
    try:
        return model.model_validate(raw, context={"now": now or utcnow()})
    except ValidationError as error:
        raise refusal(model, error) from None


def refusal(model: type[RouteParams], error: ValidationError) -> GatewayError:
    """The first refused field, as its own refusal or a 400 saying what it must be (with
    every refused field's messages when the model asks for ``every_field``)."""
    errors = error.errors()
    first = errors[0]
    if not first["loc"]:
        # A rule over the whole model that said only ValueError.
        return bad_input(first["msg"].removeprefix("Value error, "))
    name = str(first["loc"][0])
    where = locations(model)[name]
    if where.refusal is not None:
        return where.refusal()
    refused = bad_input(_message(model, name, first), argument=name)
    if model.every_field:
        fields: dict[str, list[str]] = {}
        for item in errors:
            field = str(item["loc"][0]) if item["loc"] else "non_field_errors"
            if not item["loc"] or item["type"] == "value_error":
                # A rule of the model's own (a formula, a type that cannot change) says
                # what is wrong in its own words.
                text = item["msg"].removeprefix("Value error, ")
            elif item["type"] == "missing":
                text = "This field is required."  # DRF's own words
            else:
                text = _message(model, field, item)
            if text not in fields.setdefault(field, []):
                fields[field].append(text)
        refused.details = {"argument": name, "fields": fields}
    return refused


def _message(model: type[RouteParams], name: str, item: Any) -> str:
    expected = expectation(_properties(model)[name])
    if item["type"] == "missing":
        return f"{name} is required: {expected}"
    return f"{name} {expected}"


@cache
def _properties(model: type[RouteParams]) -> dict[str, Any]:
    return dict(model.model_json_schema()["properties"])


def expectation(schema: dict[str, Any]) -> str:
    """What a value must be, in words, from a field's JSON Schema."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    schema = options[0] if len(options) == 1 else schema
    if "x-expected" in schema:
        # A type whose rule its JSON Schema cannot say (an id in two spellings) says it.
        return str(schema["x-expected"])
    if "enum" in schema:
        return "must be one of " + ", ".join(str(v) for v in schema["enum"])
    if schema.get("format") == "uuid":
        return "must be a UUID"
    if schema.get("format") == "date-time":
        return "must be an RFC 3339 date-time with an offset, such as 2026-05-01T00:00:00Z"
    if schema.get("type") == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"must be an integer from {low} to {high}"
        if low is not None:
            return f"must be an integer of at least {low}"
        return "must be an integer"
    if schema.get("type") == "string" and "maxLength" in schema:
        return f"must be text of {schema.get('minLength', 0)} to {schema['maxLength']} characters"
    return f"must be a valid {schema.get('type', 'value')}"


_DECIMAL = re.compile(r"\s*[+-]?[0-9]+\s*")


def decimal_text(value: Any) -> Any:
    """A query-string integer is ASCII decimal digits: `1.0`, `4_5` and `true` are refused.

    (pydantic's lax mode would read the first two as integers.) Used as a
    ``BeforeValidator``; anything that is not text is left for the field's own type.
    """
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise ValueError("not a decimal integer")
        return int(value)
    if isinstance(value, bool):
        raise ValueError("not an integer")
    return value


async def json_object(request: Request) -> Mapping[str, Any]:
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
