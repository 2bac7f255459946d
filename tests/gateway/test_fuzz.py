"""Issue 6, item 6: generated input at every REST parameter and GraphQL argument, no 5xx.

The routes and fields are walked, not listed: a new route row or root field is fuzzed
without touching this file. Values are typed (so that resolvers run, with the ids of a
seeded organisation among them) or hostile (NUL, lone surrogates, huge text, huge and
fractional numbers, nested JSON), as an admin of a Growth organisation. Derandomized
with a fixed number of examples, so that CI sees the same inputs on every run.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gateway.schema import schema
from rest_compat.params import parameters
from rest_compat.registry import ROUTES
from tests.factories import Factory

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    # The seeded organisation and the client are meant to be shared by every example:
    # each example only asserts that the gateway answers, never on what a previous
    # example changed, so a fixture per test (not per example) is what we want.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# httpx refuses a longer URL before sending it (httpx._urlparse.MAX_URL_LENGTH).
HTTPX_MAX_URL = 65_536

# --- values -----------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfffy",
        "a" * 60_000,
        "é" * 201,
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "-1",
        "1e309",
        "NaN",
        "null",
        "[]",
        "{}",
        "%00",
        "../../etc/passwd",
        "'; DROP TABLE components; --",
        '=HYPERLINK("x")',
        "W1tudWxsLG51bGxdXQ",  # a cursor decoding to [[null, null]]
        "WzEsMl0",  # a cursor decoding to [1, 2]
    ]
)
TEXT = st.one_of(st.text(st.characters(exclude_categories=()), max_size=30), HOSTILE_TEXT)
NUMBER = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, -1, 1, 2**31, 2**31 - 1, -(2**31), 2**63, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
)
LEAF = st.one_of(st.none(), st.booleans(), NUMBER, TEXT)
NESTED = st.recursive(
    LEAF,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(TEXT, children, max_size=3)
    ),
    max_leaves=8,
)


class Deep:
    """A list nested ``depth`` times: written out by ``to_json``, since the encoder
    (like the parser, which is the point) recurses and would overflow first."""

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def __repr__(self) -> str:
        return f"Deep({self.depth})"


def to_json(value: Any) -> str:
    """JSON text of a generated value; NaN and infinities as JSON's common extension, a
    lone surrogate as its \\u escape, a ``Deep`` as the nested list itself."""
    deep: dict[str, int] = {}

    def placeholder(item: Any) -> str:
        assert isinstance(item, Deep)
        marker = f"deep-{len(deep)}-{uuid.uuid4()}"
        deep[marker] = item.depth
        return marker

    text = json.dumps(value, default=placeholder)
    for marker, depth in deep.items():
        text = text.replace(f'"{marker}"', "[" * depth + "1" + "]" * depth)
    return text


ANY = st.one_of(LEAF, NESTED, st.integers(20, 100_000).map(Deep), st.just([1] * 600))
MOMENT = st.one_of(
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.sampled_from(["2026-01-10T10:00:00+02:00", "0001-01-01T00:00:00+01:00", "yesterday"]),
)


def typed(type_: GraphQLInputType, ids: list[str], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of this GraphQL input type (the known ids among UUIDs), or anything at all."""
    if isinstance(type_, GraphQLNonNull):
        return typed(type_.of_type, ids, depth)
    if isinstance(type_, GraphQLList):
        return st.one_of(st.lists(typed(type_.of_type, ids, depth + 1), max_size=4), ANY)
    anything = ANY if depth < 2 else LEAF
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(st.sampled_from(sorted(type_.values)), anything)
    if isinstance(type_, GraphQLInputObjectType):
        fields = {name: typed(field.type, ids, depth + 1) for name, field in type_.fields.items()}
        return st.one_of(st.fixed_dictionaries({}, optional=fields), anything)
    assert isinstance(type_, GraphQLScalarType), type_
    by_scalar: dict[str, st.SearchStrategy[Any]] = {
        "UUID": st.one_of(st.sampled_from(ids), st.uuids().map(str)),
        "Int": NUMBER,
        "Float": NUMBER,
        "Boolean": st.booleans(),
        "DateTime": MOMENT,
    }
    return st.one_of(by_scalar.get(type_.name, TEXT), anything)


# --- what to call -------------------------------------------------------------------

GRAPHQL_SCHEMA = schema._schema
ROOT_FIELDS: list[tuple[str, str, GraphQLField]] = [
    (operation, name, field)
    for operation, root in (
        ("query", GRAPHQL_SCHEMA.query_type),
        ("mutation", GRAPHQL_SCHEMA.mutation_type),
    )
    if root is not None
    for name, field in sorted(root.fields.items())
]


def document(operation: str, name: str, field: GraphQLField, sent: list[str]) -> str:
    """The operation calling one root field with each argument in ``sent`` as a variable."""
    declared = ", ".join(f"${arg}: {field.args[arg].type}" for arg in sent)
    passed = ", ".join(f"{arg}: ${arg}" for arg in sent)
    selection = (
        " { __typename }" if isinstance(get_named_type(field.type), GraphQLObjectType) else ""
    )
    call = f"{name}({passed})" if sent else name
    return f"{operation}{f'({declared})' if sent else ''} {{ {call}{selection} }}"


def encoded(value: Any) -> str:
    """Any generated value as it would sit in a URL: text as is, the rest as JSON,
    percent-encoded byte for byte (a lone surrogate goes out as its raw UTF-8 bytes)."""
    text = value if isinstance(value, str) else to_json(value)
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def assert_answered(response: httpx.Response) -> Any:
    assert response.status_code < 500, response.text
    return response.json()  # the body is JSON (a CSV export is checked below instead)


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture
async def seeded(factory: Factory) -> tuple[dict[str, str], list[str]]:
    """An admin of a Growth organisation, and the ids of a little of everything in it."""
    org = await factory.org(plan="growth")
    department = await factory.department(org, "Platform")
    admin = await factory.user(org, "root", role="admin", department_id=department["id"])
    component = await factory.component(org, "api")
    environment = await factory.environment(org, "prod")
    deployment = await factory.deployment(
        component, environment, "FAILED", started_hours_ago=5, duration_hours=1
    )
    entry = await factory.entry(org, admin, "Runbook", department=department)
    ids = [str(row["id"]) for row in (admin, department, component, environment, deployment)]
    return factory.headers(admin), [*ids, str(entry["id"]), str(uuid.uuid4())]


# --- the properties -----------------------------------------------------------------


@FUZZ
@given(data=st.data())
async def test_item6_fuzz_every_graphql_root_argument(
    client: httpx.AsyncClient, seeded: tuple[dict[str, str], list[str]], data: st.DataObject
) -> None:
    headers, ids = seeded
    operation, name, field = data.draw(st.sampled_from(ROOT_FIELDS), label="field")
    values = data.draw(
        st.fixed_dictionaries(
            {}, optional={arg: typed(a.type, ids) for arg, a in field.args.items()}
        ),
        label="variables",
    )
    query = document(operation, name, field, sorted(values))

    payload = to_json({"query": query, "variables": values})
    response = await client.post(
        "/graphql", content=payload, headers={**headers, "content-type": "application/json"}
    )

    body = assert_answered(response)
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
    assert "INTERNAL_SERVER_ERROR" not in codes, body


REST_PARAMETERS = [(route, parameters(route.params)) for route in ROUTES]


@FUZZ
@given(data=st.data())
async def test_item6_fuzz_every_rest_parameter(
    client: httpx.AsyncClient, seeded: tuple[dict[str, str], list[str]], data: st.DataObject
) -> None:
    headers, ids = seeded
    route, params = data.draw(st.sampled_from(REST_PARAMETERS), label="route")
    value = st.one_of(st.sampled_from(ids), TEXT, NUMBER, NESTED)
    url, query, body = route.path, [], {}
    for where, name in params:
        if where == "path":
            url = url.replace(f"{{{name}}}", encoded(data.draw(value, label=name)))
        elif data.draw(st.booleans(), label=f"send {name}"):
            if where == "query":
                query.append(f"{name}={encoded(data.draw(value, label=name))}")
            else:
                body[name] = data.draw(st.one_of(value, ANY), label=name)
    content = to_json(body).encode()
    if any(where == "body" for where, _ in params):
        raw = st.sampled_from([b"\xff\xfe", b"[" * 5_000, b"null", b'"x"', b"{", b""])
        content = data.draw(st.one_of(st.just(content), raw), label="body")

    url += "?" + "&".join(query) if query else ""
    # Two 60,000-character values pass httpx's URL limit: no server reads such a request
    # line, so it never reaches a route.
    assume(len(url) <= HTTPX_MAX_URL)
    response = await client.request(
        route.method,
        url,
        content=content if route.method != "GET" else None,
        headers={**headers, "content-type": "application/json"},
    )

    assert response.status_code < 500, response.text
    if response.is_redirect:
        # An empty path id leaves a trailing slash: the relative redirect to the path
        # without it (gateway/redirects.py), which has no body.
        assert response.headers["location"].startswith("/")
        return
    if response.headers["content-type"].startswith("application/json"):
        response.json()
    else:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
