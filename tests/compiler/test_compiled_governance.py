"""The selection compiler on the governance family: guardians, guardian(id), nhis and
nhi(id) answer exactly what the resolver path answers (values, key order, errors), in one
statement; a selection of a field left to the resolvers goes to the resolver path whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.compiler.answers import both, post, variables_for
from tests.factories import one_transaction

MOMENT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
@one_transaction
async def governance(factory: Any) -> dict[str, Any]:
    """Two organisations. Acme: 4 guardians, created a minute apart (one at a fraction of
    a second), by name (lower case: the same order under any collation): alpha (live,
    active, described), beta (test, inactive, no description), café-ü (dev, non-ASCII
    for the cursors), gamma (live, active, tags and config). Other: one guardian,
    secret-guard."""
    factory.now = MOMENT
    acme = await factory.org("Acme")
    user = await factory.user(acme)
    alpha = await factory.guardian(acme, "alpha", description="Checks PII")
    factory.now = MOMENT + timedelta(minutes=1, microseconds=120000)
    beta = await factory.guardian(acme, "beta", environment="test", is_active=False)
    factory.now = MOMENT + timedelta(minutes=2)
    gamma = await factory.guardian(acme, "gamma", tags=["pii", "eu"], config={"mode": "strict"})
    factory.now = MOMENT + timedelta(minutes=3)
    cafe = await factory.guardian(acme, "café-ü", environment="dev")
    other = await factory.org("Other")
    await factory.user(other, "omar")
    hidden = await factory.guardian(other, "secret-guard", description="secret")
    # NHIs by label: agent-x (no owner, never seen, no guardian), build-bot (owned, seen
    # at a fraction of a second, guarded by gamma and alpha: listed alpha, gamma),
    # café-nhi (guarded by beta). Other: secret-nhi, guarded by secret-guard.
    factory.now = MOMENT + timedelta(hours=1)
    agent = await factory.nhi(acme, "agent-x", 3, kind="ai_agent", federation_status="pending")
    bot = await factory.nhi(
        acme,
        "build-bot",
        1,
        kind="ci_runner",
        owner_id=user["id"],
        last_seen_at=MOMENT + timedelta(hours=2, microseconds=5000),
    )
    cafe_nhi = await factory.nhi(acme, "café-nhi", 4, federation_status="unverified")
    await factory.bind(bot, gamma)
    await factory.bind(bot, alpha)
    await factory.bind(cafe_nhi, beta)
    secret_nhi = await factory.nhi(other, "secret-nhi", 2)
    await factory.bind(secret_nhi, hidden)
    return {
        "agent": agent,
        "bot": bot,
        "secret_nhi": secret_nhi,
        "user": user,
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "cafe": cafe,
        "hidden": hidden,
    }


GUARDIAN_FIELDS = "id name description environment isActive createdAt __typename"

GUARDIANS_PAGE = f"""
query($first: Int!, $after: String) {{
  guardians(first: $first, after: $after) {{
    __typename
    edges {{ cursor node {{ {GUARDIAN_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ name }}
  }}
}}
"""


async def test_a_fully_compiled_guardians_page_is_one_statement(
    client, resolver_client, factory, governance, statements
):
    headers = factory.headers(governance["user"])
    query = "{ guardians(first: 10) { nodes { name environment isActive } } }"
    statements.statements.clear()
    await post(client, headers, query)
    # the caller's lookup, then one statement for the whole answer
    assert len(statements.statements) == 2, statements.statements
    assert "FROM guardians" not in statements.statements[0]
    assert "FROM guardians" in statements.statements[1]
    # built as JSON by the database (the resolver path also reads the page in one)
    assert "json_" in statements.statements[1]
    statements.statements.clear()
    one = "query($id: UUID!) { guardian(id: $id) { name createdAt } }"
    await post(client, headers, one, {"id": str(governance["alpha"]["id"])})
    # the caller seen now (gateway/callers.py): its row read beside the answer
    assert len(statements.statements) == 1, statements.statements
    assert "json_" in statements.statements[0] and "JOIN organizations" in statements.statements[0]
    await both(client, resolver_client, headers, query)


async def test_pages_and_cursors_answer_alike(client, resolver_client, factory, governance):
    headers = factory.headers(governance["user"])
    body = await both(client, resolver_client, headers, GUARDIANS_PAGE, {"first": 3})
    page = body["data"]["guardians"]
    assert [edge["node"]["name"] for edge in page["edges"]] == ["alpha", "beta", "café-ü"]
    alpha, beta, _ = (edge["node"] for edge in page["edges"])
    assert alpha == {
        "id": str(governance["alpha"]["id"]),
        "name": "alpha",
        "description": "Checks PII",
        "environment": "live",
        "isActive": True,
        "createdAt": "2026-11-02T12:00:00+00:00",
        "__typename": "Guardian",
    }
    # a fraction of a second is written, whole seconds are not (datetime.isoformat)
    assert beta["createdAt"] == "2026-11-02T12:01:00.120000+00:00"
    assert beta["description"] is None and beta["isActive"] is False
    assert page["pageInfo"]["hasNextPage"] is True
    # the next page from the compiled cursor, which holds the non-ASCII name
    after = page["pageInfo"]["endCursor"]
    rest = await both(
        client, resolver_client, headers, GUARDIANS_PAGE, {"first": 3, "after": after}
    )
    second = rest["data"]["guardians"]
    assert [n["name"] for n in second["nodes"]] == ["gamma"]
    assert second["pageInfo"]["hasNextPage"] is False
    last = await both(
        client,
        resolver_client,
        headers,
        GUARDIANS_PAGE,
        {"first": 3, "after": second["pageInfo"]["endCursor"]},
    )
    assert last["data"]["guardians"]["nodes"] == []
    assert last["data"]["guardians"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}


# Non-null fields left to the resolvers (JSON tags and config, computed verdictStats and
# recentVerdicts): null cannot stand in for them, so the root goes to the resolvers.
RESOLVED = [
    "{ guardians { nodes { name tags } } }",
    "{ guardians { nodes { name config } } }",
    "{ guardians { nodes { name recentVerdicts { id } } } }",
    "{ guardians { nodes { name verdictStats { totals { requests } } } } }",
]


@pytest.mark.parametrize("query", RESOLVED)
async def test_a_field_left_to_the_resolvers_sends_the_root_there(
    client, resolver_client, factory, governance, statements, query
):
    headers = factory.headers(governance["user"])
    statements.statements.clear()
    await post(client, headers, query)
    # the compiled client read the page as the resolvers read it: no JSON built in SQL
    assert not any("json_" in s for s in statements.statements), statements.statements
    body = await both(client, resolver_client, headers, query)
    assert "errors" not in body, body
    nodes = {n["name"]: n for n in body["data"]["guardians"]["nodes"]}
    if "tags" in query:
        assert nodes["gamma"]["tags"] == ["pii", "eu"] and nodes["alpha"]["tags"] == []
    if "config" in query:
        assert nodes["gamma"]["config"] == {"mode": "strict"}


ERRORS = [
    "{ guardians(first: 0) { nodes { name } } }",
    "{ guardians(first: 501) { nodes { name } } }",
    '{ guardians(after: "nonsense") { nodes { name } } }',
    '{ guardians(environment: "prod") { nodes { name } } }',
    '{ guardian(id: "not-a-uuid") { name } }',
]


@pytest.mark.parametrize("query", ERRORS)
async def test_errors_are_the_resolvers_errors(client, resolver_client, factory, governance, query):
    headers = factory.headers(governance["user"])
    body = await both(client, resolver_client, headers, query)
    assert body["errors"]


CORPUS = [
    f"{{ guardians(first: 100) {{ nodes {{ {GUARDIAN_FIELDS} }} }} }}",
    '{ guardians(environment: "live") { nodes { name environment } } }',
    "{ guardians(isActive: false) { nodes { name isActive } } }",
    '{ guardians(environment: "dev", isActive: true) { edges { cursor node { name } } } }',
    '{ guardians(environment: "test", isActive: true) { nodes { name } '
    "pageInfo { hasNextPage endCursor } } }",
    "{ a: guardians(first: 1) { nodes { n: name } } b: guardians(first: 3) { nodes { id } } }",
    "query($skip: Boolean!) { guardians { nodes { name description @skip(if: $skip) "
    "createdAt @include(if: $skip) } } }",
    "fragment G on Guardian { name ...H } fragment H on Guardian { environment } "
    "{ guardians { nodes { ...G ... on Guardian { isActive } } } }",
    "query($id: UUID!) { guardian(id: $id) { id name description environment isActive "
    "createdAt __typename } }",
    '{ guardian(id: "00000000-0000-0000-0000-000000000000") { name } }',
    "query($id: UUID!) { g: guardian(id: $id) { ...on Guardian { name } } guardians(first: 1) "
    "{ nodes { name } } }",
]


@pytest.mark.parametrize("query", CORPUS)
async def test_the_corpus_answers_alike(client, resolver_client, factory, governance, query):
    headers = factory.headers(governance["user"])
    variables = variables_for(query, id=str(governance["beta"]["id"]))
    body = await both(client, resolver_client, headers, query, variables)
    assert "errors" not in body, body


async def test_another_organisations_rows_never_come_through_the_compiled_path(
    client, factory, governance
):
    headers = factory.headers(governance["user"])
    hidden = str(governance["hidden"]["id"])
    queries = [
        f"{{ guardians(first: 100) {{ nodes {{ {GUARDIAN_FIELDS} }} }} }}",
        f'{{ guardian(id: "{hidden}") {{ name description }} }}',
    ]
    for query in queries:
        text = (await post(client, headers, query)).text
        assert "secret" not in text and hidden not in text, text
    answer = (await post(client, headers, queries[-1])).json()
    assert answer["data"] == {"guardian": None}


NHI_FIELDS = "id label kind tier federationStatus ownerId createdAt lastSeenAt __typename"

NHIS_PAGE = f"""
query($first: Int!, $after: String) {{
  nhis(first: $first, after: $after) {{
    edges {{ cursor node {{ {NHI_FIELDS} guardians {{ name environment isActive }} }} }}
    pageInfo {{ hasNextPage endCursor __typename }}
  }}
}}
"""


async def test_a_page_of_nhis_with_their_guardians_is_one_statement(
    client, resolver_client, factory, governance, statements
):
    headers = factory.headers(governance["user"])
    query = "{ nhis(first: 10) { nodes { label guardians { name } } } }"
    statements.statements.clear()
    body = (await post(client, headers, query)).json()
    # the caller's lookup, then one statement for the NHIs and their guardians
    assert len(statements.statements) == 2, statements.statements
    assert "json_" in statements.statements[1]
    assert body["data"]["nhis"]["nodes"] == [
        {"label": "agent-x", "guardians": []},
        {"label": "build-bot", "guardians": [{"name": "alpha"}, {"name": "gamma"}]},
        {"label": "café-nhi", "guardians": [{"name": "beta"}]},
    ]
    statements.statements.clear()
    await post(resolver_client, headers, query)
    # the resolver path: the caller, the page, the guardians' batch
    assert len(statements.statements) == 3, statements.statements
    statements.statements.clear()
    one = "query($id: UUID!) { nhi(id: $id) { label guardians { name } } }"
    await post(client, headers, one, {"id": str(governance["bot"]["id"])})
    # the caller seen now: one statement
    assert len(statements.statements) == 1, statements.statements
    await both(client, resolver_client, headers, one, {"id": str(governance["bot"]["id"])})


async def test_nhi_pages_and_cursors_answer_alike(client, resolver_client, factory, governance):
    headers = factory.headers(governance["user"])
    body = await both(client, resolver_client, headers, NHIS_PAGE, {"first": 2})
    page = body["data"]["nhis"]
    agent, bot = (edge["node"] for edge in page["edges"])
    assert agent == {
        "id": str(governance["agent"]["id"]),
        "label": "agent-x",
        "kind": "ai_agent",
        "tier": 3,
        "federationStatus": "pending",
        "ownerId": None,
        "createdAt": "2026-11-02T13:00:00+00:00",
        "lastSeenAt": None,
        "__typename": "Nhi",
        "guardians": [],
    }
    assert bot["ownerId"] == str(governance["user"]["id"])
    assert bot["lastSeenAt"] == "2026-11-02T14:00:00.005000+00:00"
    assert bot["guardians"][0] == {"name": "alpha", "environment": "live", "isActive": True}
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    rest = await both(client, resolver_client, headers, NHIS_PAGE, {"first": 2, "after": after})
    nodes = [edge["node"] for edge in rest["data"]["nhis"]["edges"]]
    assert [(n["label"], n["tier"]) for n in nodes] == [("café-nhi", 4)]
    assert nodes[0]["guardians"] == [{"name": "beta", "environment": "test", "isActive": False}]
    assert rest["data"]["nhis"]["pageInfo"]["hasNextPage"] is False


NHI_RESOLVED = [
    # a nested guardian's JSON field: the whole root goes to the resolvers
    "{ nhis { nodes { label guardians { name tags } } } }",
    "{ nhis { nodes { label anomalies { id } } } }",
    "{ nhis { nodes { label mcpSessions { toolCalls } } } }",
    "{ nhis { nodes { label risk { riskScore } } } }",
]


@pytest.mark.parametrize("query", NHI_RESOLVED)
async def test_an_nhi_field_left_to_the_resolvers_sends_the_root_there(
    client, resolver_client, factory, governance, statements, query
):
    headers = factory.headers(governance["user"])
    statements.statements.clear()
    await post(client, headers, query)
    assert not any("json_" in s for s in statements.statements), statements.statements
    body = await both(client, resolver_client, headers, query)
    assert "errors" not in body, body
    assert [n["label"] for n in body["data"]["nhis"]["nodes"]] == [
        "agent-x",
        "build-bot",
        "café-nhi",
    ]


NHI_ERRORS = [
    "{ nhis(first: 0) { nodes { label } } }",
    "{ nhis(first: 501) { nodes { label } } }",
    '{ nhis(after: "nonsense") { nodes { label } } }',
    '{ nhi(id: "not-a-uuid") { label } }',
]


@pytest.mark.parametrize("query", NHI_ERRORS)
async def test_nhi_errors_are_the_resolvers_errors(
    client, resolver_client, factory, governance, query
):
    headers = factory.headers(governance["user"])
    body = await both(client, resolver_client, headers, query)
    assert body["errors"]


NHI_CORPUS = [
    f"{{ nhis(first: 100) {{ nodes {{ {NHI_FIELDS} guardians {{ {GUARDIAN_FIELDS} }} }} }} }}",
    "{ a: nhis(first: 1) { nodes { l: label } } b: nhis(first: 3) { nodes { tier g: guardians "
    "{ n: name } } } }",
    "query($skip: Boolean!) { nhis { nodes { label ownerId @skip(if: $skip) "
    "guardians @include(if: $skip) { name } } } }",
    "fragment N on Nhi { label ...M } fragment M on Nhi { kind guardians { ...G } } "
    "fragment G on Guardian { name } { nhis { nodes { ...N ... on Nhi { tier } } } }",
    f"query($id: UUID!) {{ nhi(id: $id) {{ {NHI_FIELDS} guardians {{ id name }} }} }}",
    '{ nhi(id: "00000000-0000-0000-0000-000000000000") { label } }',
    "query($id: UUID!) { nhi(id: $id) { label } nhis(first: 1) { pageInfo { endCursor } } "
    "guardians(first: 1) { nodes { name } } }",
]


@pytest.mark.parametrize("query", NHI_CORPUS)
async def test_the_nhi_corpus_answers_alike(client, resolver_client, factory, governance, query):
    headers = factory.headers(governance["user"])
    variables = variables_for(query, id=str(governance["bot"]["id"]))
    body = await both(client, resolver_client, headers, query, variables)
    assert "errors" not in body, body


async def test_another_organisations_nhis_never_come_through_the_compiled_path(
    client, factory, governance
):
    headers = factory.headers(governance["user"])
    hidden = str(governance["secret_nhi"]["id"])
    queries = [
        f"{{ nhis(first: 100) {{ nodes {{ {NHI_FIELDS} guardians {{ name description }} }} }} }}",
        f'{{ nhi(id: "{hidden}") {{ label guardians {{ name }} }} }}',
    ]
    for query in queries:
        text = (await post(client, headers, query)).text
        assert "secret" not in text and hidden not in text, text
    answer = (await post(client, headers, queries[-1])).json()
    assert answer["data"] == {"nhi": None}
