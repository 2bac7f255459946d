"""Issue 6, item 6: malformed input is a 400 (REST) or BAD_USER_INPUT (GraphQL), never a 500.

Each case is what an attacker sent to main and got a 500 (or a stored row PostgreSQL
would refuse) for; every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import cli
from gateway.importer import ImportFailed
from models.catalog import Component
from models.knowledge import KnowledgeEntry
from rest_compat.routing import SafeJSONResponse
from tests.cli import samples as s
from tests.factories import Factory

JSON = {"content-type": "application/json"}
CHECK = "/api/v1/analytics/staleness/check"
DEEP = b"[" * 100_000 + b"]" * 100_000
EARLY = "0001-01-01T00:00:00+01:00"  # year 0 once converted to UTC

COMPONENTS = "query($s: String, $o: String) { components(search: $s, owner: $o) { nodes { id } } }"
CREATE_COMPONENT = """
mutation($name: String!, $owner: String) {
  createComponent(input: {name: $name, kind: "service", owner: $owner}) { id owner }
}"""
UPDATE_OWNER = """
mutation($id: UUID!, $owner: String) { updateComponent(id: $id, input: {owner: $owner}) { id } }
"""
CREATE_ENTRY = """
mutation($authors: [UUID!]!) {
  createKnowledgeEntry(input: {title: "Runbook", authorIds: $authors}) { id }
}"""


@pytest.fixture
async def admin(factory: Factory) -> dict[str, str]:
    """The headers of an admin of a Growth organisation: every field is open to them."""
    org = await factory.org(plan="growth")
    return factory.headers(await factory.user(org, "root", role="admin"))


async def gql(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: Any = None
) -> dict[str, Any]:
    # ASCII-escaped JSON, so that a lone surrogate can travel as `\ud800`
    payload = json.dumps({"query": query, "variables": variables or {}})
    response = await client.post("/graphql", content=payload, headers={**headers, **JSON})
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


def refused(response: httpx.Response) -> str:
    """The REST refusal's message, after checking it is a 400 in the envelope."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"]["code"] == "VALIDATION_ERROR"
    return str(body["error"]["message"])


def refused_graphql_body(response: httpx.Response) -> str:
    """An HTTP-level GraphQL refusal: a 400 whose JSON is GraphQL's error shape."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    return str(error["message"])


@pytest.mark.parametrize("body", [b'"x"', b"5", b"null", b"[5]"])
async def test_item6_graphql_bodies_that_are_not_objects(
    client: httpx.AsyncClient, admin: dict[str, str], body: bytes
) -> None:
    # when
    response = await client.post("/graphql", content=body, headers={**admin, **JSON})

    # then
    assert refused_graphql_body(response) == "The request must be a JSON object (or a list of them)"


async def test_item6_every_http_level_graphql_refusal_is_json(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # when: no query at all, and a content type GraphQL does not read
    no_query = await client.post("/graphql", json={}, headers=admin)
    text = await client.post("/graphql", content=b"{}", headers={**admin, "content-type": "x/y"})

    # then
    assert refused_graphql_body(no_query) == "No GraphQL query found in the request"
    assert refused_graphql_body(text) == "Unsupported content type"


async def test_item6_json_nested_100000_deep(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # when: the whole GraphQL body, GraphQL variables, and a REST body
    body = await client.post("/graphql", content=DEEP, headers={**admin, **JSON})
    variables = await client.post(
        "/graphql",
        content=b'{"query": "{ viewer { id } }", "variables": {"v": ' + DEEP + b"}}",
        headers={**admin, **JSON},
    )
    rest = await client.post(CHECK, content=DEEP, headers={**admin, **JSON})

    # then
    assert refused_graphql_body(body) == "The request's JSON is nested too deeply"
    assert refused_graphql_body(variables) == "The request's JSON is nested too deeply"
    assert refused(rest) == "the request body is nested too deeply"


async def test_item6_json_nested_within_the_stack_but_past_the_input_rule(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # given: 500 levels parse, but no input of this schema nests more than a few
    nested: Any = "x"
    for _ in range(500):
        nested = [nested]

    # when
    graphql = await gql(client, admin, "{ viewer { id } }", {"v": nested})
    rest = await client.post(CHECK, json={"days": nested}, headers=admin)

    # then
    assert codes(graphql) == ["BAD_USER_INPUT"]
    assert graphql["errors"][0]["message"] == (
        "the variables cannot be accepted: values nested deeper than 20 levels"
    )
    assert (
        refused(rest) == "the request body cannot be accepted: values nested deeper than 20 levels"
    )


@pytest.mark.parametrize("raw", [b'{"query": "{ viewer { id } }", "x": "\xff"}', b"\xc3\x28"])
async def test_item6_invalid_utf8_bodies(
    client: httpx.AsyncClient, admin: dict[str, str], raw: bytes
) -> None:
    # when
    graphql = await client.post("/graphql", content=raw, headers={**admin, **JSON})
    rest = await client.post(CHECK, content=raw, headers={**admin, **JSON})

    # then
    assert refused_graphql_body(graphql) == "The request body is not valid UTF-8"
    assert refused(rest) == "the request body is not valid UTF-8"


@pytest.mark.parametrize(
    "values",
    [[None, None], [1, 2], ["a", 5], [[1], [2]], ["a"], "a", {"a": 1}],
    ids=["nulls", "numbers", "string-number", "lists", "short", "string", "object"],
)
@pytest.mark.parametrize("field", ["components", "deployments", "auditEvents", "knowledgeEntries"])
async def test_item6_malformed_cursors(
    client: httpx.AsyncClient, admin: dict[str, str], field: str, values: Any
) -> None:
    # when
    body = await gql(
        client,
        admin,
        f"query($a: String) {{ {field}(after: $a) {{ nodes {{ id }} }} }}",
        {"a": cursor(values)},
    )

    # then
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["message"] == "after is not a valid cursor"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "details": {"argument": "after"}}
    assert error["path"] == [field]


@pytest.mark.parametrize("field", ["deployments", "auditEvents", "knowledgeEntries"])
async def test_item6_timestamp_out_of_range_in_a_cursor(
    client: httpx.AsyncClient, admin: dict[str, str], field: str
) -> None:
    # when: a newest-first cursor whose moment is in year 0 once in UTC
    after = cursor([EARLY, str(uuid.uuid4())])
    body = await gql(
        client,
        admin,
        f"query($a: String) {{ {field}(after: $a) {{ nodes {{ id }} }} }}",
        {"a": after},
    )

    # then
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "after is not a valid cursor"


@pytest.mark.parametrize("argument", ["since", "until"])
@pytest.mark.parametrize("moment", [EARLY, "9999-12-31T23:59:59-01:00"])
async def test_item6_timestamp_out_of_range_in_since_and_until(
    client: httpx.AsyncClient, admin: dict[str, str], argument: str, moment: str
) -> None:
    # when
    body = await gql(
        client,
        admin,
        f"query($t: DateTime) {{ deployments({argument}: $t) {{ nodes {{ id }} }} }}",
        {"t": moment},
    )

    # then
    (error,) = body["errors"]
    assert error["message"] == f"{argument} must lie in years 1 to 9999 in UTC"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "details": {"argument": argument}}


async def test_item6_timestamps_at_the_edges_of_the_range_are_accepted(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # when
    body = await gql(
        client,
        admin,
        "query($a: DateTime, $b: DateTime) { deployments(since: $a, until: $b) { nodes { id } } }",
        {"a": "0001-01-01T00:00:00Z", "b": "9999-12-31T23:59:59Z"},
    )

    # then
    assert body["data"] == {"deployments": {"nodes": []}}
    assert "errors" not in body


async def test_item6_timestamp_out_of_range_in_an_import(db: AsyncEngine, tmp_path: Path) -> None:
    # given: a good history whose line 13 (a deployment) starts in year 0 in UTC
    lines: list[dict[str, Any] | str] = list(s.history())
    assert lines[12]["entity"] == "deployment"  # type: ignore[index]
    lines[12] = {**lines[12], "started_at": EARLY}  # type: ignore[dict-item]
    path = s.write(tmp_path / "early.ndjson", lines)

    # when
    with pytest.raises(ImportFailed) as failure:
        await cli.run_import(db, path)

    # then: reported like any other bad line, and nothing kept
    assert failure.value.line == 13
    assert failure.value.reason == (
        f"started_at: Value error, timestamps must lie in years 1 to 9999 in UTC (got '{EARLY}')"
    )
    assert await count(db, Component) == 0


@pytest.mark.parametrize("bad", ["a\u0000b", "a\ud800b"], ids=["nul", "surrogate"])
async def test_item6_nul_and_lone_surrogates_in_graphql(
    client: httpx.AsyncClient, db: AsyncEngine, admin: dict[str, str], bad: str
) -> None:
    # when: as a variable (search filter, and a mutation's input), and inside a literal
    search = await gql(client, admin, COMPONENTS, {"s": bad})
    create = await gql(client, admin, CREATE_COMPONENT, {"name": bad})
    literal = await gql(
        client, admin, "{ components(search: " + json.dumps(bad) + ") { nodes { id } } }"
    )

    # then: refused before anything ran, without quoting the value
    kind = "a NUL character" if "\u0000" in bad else "a lone surrogate (not valid Unicode)"
    for body, where in ((search, "the variables"), (create, "the variables")):
        assert body["errors"] == [
            {
                "message": f"{where} cannot be accepted: text with {kind}",
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    assert codes(literal) == ["BAD_USER_INPUT"]
    assert await count(db, Component) == 0


@pytest.mark.parametrize("bad", ["a\u0000b", "a\ud800b"], ids=["nul", "surrogate"])
async def test_item6_nul_and_lone_surrogates_in_rest(
    client: httpx.AsyncClient, admin: dict[str, str], bad: str
) -> None:
    # when: a JSON body, a query-string value and a path segment
    body = await client.post(
        CHECK, content=json.dumps({"days": bad}).encode(), headers={**admin, **JSON}
    )
    key = await client.post(CHECK, content=json.dumps({bad: 1}).encode(), headers={**admin, **JSON})
    query = await client.get("/api/v1/analytics/staleness/?days=1%00", headers=admin)
    segment = await client.get("/api/v1/analytics/bus-factor/person/a%00b", headers=admin)

    # then
    kind = "a NUL character" if "\u0000" in bad else "a lone surrogate (not valid Unicode)"
    assert refused(body) == f"the request body cannot be accepted: text with {kind}"
    assert refused(key) == f"the request body cannot be accepted: text with {kind}"
    expected = "the request's parameters cannot be accepted: text with a NUL character"
    assert refused(query) == expected
    assert refused(segment) == expected


def test_item6_a_rest_answer_always_encodes() -> None:
    # A lone surrogate cannot be UTF-8: the answer carries U+FFFD instead of failing.
    response = SafeJSONResponse({"name": "a\ud800b", "é": 1})

    assert json.loads(response.body) == {"name": "a\ufffdb", "é": 1}


async def test_item6_list_arguments_are_capped(
    client: httpx.AsyncClient, db: AsyncEngine, admin: dict[str, str]
) -> None:
    # when: 40,000 authors (over PostgreSQL's bind-parameter limit: 1.5 MB, so the body
    # limit answers first), 25,000 (within the body limit), 101, and 501 in a literal
    forty = json.dumps(
        {"query": CREATE_ENTRY, "variables": {"authors": [str(uuid.uuid4())] * 40_000}}
    )
    too_large = await client.post("/graphql", content=forty, headers={**admin, **JSON})
    huge = await gql(client, admin, CREATE_ENTRY, {"authors": [str(uuid.uuid4())] * 25_000})
    over = await gql(client, admin, CREATE_ENTRY, {"authors": [str(uuid.uuid4())] * 101})
    listed = ", ".join(f'"{uuid.uuid4()}"' for _ in range(501))
    document = 'mutation { createKnowledgeEntry(input: {title: "T", authorIds: LIST}) { id } }'
    literal = await gql(client, admin, document.replace("LIST", f"[{listed}]"))

    # then
    assert too_large.status_code == 413
    assert huge["errors"] == [
        {
            "message": "the variables cannot be accepted: a list or object of more than 500 items",
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]
    assert over["errors"][0]["message"] == "an entry has at most 100 authors"
    assert over["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "details": {"argument": "authorIds"},
    }
    assert literal["errors"][0]["message"] == (
        "an argument cannot be accepted: a list of more than 500 items"
    )
    assert await count(db, KnowledgeEntry) == 0


async def test_item6_search_over_50kb(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    # when: 50 KB, and just past the longest name a component can have
    huge = await gql(client, admin, COMPONENTS, {"s": "a" * 50_001})
    over_name = await gql(client, admin, COMPONENTS, {"s": "a" * 201})
    at_name = await gql(client, admin, COMPONENTS, {"s": "a" * 200})

    # then
    assert huge["errors"][0]["message"] == (
        "the variables cannot be accepted: text longer than 10000 characters"
    )
    assert codes(huge) == ["BAD_USER_INPUT"]
    assert over_name["errors"][0]["message"] == (
        "search cannot be accepted: text longer than 200 characters"
    )
    assert codes(over_name) == ["BAD_USER_INPUT"]
    assert at_name["data"] == {"components": {"nodes": []}}
    assert "errors" not in at_name


async def test_item6_owner_longer_than_the_model_allows(
    client: httpx.AsyncClient, db: AsyncEngine, admin: dict[str, str]
) -> None:
    # given: Component.owner is Field(max_length=200)
    existing = await gql(client, admin, CREATE_COMPONENT, {"name": "api", "owner": "o" * 200})
    component_id = existing["data"]["createComponent"]["id"]

    # when
    create = await gql(client, admin, CREATE_COMPONENT, {"name": "web", "owner": "o" * 201})
    update = await gql(client, admin, UPDATE_OWNER, {"id": component_id, "owner": "o" * 201})
    search = await gql(client, admin, COMPONENTS, {"o": "o" * 201})

    # then: the same refusal on both dialects, and nothing stored
    assert existing["data"]["createComponent"]["owner"] == "o" * 200
    for body in (create, update, search):
        (error,) = body["errors"]
        assert error["message"] == "owner cannot be accepted: text longer than 200 characters"
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "details": {"argument": "owner"}}
    assert await count(db, Component) == 1
