"""``GET /openapi.json``: an OpenAPI 3.1 document generated from the route rows.

Nothing here is written per path. Parameters come from each row's pydantic model,
answers from its stored operation's selection set typed by the GraphQL schema (aliases
are the property names, every selected field is present, nullability from the schema),
errors from the family's envelope, and security from what ``gateway.auth`` accepts.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from graphql.type.definition import GraphQLInterfaceType, GraphQLUnionType
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.errors import STATUS_BY_CODE
from rest_compat.envelopes import REST_CODES
from rest_compat.params import RouteParams, locations
from rest_compat.routing import RestRoute

Schema = dict[str, Any]

SCALARS: dict[str, Schema] = {
    "Int": {"type": "integer"},
    "Float": {"type": "number"},
    "Boolean": {"type": "boolean"},
    "String": {"type": "string"},
    "ID": {"type": "string"},
    "UUID": {"type": "string", "format": "uuid"},
    "DateTime": {"type": "string", "format": "date-time"},
    "Date": {"type": "string", "format": "date"},
    "JSON": {},
}

SECURITY_SCHEMES: Schema = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A JWT, or an API key, after `Bearer `.",
    },
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "access_token",
        "description": "A JWT. A state-changing request must be JSON from a trusted origin.",
    },
}

ERRORS_BY_STATUS: dict[int, str] = {
    400: "A malformed parameter, body or query string.",
    401: "No valid credential.",
    402: "The organisation's subscription is not active.",
    403: "The role, scope or plan does not allow this, or a cookie write failed the CSRF rule.",
    404: "No such thing in the caller's organisation.",
    413: "The request body is over the size limit.",
    422: "Well formed but refused: a window longer than 1,440 of its buckets.",
    429: "Over the family's rate limit; retry after `Retry-After` seconds.",
    503: "The database is unreachable; retry after `Retry-After` seconds.",
}


# What every 429 carries (gateway/errors.py retry_headers), so that a client can back off.
RATE_LIMIT_HEADERS: dict[str, Schema] = {
    name: {"description": description, "schema": {"type": "integer", "minimum": 0}}
    for name, description in [
        ("Retry-After", "Seconds until the spent window frees."),
        ("RateLimit-Limit", "The spent limit: requests per window."),
        ("RateLimit-Remaining", "What is left of it in this window."),
        ("RateLimit-Reset", "Seconds until the window starts again."),
    ]
}


def error_statuses(route: RestRoute) -> list[int]:
    """The error statuses a route can answer: authentication and the database apply to
    every route; 404 to those that name something by id."""
    statuses = {400, 401, 402, 403, 413, 503, *route.params.refusals}
    if route.family.rate_limited:
        statuses.add(429)
    schema = route.params.model_json_schema()
    if any(_is_uuid(prop) for prop in schema.get("properties", {}).values()):
        statuses.add(404)
    # A dialect's own status for a code (FastAPI's 422 for a refused parameter).
    moved = {STATUS_BY_CODE[code]: status for code, status in route.family.statuses.items()}
    return sorted({moved.get(status, status) for status in statuses})


def _is_uuid(prop: Schema) -> bool:
    return any(s.get("format") == "uuid" for s in prop.get("anyOf", [prop]))


def _codes(status: int) -> list[str]:
    return sorted(REST_CODES.get(c, c) for c, s in STATUS_BY_CODE.items() if s == status)


# --- responses, from the selection sets ---------------------------------------------


def _nullable(schema: Schema) -> Schema:
    if "enum" in schema:
        schema = {**schema, "enum": [*schema["enum"], None]}
    if "type" in schema:
        return {**schema, "type": [schema["type"], "null"]}
    if not schema:
        return schema  # JSON: anything, null included
    return {"anyOf": [schema, {"type": "null"}]}


class _Walk:
    """Types one operation's selection, with the document's fragments at hand."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def output(self, kind: GraphQLOutputType, selection: SelectionSetNode | None) -> Schema:
        if isinstance(kind, GraphQLNonNull):
            return self._non_null(kind.of_type, selection)
        return _nullable(self._non_null(kind, selection))

    def _non_null(self, kind: Any, selection: SelectionSetNode | None) -> Schema:
        if isinstance(kind, GraphQLList):
            return {"type": "array", "items": self.output(kind.of_type, selection)}
        if isinstance(kind, GraphQLEnumType):
            return {"type": "string", "enum": list(kind.values)}
        if isinstance(kind, GraphQLScalarType):
            return dict(SCALARS.get(kind.name, {}))
        assert selection is not None, f"{kind} is selected without fields"
        return self.selection(kind, selection)

    def selection(self, parent: Any, selection: SelectionSetNode) -> Schema:
        properties: dict[str, Schema] = {}
        required: list[str] = []
        self._collect(parent, selection, properties, required, always=True)
        return {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    def _collect(
        self,
        parent: Any,
        selection: SelectionSetNode,
        properties: dict[str, Schema],
        required: list[str],
        *,
        always: bool,
    ) -> None:
        for node in selection.selections:
            # A field or fragment under @include/@skip may be absent from the answer.
            present = always and not node.directives
            if isinstance(node, FieldNode):
                key = (node.alias or node.name).value
                if node.name.value == "__typename":
                    found: Schema = {"type": "string"}
                else:
                    field = parent.fields[node.name.value]
                    found = self.output(field.type, node.selection_set)
                properties[key] = _either(properties.get(key), found)
                if present and key not in required:
                    required.append(key)
                continue
            condition: NamedTypeNode | None  # an inline fragment may have none
            if isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(node, InlineFragmentNode)
                condition, inner = node.type_condition, node.selection_set
            target = self.schema.get_type(condition.name.value) if condition else parent
            # A fragment on another type (of an interface or union) applies only sometimes.
            same = target is parent or not isinstance(
                parent, GraphQLInterfaceType | GraphQLUnionType
            )
            self._collect(target, inner, properties, required, always=present and same)


def _either(known: Schema | None, found: Schema) -> Schema:
    """A key that fragments on different members of a union select with different
    shapes (the predictive trends' two ``data_collection`` objects) holds either."""
    if known is None or known == found:
        return found
    if "anyOf" in known and found in known["anyOf"]:
        return known
    return {"anyOf": [known, found]}


def answer_schema(route: RestRoute, schema: GraphQLSchema) -> Schema:
    """The JSON body of the route's success: its operation's `data` alias, typed."""
    document = parse(route.document)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root = schema.get_root_type(operation.operation)
    assert isinstance(root, GraphQLObjectType)
    data = _Walk(schema, document).selection(root, operation.selection_set)
    shaped = getattr(route.shape, "response_schema", None)
    if shaped is not None:
        return dict(shaped(data))
    return dict(data["properties"]["data"])


# --- parameters, from the row's model ----------------------------------------------


def _clean(prop: Schema) -> Schema:
    prop = {k: v for k, v in prop.items() if k != "title"}
    if "anyOf" in prop:
        # In a query string absence is the null: document the value alone.
        options = [s for s in prop.pop("anyOf") if s.get("type") != "null"]
        if prop.get("default", ...) is None:
            del prop["default"]
        if len(options) == 1:
            prop = {**options[0], **prop}
        else:
            prop["anyOf"] = options
    return prop


def _parameters(model: type[RouteParams]) -> tuple[list[Schema], Schema | None]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    if "$defs" in schema:
        raise TypeError(f"{model.__name__}: nested models are not supported in parameters")
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    parameters: list[Schema] = []
    body: dict[str, Schema] = {}
    for name, where in locations(model).items():
        prop = _clean(properties[name])
        description = prop.pop("description", None)
        if where.where == "body":
            body[name] = {**prop, **({"description": description} if description else {})}
            continue
        parameter: Schema = {
            "name": name,
            "in": where.where,
            "required": where.where == "path" or name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    request_body = None
    if body:
        request_body = {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object", "properties": body}}},
        }
    return parameters, request_body


# --- the document ------------------------------------------------------------------


def operation(route: RestRoute, schema: GraphQLSchema) -> Schema:
    parameters, request_body = _parameters(route.params)
    if route.media_type == "text/csv":
        content = {"text/csv": {"schema": {"type": "string"}}}
    else:
        content = {"application/json": {"schema": answer_schema(route, schema)}}
    envelope = {"$ref": f"#/components/schemas/{_envelope_name(route)}"}
    responses: Schema = {str(route.status): {"description": "Success.", "content": content}}
    for status in error_statuses(route):
        codes = ", ".join(f"`{c}`" for c in _codes(status))
        responses[str(status)] = {
            "description": f"{ERRORS_BY_STATUS[status]} Codes: {codes}.",
            "content": {"application/json": {"schema": envelope}},
        }
        if status == 429:
            responses[str(status)]["headers"] = RATE_LIMIT_HEADERS
    entry: Schema = {
        "operationId": f"{route.family.name}_{route.op}",
        "tags": [route.family.name],
        "summary": _summary(route),
        "parameters": parameters,
        "responses": responses,
    }
    if request_body:
        entry["requestBody"] = request_body
    return entry


def _summary(route: RestRoute) -> str:
    return route.op.replace("_", " ").capitalize()


def _envelope_name(route: RestRoute) -> str:
    return f"{route.family.name.capitalize()}Error"


def build(routes: list[RestRoute], schema: GraphQLSchema) -> Schema:
    """The OpenAPI 3.1 document of ``routes``."""
    paths: dict[str, Schema] = {}
    envelopes: dict[str, Schema] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = operation(route, schema)
        envelopes[_envelope_name(route)] = route.family.envelope_schema
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "analytics-gateway REST compatibility",
            "version": "1",
            "description": "Every documented REST path of the families built so far. Each "
            "answers from a stored GraphQL operation, so `/graphql` gives the same data.",
        },
        "paths": paths,
        "components": {"schemas": envelopes, "securitySchemes": SECURITY_SCHEMES},
        "security": [{name: []} for name in SECURITY_SCHEMES],
    }


@cache
def document() -> Schema:
    """The document of the default families (FAMILIES), as `gateway serve` answers it."""
    from gateway.schema import schema  # the schema imports every family; load it lazily
    from rest_compat.registry import ROUTES

    return build(ROUTES, schema._schema)


async def openapi_json(request: Request) -> Response:
    """The app's document, built at the first request (its routes and schema are fixed)."""
    runtime = request.app.state.runtime
    if runtime.openapi is None:
        runtime.openapi = build(runtime.rest.rows, runtime.schema._schema)
    return JSONResponse(runtime.openapi)
