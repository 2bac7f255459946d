"""The selection compiler on MCP sessions and the configuration audit: mcpSessions,
mcpSession(id), Nhi.mcpSessions and configAudit answer exactly what the resolver path
answers (values, key order, errors), in one statement; the per-session counts go to the
resolver path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.compiler.answers import both, post, variables_for
from tests.factories import one_transaction

MOMENT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
# The window every query names: [MOMENT - 24 h, MOMENT).
WINDOW = 'from: "2026-11-01T12:00:00+00:00", to: "2026-11-02T12:00:00+00:00"'


@pytest.fixture
@one_transaction
async def mcp(factory: Any) -> dict[str, Any]:
    """Two organisations. Acme: NHI bot; sessions, newest first: s3 (1 h before MOMENT,
    bot, one call), s2 (2 h before at .25 s, no client, no calls), s1 (3 h before, bot,
    two calls, 1 s and 2.5 s after it started), s0 (30 h before: outside the window).
    Other: one session of secret-client, with one call of secret.tool."""
    factory.now = MOMENT
    acme = await factory.org("Acme")
    user = await factory.user(acme)
    bot = await factory.nhi(acme, "bot", 1)
    s0 = await factory.mcp_session(acme, MOMENT - timedelta(hours=30), nhi_id=bot["id"])
    s1 = await factory.mcp_session(acme, MOMENT - timedelta(hours=3), nhi_id=bot["id"])
    await factory.tool_call(s1, s1["started_at"] + timedelta(seconds=1), "a.tool", "passed", 12)
    await factory.tool_call(s1, s1["started_at"] + timedelta(seconds=2.5), "b.tool", "blocked", 340)
    s2 = await factory.mcp_session(
        acme, MOMENT - timedelta(hours=2, microseconds=-250000), client=None
    )
    s3 = await factory.mcp_session(acme, MOMENT - timedelta(hours=1), "cursor", nhi_id=bot["id"])
    await factory.tool_call(s3, s3["started_at"] + timedelta(minutes=1), "a.tool", "corrected")
    other = await factory.org("Other")
    await factory.user(other, "omar")
    hidden = await factory.mcp_session(other, MOMENT - timedelta(hours=1), "secret-client")
    await factory.tool_call(hidden, MOMENT - timedelta(minutes=30), "secret.tool")
    # Configuration changes, newest first: c1 (1 h before, by the user, documents with
    # keys out of order), c2 (2 h before at .5 s, no actor, old null, new a string), c3
    # (3 h before, a number to a list), c0 (30 h before: outside). Other: secret-target.
    c0 = await factory.config_change(acme, MOMENT - timedelta(hours=30), old_value=1)
    c1 = await factory.config_change(
        acme,
        MOMENT - timedelta(hours=1),
        actor_id=user["id"],
        old_value={"mode": "lax", "z": 1, "a": [True, None]},
        new_value={"mode": "strict"},
    )
    await factory.config_change(
        acme,
        MOMENT - timedelta(hours=2, microseconds=-500000),
        "name",
        new_value="new name",
    )
    await factory.config_change(
        acme, MOMENT - timedelta(hours=3), "limit", old_value=5, new_value=[1, 2.5]
    )
    await factory.config_change(
        other, MOMENT - timedelta(hours=1), target_id="secret-target", new_value="secret"
    )
    return {
        "user": user,
        "bot": bot,
        "s0": s0,
        "s1": s1,
        "s2": s2,
        "s3": s3,
        "hidden": hidden,
        "c0": c0,
        "c1": c1,
    }


CALL_FIELDS = "id sessionId tool verdict latencyMs createdAt __typename"
SESSION_FIELDS = f"id client nhiId startedAt __typename calls {{ {CALL_FIELDS} }}"

PAGE = f"""
query($first: Int!, $after: String) {{
  mcpSessions({WINDOW}, first: $first, after: $after) {{
    edges {{ cursor node {{ {SESSION_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


async def test_a_page_of_sessions_and_their_calls_is_one_statement(
    client, resolver_client, factory, mcp, statements
):
    headers = factory.headers(mcp["user"])
    query = f"{{ mcpSessions({WINDOW}) {{ nodes {{ client calls {{ tool }} }} }} }}"
    statements.statements.clear()
    body = (await post(client, headers, query)).json()
    # the caller's lookup, then one statement for the sessions and their calls
    assert len(statements.statements) == 2, statements.statements
    assert "json_" in statements.statements[1]
    assert body["data"]["mcpSessions"]["nodes"] == [
        {"client": "cursor", "calls": [{"tool": "a.tool"}]},
        {"client": None, "calls": []},
        {"client": "claude", "calls": [{"tool": "a.tool"}, {"tool": "b.tool"}]},
    ]
    statements.statements.clear()
    await post(resolver_client, headers, query)
    # the resolver path: the caller, the page, the calls' batch
    assert len(statements.statements) == 3, statements.statements


async def test_pages_and_cursors_answer_alike(client, resolver_client, factory, mcp):
    headers = factory.headers(mcp["user"])
    body = await both(client, resolver_client, headers, PAGE, {"first": 2})
    page = body["data"]["mcpSessions"]
    s3, s2 = (edge["node"] for edge in page["edges"])
    assert s3["id"] == str(mcp["s3"]["id"]) and s3["nhiId"] == str(mcp["bot"]["id"])
    assert s3["calls"][0]["verdict"] == "corrected"
    # a fraction of a second is written, whole seconds are not (datetime.isoformat)
    assert s2["startedAt"] == "2026-11-02T10:00:00.250000+00:00"
    assert s2["client"] is None and s2["nhiId"] is None and s2["calls"] == []
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    rest = await both(client, resolver_client, headers, PAGE, {"first": 2, "after": after})
    (s1,) = (edge["node"] for edge in rest["data"]["mcpSessions"]["edges"])
    assert s1["calls"] == [
        {
            "id": s1["calls"][0]["id"],
            "sessionId": str(mcp["s1"]["id"]),
            "tool": "a.tool",
            "verdict": "passed",
            "latencyMs": 12,
            "createdAt": "2026-11-02T09:00:01+00:00",
            "__typename": "McpToolCall",
        },
        {
            "id": s1["calls"][1]["id"],
            "sessionId": str(mcp["s1"]["id"]),
            "tool": "b.tool",
            "verdict": "blocked",
            "latencyMs": 340,
            "createdAt": "2026-11-02T09:00:02.500000+00:00",
            "__typename": "McpToolCall",
        },
    ]
    # s0 started outside the window
    assert rest["data"]["mcpSessions"]["pageInfo"]["hasNextPage"] is False


# Non-null fields counted per session: the root goes to the resolvers.
RESOLVED = [
    f"{{ mcpSessions({WINDOW}) {{ nodes {{ client toolCalls }} }} }}",
    f"{{ mcpSessions({WINDOW}) {{ nodes {{ verdicts {{ passed blocked }} }} }} }}",
    "query($id: UUID!) { mcpSession(id: $id) { client byTool { tool calls } } }",
    "query($bot: UUID!) { nhi(id: $bot) { mcpSessions { toolCalls } } }",
]


@pytest.mark.parametrize("query", RESOLVED)
async def test_a_count_sends_the_root_to_the_resolvers(
    client, resolver_client, factory, mcp, statements, query
):
    headers = factory.headers(mcp["user"])
    variables = {"id": str(mcp["s1"]["id"])} if "$id" in query else {}
    if "$bot" in query:
        variables = {"bot": str(mcp["bot"]["id"])}
    statements.statements.clear()
    await post(client, headers, query, variables)
    assert not any("json_" in s for s in statements.statements), statements.statements
    body = await both(client, resolver_client, headers, query, variables)
    assert "errors" not in body, body


ERRORS = [
    f"{{ mcpSessions({WINDOW}, first: 0) {{ nodes {{ id }} }} }}",
    f'{{ mcpSessions({WINDOW}, after: "nonsense") {{ nodes {{ id }} }} }}',
    '{ mcpSessions(from: "2026-11-02T12:00:00+00:00", to: "2026-11-01T12:00:00+00:00") '
    "{ nodes { id } } }",
    '{ mcpSession(id: "not-a-uuid") { id } }',
    # a nested argument refused: the resolvers answer, with the error at each parent
    "{ nhis { nodes { label mcpSessions(first: 0) { id } } } }",
]


@pytest.mark.parametrize("query", ERRORS)
async def test_errors_are_the_resolvers_errors(client, resolver_client, factory, mcp, query):
    headers = factory.headers(mcp["user"])
    body = await both(client, resolver_client, headers, query)
    assert body["errors"]


CORPUS = [
    f"{{ mcpSessions({WINDOW}, first: 100) {{ nodes {{ {SESSION_FIELDS} }} }} }}",
    "{ mcpSessions { nodes { id } } }",
    f"{{ a: mcpSessions({WINDOW}, first: 1) {{ nodes {{ c: client }} }} "
    f"b: mcpSessions({WINDOW}) {{ edges {{ cursor }} }} }}",
    f"query($skip: Boolean!) {{ mcpSessions({WINDOW}) {{ nodes {{ client @skip(if: $skip) "
    "calls @include(if: $skip) { tool } } } }",
    "fragment S on McpSession { client calls { ...C } } fragment C on McpToolCall { tool } "
    f"{{ mcpSessions({WINDOW}) {{ nodes {{ ...S ... on McpSession {{ startedAt }} }} }} }}",
    f"query($id: UUID!) {{ mcpSession(id: $id) {{ {SESSION_FIELDS} }} }}",
    '{ mcpSession(id: "00000000-0000-0000-0000-000000000000") { id } }',
    "query($bot: UUID!) { nhi(id: $bot) { label mcpSessions { client startedAt "
    "calls { tool } } one: mcpSessions(first: 1) { client } } }",
    "{ nhis { nodes { label mcpSessions(first: 10) { id client } } } }",
]


@pytest.mark.parametrize("query", CORPUS)
async def test_the_corpus_answers_alike(client, resolver_client, factory, mcp, query):
    headers = factory.headers(mcp["user"])
    variables = variables_for(query, id=str(mcp["s1"]["id"]), bot=str(mcp["bot"]["id"]))
    body = await both(client, resolver_client, headers, query, variables)
    assert "errors" not in body, body


async def test_another_organisations_sessions_never_come_through_the_compiled_path(
    client, factory, mcp
):
    headers = factory.headers(mcp["user"])
    hidden = str(mcp["hidden"]["id"])
    queries = [
        f"{{ mcpSessions({WINDOW}, first: 100) {{ nodes {{ {SESSION_FIELDS} }} }} }}",
        "{ nhis { nodes { mcpSessions(first: 100) { id client calls { tool } } } } }",
        f'{{ mcpSession(id: "{hidden}") {{ client calls {{ tool }} }} }}',
    ]
    for query in queries:
        text = (await post(client, headers, query)).text
        assert "secret" not in text and hidden not in text, text
    answer = (await post(client, headers, queries[-1])).json()
    assert answer["data"] == {"mcpSession": None}


CHANGE_FIELDS = "id actorId targetType targetId field oldValue newValue changedAt __typename"

CHANGES = f"""
query($first: Int!, $after: String) {{
  configAudit({WINDOW}, first: $first, after: $after) {{
    edges {{ cursor node {{ {CHANGE_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


async def test_the_configuration_audit_compiles_with_its_documents(
    client, resolver_client, factory, mcp, statements
):
    headers = factory.headers(mcp["user"])
    statements.statements.clear()
    await post(client, headers, CHANGES, {"first": 2})
    # the caller's lookup, then one statement, built as JSON by the database
    assert len(statements.statements) == 2, statements.statements
    assert "json_" in statements.statements[1]
    body = await both(client, resolver_client, headers, CHANGES, {"first": 2})
    page = body["data"]["configAudit"]
    c1, c2 = (edge["node"] for edge in page["edges"])
    assert c1["id"] == str(mcp["c1"]["id"]) and c1["actorId"] == str(mcp["user"]["id"])
    # the stored documents, keys in their stored order
    assert json.dumps(c1["oldValue"]) == '{"mode": "lax", "z": 1, "a": [true, null]}'
    assert c1["newValue"] == {"mode": "strict"} and c1["targetType"] == "guardian"
    assert c2 == {
        "id": c2["id"],
        "actorId": None,
        "targetType": "guardian",
        "targetId": "gov_target",
        "field": "name",
        "oldValue": None,
        "newValue": "new name",
        "changedAt": "2026-11-02T10:00:00.500000+00:00",
        "__typename": "ConfigChange",
    }
    after = page["pageInfo"]["endCursor"]
    rest = await both(client, resolver_client, headers, CHANGES, {"first": 2, "after": after})
    (c3,) = (edge["node"] for edge in rest["data"]["configAudit"]["edges"])
    assert (c3["oldValue"], c3["newValue"]) == (5, [1, 2.5])
    # c0 is outside the window
    assert rest["data"]["configAudit"]["pageInfo"]["hasNextPage"] is False


CHANGE_QUERIES = [
    f"{{ configAudit({WINDOW}, first: 0) {{ nodes {{ id }} }} }}",
    f'{{ configAudit({WINDOW}, after: "nonsense") {{ nodes {{ id }} }} }}',
    f"{{ a: configAudit({WINDOW}, first: 1) {{ nodes {{ f: field }} }} "
    f"b: configAudit({WINDOW}) {{ nodes {{ newValue oldValue }} }} }}",
    f"query($skip: Boolean!) {{ configAudit({WINDOW}) {{ nodes {{ field "
    "oldValue @skip(if: $skip) newValue @include(if: $skip) } } }",
    "fragment C on ConfigChange { field ...D } fragment D on ConfigChange { targetId } "
    f"{{ configAudit({WINDOW}) {{ nodes {{ ...C ... on ConfigChange {{ changedAt }} }} }} }}",
]


@pytest.mark.parametrize("query", CHANGE_QUERIES)
async def test_configuration_queries_answer_alike(client, resolver_client, factory, mcp, query):
    headers = factory.headers(mcp["user"])
    variables = {"skip": True} if "$skip" in query else {}
    await both(client, resolver_client, headers, query, variables)


async def test_another_organisations_changes_never_come_through(client, factory, mcp):
    headers = factory.headers(mcp["user"])
    query = f"{{ configAudit({WINDOW}, first: 100) {{ nodes {{ {CHANGE_FIELDS} }} }} }}"
    text = (await post(client, headers, query)).text
    assert "secret" not in text and text.count('"field"') == 3, text
