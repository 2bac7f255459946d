"""The differential corpus: random selections over the catalog and knowledge types, and
the REST layer's stored operations, answered alike by the compiled path and the resolver
path (values, key order, errors), on both databases.

On SQLite the database writes a cursor's values and the answer's reader encodes them
(no base64 there); everything else is built the same on both.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rest_compat.registry import ROUTES
from tests.apps import app_client
from tests.factories import one_transaction

MOMENT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
@one_transaction
async def dataset(factory: Any) -> dict[str, Any]:
    factory.now = MOMENT
    org = await factory.org("Acme")
    sales = await factory.department(org, "Sales")
    ops = await factory.department(org, "Ops")
    manager = await factory.user(org, "mia", role="manager", department_id=sales["id"])
    ann = await factory.user(org, "ann", department_id=ops["id"])
    bob = await factory.user(org, "bob")
    await factory.entry(org, ann, "Runbook", department=ops, reviewed_days_ago=3.5)
    await factory.entry(org, bob, "Pricing", department=sales, authors=[ann, bob])
    await factory.entry(org, manager, "No department", status="needs_review", created_days_ago=1)
    await factory.entry(org, ann, "Old", status="archived", created_days_ago=400)
    prod = await factory.environment(org, "prod")
    for name, owner in (("api", "team-a"), ("db", None), ("zeta", "team-b")):
        component = await factory.component(org, name, owner=owner)
        for hours in (0.5, 3, 26):
            await factory.deployment(
                component, prod, "SUCCEEDED", started_hours_ago=hours, version=f"{name}{hours}"
            )
    other = await factory.org("Other")
    stranger = await factory.user(other, "zed")
    await factory.entry(other, stranger, "Secret entry")
    return {"manager": manager, "ann": ann}


ENTRY = [
    "id",
    "title",
    "status",
    "departmentId",
    "createdById",
    "createdAt",
    "lastReviewedAt",
    "lastReviewedById",
    "__typename",
]
USER = ["id", "username", "name", "email", "role", "isActive", "departmentId"]
COMPONENT = [
    "id",
    "name",
    "kind",
    "lifecycle",
    "owner",
    "description",
    "createdAt",
    "updatedAt",
    "__typename",
]
DEPLOYMENT = ["id", "componentId", "environmentId", "status", "version", "startedAt", "finishedAt"]


def leaves(names: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True)


def aliased(name: str, alias: bool) -> str:
    return f"a_{name.strip('_')}: {name}" if alias else name


@st.composite
def selection(draw: Any, names: list[str], nested: dict[str, Any]) -> str:
    """A selection set: some leaves (maybe aliased, maybe under @include/@skip or an
    inline fragment) and some nested fields from ``nested`` (name -> strategy)."""
    parts = []
    for name in draw(leaves(names)):
        part = aliased(name, draw(st.booleans()))
        directive = draw(st.sampled_from(["", " @include(if: $yes)", " @skip(if: $yes)"]))
        parts.append(part + directive)
    for name, inner in nested.items():
        if draw(st.booleans()):
            parts.append(f"{name} {{ {draw(inner)} }}")
    if draw(st.booleans()):
        parts = [f"... on {{TYPE}} {{ {parts[0]} }}", *parts[1:]]
    return " ".join(parts)


def typed(strategy: st.SearchStrategy[str], type_name: str) -> st.SearchStrategy[str]:
    """``strategy``'s selections with their inline fragments on ``type_name``."""
    return strategy.map(lambda s: s.replace("{TYPE}", type_name))


def user_selection() -> st.SearchStrategy[str]:
    department = typed(selection(["id", "name"], {}), "Department")
    return typed(selection(USER, {"department": department}), "User")


def entry_selection() -> st.SearchStrategy[str]:
    nested = {
        "department": selection(["id", "name"], {}).map(
            lambda s: s.replace("{TYPE}", "Department")
        ),
        "creator": user_selection(),
        "lastReviewedBy": user_selection(),
        "authors": typed(selection(["name"], {}), "User"),
    }
    return typed(selection(ENTRY, nested), "KnowledgeEntry")


def component_selection() -> st.SearchStrategy[str]:
    environment = typed(selection(["id", "name"], {}), "Environment")
    deployment = selection(
        DEPLOYMENT,
        {
            "environment": environment,
            "component": typed(selection(["name"], {}), "Component"),
        },
    ).map(lambda s: s.replace("{TYPE}", "Deployment"))
    return st.tuples(
        selection(COMPONENT, {"latestDeployment": deployment}),
        st.integers(min_value=0, max_value=4),
        deployment,
    ).map(
        lambda t: t[0].replace("{TYPE}", "Component") + f" deployments(first: {t[1]}) {{ {t[2]} }}"
    )


@st.composite
def connection(draw: Any, root: str, node: st.SearchStrategy[str]) -> str:
    first = draw(st.integers(min_value=1, max_value=4))
    parts = []
    if draw(st.booleans()):
        parts.append(f"nodes {{ {draw(node)} }}")
    if draw(st.booleans()) or not parts:
        cursor = "cursor " if draw(st.booleans()) else ""
        parts.append(f"edges {{ {cursor}node {{ {draw(node)} }} }}")
    if draw(st.booleans()):
        parts.append("pageInfo { hasNextPage endCursor }")
    if draw(st.booleans()):
        parts.append("__typename")
    return f"{root}(first: {first}) {{ {' '.join(parts)} }}"


OPERATIONS = st.one_of(
    connection("components", component_selection()),
    connection("knowledgeEntries", entry_selection()),
    st.tuples(
        connection("components", component_selection()),
        connection("knowledgeEntries", entry_selection()),
    ).map(" ".join),
)


async def answers(client: Any, headers: dict[str, str], query: str) -> tuple[int, str]:
    # $yes declared only where a directive reads it: an unused variable would make the
    # document invalid, and both paths would agree on an error that compared nothing.
    if "$yes" in query:
        body = {"query": f"query($yes: Boolean!) {{ {query} }}", "variables": {"yes": True}}
    else:
        body = {"query": f"{{ {query} }}"}
    response = await client.post("/graphql", json=body, headers=headers)
    return response.status_code, json.dumps(response.json())


async def test_random_selections_answer_alike(client, resolver_client, factory, dataset):
    headers = factory.headers(dataset["manager"])
    checked: list[str] = []

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(OPERATIONS)
    def case(query: str) -> None:
        checked.append(query)

    case()
    assert len(checked) >= 30
    valid = 0
    for query in checked:
        compiled = await answers(client, headers, query)
        resolved = await answers(resolver_client, headers, query)
        assert compiled == resolved, query
        assert "Secret" not in compiled[1]
        errors = json.loads(compiled[1]).get("errors") or []
        valid += all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in errors)
    # every generated document is valid: it runs, or its arguments are refused alike
    assert valid == len(checked)


async def test_a_knowledge_selection_with_a_guarded_or_listed_child(
    client, resolver_client, factory, dataset, statements, db
):
    headers = factory.headers(dataset["manager"])
    # creator { knowledgeEntries } has a role guard of its own: resolved by its resolver
    # (null could stand in for creator, not for the list: the root goes to the resolvers)
    query = (
        "knowledgeEntries(first: 3) { nodes { title department { name } creator { name "
        "knowledgeEntries(first: 1) { title } } } }"
    )
    assert await answers(client, headers, query) == await answers(resolver_client, headers, query)
    statements.statements.clear()
    status, text = await answers(
        client,
        headers,
        "knowledgeEntries { nodes { title @include(if: $yes) creator { name } "
        "authors { name department { name } } } }",
    )
    body = json.loads(text)
    assert status == 200 and "errors" not in body
    # authors through the authorship table, by name, in the same one statement
    [pricing] = [n for n in body["data"]["knowledgeEntries"]["nodes"] if n["title"] == "Pricing"]
    assert pricing["authors"] == [
        {"name": "Ann", "department": {"name": "Ops"}},
        {"name": "Bob", "department": None},
    ]
    # one statement: the caller (seen before: gateway/callers.py) beside the answer
    assert len(statements.statements) == 1, statements.statements


async def test_the_rest_layers_stored_operations_answer_alike(db, settings, factory, dataset):
    headers = factory.headers(dataset["manager"])
    compared = 0
    # One clock for both apps: the windows' edges are the same instant.
    async with (
        app_client(db, settings, clock=lambda: MOMENT) as client,
        app_client(db, settings, clock=lambda: MOMENT, compile_selections=False) as resolver,
    ):
        for route in ROUTES:
            if route.method != "GET" or "{" in route.path:
                continue
            compiled = await client.get(route.path, headers=headers)
            resolved = await resolver.get(route.path, headers=headers)
            assert compiled.status_code == resolved.status_code, route.path
            if compiled.headers.get("content-type", "").startswith("application/json"):
                assert _steady(compiled.json()) == _steady(resolved.json()), route.path
            compared += 1
    assert compared >= 20


def _steady(value: Any) -> Any:
    """An answer without the figures that move between two calls (the live metrics'
    clocks and latencies), which neither path computes in SQL of the compiler's."""
    if isinstance(value, dict):
        return {
            k: _steady(v)
            for k, v in value.items()
            if k
            not in {
                "timestamp",
                "generated_at",
                "system_health",
                "performance_metrics",
                "system_metrics",
                "application_metrics",
                "database_metrics",
                "last_updated",
                "data_age_minutes",
                "meta",
            }
        }
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


# Found by the random selections: deployments(first: 0) nulls the whole answer (every
# field up to the root is non-null) while sibling fields wait on loaded keys they share;
# graphql-core cancels the siblings, which cancelled the shared futures under the others
# too, and CancelledError (no Exception) escaped the request as a 500.
CANCELLING = (
    "components(first: 2) { nodes { ... on Component { kind } latestDeployment { ... "
    "on Deployment { id } componentId @include(if: $yes) environment { ... on Environ"
    "ment { id } a_name: name } component { name } } deployments(first: 1) { id envir"
    "onment { a_id: id a_name: name } component { a_name: name @include(if: $yes) } }"
    " } edges { cursor node { id kind name a_lifecycle: lifecycle latestDeployment { "
    "id a_status: status component { name } } deployments(first: 0) { id a_componentI"
    "d: componentId environment { ... on Environment { a_id: id @skip(if: $yes) } } c"
    "omponent { a_name: name } } } } __typename } knowledgeEntries(first: 1) { edges "
    "{ cursor node { ... on KnowledgeEntry { a_id: id } creator { ... on User { id @s"
    "kip(if: $yes) } department { ... on Department { a_id: id @include(if: $yes) } }"
    " } lastReviewedBy { a_id: id } } } pageInfo { hasNextPage endCursor } __typename"
    " }"
)


@pytest.mark.parametrize("path", ["compiled", "resolvers"])
async def test_an_error_that_nulls_the_answer_is_a_graphql_error(
    client, resolver_client, factory, dataset, path
):
    headers = factory.headers(dataset["manager"])
    status, text = await answers(
        client if path == "compiled" else resolver_client, headers, CANCELLING
    )
    body = json.loads(text)
    assert status == 200
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
