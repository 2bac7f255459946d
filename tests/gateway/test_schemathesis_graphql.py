"""Schemathesis over ``/graphql``: generated queries and mutations for every root field,
as an admin of a Growth organisation, answer no 5xx, a GraphQL response whose every error
carries a code (none of them the masked ``INTERNAL_SERVER_ERROR``), and nothing of
another organisation's.

As in tests/rest_compat/test_schemathesis.py, schemathesis' strategy generates the cases
and the in-process ``client`` sends them (its own transports would run outside this
test's event loop). Its ``not_a_server_error`` check is not used: it counts any error
with a ``path`` as the server's, where a resolver's NOT_FOUND or BAD_USER_INPUT is the
caller's; the codes are checked here instead. ``UUID`` arguments are drawn from both
organisations' ids as well as at random, so that the resolvers run on real rows and are
handed the other organisation's.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from graphql import NameNode, ObjectFieldNode, introspection_from_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from schemathesis.specs.openapi.checks import response_schema_conformance

from gateway.errors import STATUS_BY_CODE
from gateway.extensions import MASKED_MESSAGE
from gateway.schema import schema
from tests.factories import Factory
from tests.walk.dataset import Tenant, tenant

# Filled by the ``tenants`` fixture: the ids UUID arguments are drawn from. A strategy is
# built once, before any fixture runs, so it reads the list when it draws.
KNOWN_IDS: list[str] = []


def _known_or_random(index: int, random: str) -> str:
    return KNOWN_IDS[index % len(KNOWN_IDS)] if KNOWN_IDS and index >= 0 else random


def _json_field(name: str, value: str) -> ObjectFieldNode:
    return ObjectFieldNode(name=NameNode(value=name), value=nodes.String(value))


schemathesis.graphql.scalar(
    "UUID",
    st.builds(_known_or_random, st.integers(min_value=-1, max_value=200), st.uuids().map(str)).map(
        nodes.String
    ),
)
schemathesis.graphql.scalar(
    "Decimal",
    st.decimals(min_value=-(10**9), max_value=10**9, places=2).map(str).map(nodes.String),
)
# JSON arguments take any value; a few shapes are enough to reach the code that reads them.
schemathesis.graphql.scalar(
    "JSON",
    st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers().map(nodes.Int),
        st.dictionaries(st.sampled_from(["a", "name", "value"]), st.text(max_size=8)).map(
            lambda d: nodes.Object([_json_field(k, v) for k, v in d.items()])
        ),
    ),
)


SCHEMA = schemathesis.graphql.from_dict(introspection_from_schema(schema._schema))
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
# Malformed JSON, an answer that is not an object, a non-null field answered null.
CHECKS = [response_schema_conformance]


@pytest.fixture
async def tenants(factory: Factory) -> tuple[dict[str, str], Tenant]:
    """Acme's admin's headers, and Other: two Growth organisations, each with a little
    of everything (tests/walk/dataset.py)."""
    acme, other = await tenant(factory, "acme"), await tenant(factory, "zother")
    KNOWN_IDS[:] = [
        str(row["id"]) for t in (acme, other) for rows in t.rows.values() for row in rows
    ]
    return factory.headers(acme.users["admin"]), other


def problems_with(response: httpx.Response, other: Tenant) -> list[str]:
    """What is wrong with one answer (nothing, if the list is empty)."""
    found: list[str] = []
    if response.status_code >= 500:
        found.append(f"status {response.status_code}")
    leaked = sorted(secret for secret in other.secrets if secret in response.text)
    if leaked:
        found.append(f"another organisation's {leaked}")
    body = response.json()
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        return [*found, "not a GraphQL response"]
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not isinstance(error.get("message"), str) or code not in STATUS_BY_CODE:
            found.append(f"an error without a known code: {error}")
        elif code == "INTERNAL_SERVER_ERROR" or error["message"] == MASKED_MESSAGE:
            found.append(f"an unexpected error (logged, masked): {error}")
    return found


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    # The organisations and client are shared by the examples on purpose: each example
    # asserts only on its own answer.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
@pytest.mark.parametrize("label", sorted(OPERATIONS))
async def test_generated_operations_answer_graphql_without_leaks(
    client: httpx.AsyncClient,
    tenants: tuple[dict[str, str], Tenant],
    data: st.DataObject,
    label: str,
) -> None:
    # given: a generated call of one root field, with Acme's admin's token
    headers, other = tenants
    case = data.draw(OPERATIONS[label].as_strategy(), label="case")
    # (the case's body is the document; the request it makes is ``{"query": document}``)
    sent = case.as_transport_kwargs(base_url=str(client.base_url))
    # when
    response = await client.post("/graphql", json=sent["json"], headers=headers)
    # then
    case.validate_response(response, checks=CHECKS)
    assert problems_with(response, other) == [], f"{sent['json']}: {response.text[:600]}"
