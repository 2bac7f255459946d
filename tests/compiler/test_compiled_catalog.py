"""The selection compiler on the catalog: the compiled path answers exactly what the
resolver path answers (values, key order, errors), in one statement, with fallbacks
field by field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.compiler.answers import post
from tests.factories import one_transaction

MOMENT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
@one_transaction
async def catalog(factory: Any) -> dict[str, Any]:
    """Two organisations. Acme: 3 components (one without owner or description, one
    named with non-ASCII letters for the cursors), 2 environments, 7 deployments (whole
    seconds and fractions, finished and not). Other: one component, one deployment."""
    factory.now = MOMENT
    acme = await factory.org("Acme")
    user = await factory.user(acme)
    prod = await factory.environment(acme, "prod")
    staging = await factory.environment(acme, "staging")
    api = await factory.component(acme, "api", description="The API")
    cafe = await factory.component(acme, "café-ü", kind="library", owner=None)
    web = await factory.component(acme, "web", lifecycle="experimental")
    await factory.deployment(api, prod, "SUCCEEDED", started_hours_ago=1, version="1.0")
    await factory.deployment(
        api, staging, "FAILED", started_hours_ago=0.0001, duration_hours=0.5, version="1.1"
    )
    await factory.deployment(api, prod, "ROLLED_BACK", started_hours_ago=30, version="0.9")
    await factory.deployment(cafe, prod, "RUNNING", started_hours_ago=2.5, version="c1")
    await factory.deployment(
        cafe, staging, "SUCCEEDED", started_hours_ago=48, duration_hours=1, version="c0"
    )
    await factory.deployment(web, staging, "PENDING", started_hours_ago=0.25, version="w1")
    await factory.deployment(web, prod, "SUCCEEDED", started_hours_ago=24, version="w0")
    await factory.audit(user, "component.created", component=api, hours_ago=3)
    await factory.audit(
        user,
        "component.updated",
        component=cafe,
        hours_ago=2.5,
        details={"zeta": 1, "alpha": [1.5, "x", None], "nested": {"b": True, "a": "ü"}},
    )
    await factory.audit(None, "environment.created", org=acme, hours_ago=1)
    await factory.audit(user, "other.family", component=api, hours_ago=0.5, family="governance")
    other = await factory.org("Other")
    omar = await factory.user(other, "omar")
    hidden = await factory.component(other, "secret-svc")
    secret_env = await factory.environment(other, "secret-env")
    await factory.deployment(hidden, secret_env, "SUCCEEDED", started_hours_ago=1, version="s")
    await factory.audit(omar, "component.created", component=hidden, hours_ago=1)
    return {"user": user, "api": api, "hidden": hidden, "prod": prod}


async def both(
    client: Any, resolver_client: Any, headers: dict[str, str], query: str, variables: Any = None
) -> tuple[str, Any]:
    """The compiled answer's raw text, after asserting it is the resolver path's answer:
    the same status, values and key order (whitespace aside: PostgreSQL writes ``: ``)."""
    compiled = await post(client, headers, query, variables)
    resolved = await post(resolver_client, headers, query, variables)
    assert compiled.status_code == resolved.status_code
    assert json.dumps(compiled.json()) == json.dumps(resolved.json()), query
    return compiled.text, compiled.json()


NESTED = """
query($first: Int!) {
  components(first: $first) {
    __typename
    edges { cursor node { id name kind lifecycle owner description createdAt updatedAt
      deployments(first: 2) { id componentId environmentId status version startedAt finishedAt
        environment { id name createdAt __typename } component { name } } } }
    pageInfo { hasNextPage endCursor __typename }
    nodes { name }
  }
}
"""


WITHOUT_CURSORS = """
{ components(first: 100) { nodes { name deployments(first: 20) {
    version status startedAt environment { name } } } } }
"""


async def test_a_fully_compiled_operation_is_one_statement(
    client, resolver_client, factory, catalog, statements
):
    headers = factory.headers(catalog["user"])
    statements.statements.clear()
    await post(client, headers, WITHOUT_CURSORS)
    # a credential this app has not seen: the caller's lookup, then one statement for
    # the whole answer
    assert len(statements.statements) == 2, statements.statements
    assert "FROM components" not in statements.statements[0]
    assert "FROM components" in statements.statements[1]
    statements.statements.clear()
    # seen: one statement, the caller's row read beside the answer (gateway/callers.py;
    # another page size, so that the answer cache has no answer for it)
    await post(client, headers, WITHOUT_CURSORS.replace("first: 100", "first: 99"))
    assert len(statements.statements) == 1, statements.statements
    assert "FROM components" in statements.statements[0]
    assert "JOIN organizations" in statements.statements[0]
    statements.statements.clear()
    await post(resolver_client, headers, WITHOUT_CURSORS)
    # the resolver path: components, deployments, environments
    assert len(statements.statements) == 4, statements.statements
    await both(client, resolver_client, headers, WITHOUT_CURSORS)


async def test_with_the_caller_kept_it_is_literally_one_statement(
    db, settings, factory, catalog, statements
):
    """GATEWAY_CALLER_CACHE_SECONDS set: a caller seen within it costs no lookup, so a
    fully compiled operation sends the database exactly one statement."""
    from tests.apps import app_client

    headers = factory.headers(catalog["user"])
    async with app_client(db, settings, caller_cache_seconds=60) as kept:
        first = await post(kept, headers, WITHOUT_CURSORS)
        statements.statements.clear()
        again = await post(kept, headers, WITHOUT_CURSORS)
    assert len(statements.statements) == 1, statements.statements
    assert "FROM components" in statements.statements[0]
    assert again.json() == first.json()
    assert [c["name"] for c in again.json()["data"]["components"]["nodes"]] == [
        "api",
        "café-ü",
        "web",
    ]


async def test_a_connection_with_cursors_answers_alike(
    client, resolver_client, factory, catalog, statements, db
):
    headers = factory.headers(catalog["user"])
    statements.statements.clear()
    compiled = await post(client, headers, NESTED, {"first": 2})
    # one statement on both: PostgreSQL writes the cursors, SQLite (no base64) their
    # values, encoded as the answer is read
    assert len(statements.statements) == 2
    body = compiled.json()
    page = body["data"]["components"]
    assert [edge["node"]["name"] for edge in page["edges"]] == ["api", "café-ü"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["edges"][0]["node"]["deployments"][0]["version"] == "1.1"
    # a fraction of a second is written, whole seconds are not (datetime.isoformat)
    assert page["edges"][0]["node"]["deployments"][0]["startedAt"] == (
        "2026-11-02T11:59:59.640000+00:00"
    )
    assert page["edges"][0]["node"]["deployments"][1]["startedAt"] == "2026-11-02T11:00:00+00:00"
    assert page["edges"][0]["node"]["deployments"][1]["finishedAt"] is None
    await both(client, resolver_client, headers, NESTED, {"first": 2})
    # the next page from the compiled cursor (non-ASCII name inside) holds the last one
    after = page["pageInfo"]["endCursor"]
    query = "query($a: String) { components(first: 5, after: $a) { nodes { name } } }"
    _, rest = await both(client, resolver_client, headers, query, {"a": after})
    assert rest["data"]["components"]["nodes"] == [{"name": "web"}]


async def test_the_whole_operation_compiled_is_spliced_as_the_databases_text(
    client, factory, catalog, db
):
    headers = factory.headers(catalog["user"])
    text = (await post(client, headers, "{ environments { name } }")).text
    if db.dialect.name == "postgresql":
        # json_build_object's own spacing: the text was never parsed and written again
        assert text.startswith('{"data":{"environments":[{"name" : "prod"}, {"name" : "staging"}]}')
    else:
        assert text.startswith('{"data":{"environments":[{"name":"prod"},{"name":"staging"}]}')


FALLBACK = """
{ components(first: 3) { nodes { name latestDeployment { version environment { name } }
    deployments(first: 1) { version } } } }
"""


async def test_a_field_without_a_declaration_falls_back_alone(
    client, resolver_client, factory, catalog, statements
):
    headers = factory.headers(catalog["user"])
    statements.statements.clear()
    response = await post(client, headers, FALLBACK)
    # caller, the compiled components and deployments, then latestDeployment's one
    # batched loader statement for the three components, then their environments'
    assert len(statements.statements) == 4, statements.statements
    assert "FROM components" not in statements.statements[0]
    assert "FROM deployments" in statements.statements[2]
    assert "FROM components" not in statements.statements[2]
    nodes = response.json()["data"]["components"]["nodes"]
    assert nodes[0] == {
        "name": "api",
        "latestDeployment": {"version": "1.1", "environment": {"name": "staging"}},
        "deployments": [{"version": "1.1"}],
    }
    await both(client, resolver_client, headers, FALLBACK)


ERRORS = [
    # nested argument refused: the resolvers answer, with the error at each parent
    ("{ components(first: 2) { nodes { name deployments(first: 0) { version } } } }", None),
    ("{ components(first: 0) { nodes { name } } }", None),
    ('{ components(after: "nonsense") { nodes { name } } }', None),
    ('{ deployments(after: "bm9wZQ") { nodes { version } } }', None),
    ("{ deployments(first: 501) { nodes { version } } }", None),
    ('{ component(id: "not-a-uuid") { name } }', None),
]


@pytest.mark.parametrize(("query", "variables"), ERRORS)
async def test_errors_are_the_resolvers_errors(
    client, resolver_client, factory, catalog, query, variables
):
    headers = factory.headers(catalog["user"])
    _, body = await both(client, resolver_client, headers, query, variables)
    assert body["errors"]


CORPUS = [
    "{ environments { id name createdAt } }",
    "{ environments { __typename n: name } }",
    "query($id: UUID!) { component(id: $id) { name deployments { version status } } }",
    '{ component(id: "00000000-0000-0000-0000-000000000000") { name } }',
    "{ deployments(first: 3) { edges { cursor node { version component { name } } } "
    "pageInfo { endCursor hasNextPage } } }",
    "{ deployments(status: SUCCEEDED) { nodes { version } } }",
    '{ components(kind: "library") { nodes { name owner } } }',
    '{ components(search: "A") { nodes { name } } }',
    "{ a: components(first: 1) { nodes { name } } b: components(first: 1) { nodes { kind } } }",
    "query($skip: Boolean!) { components { nodes { name kind @skip(if: $skip) "
    "deployments(status: FAILED) @include(if: $skip) { version } } } }",
    "fragment C on Component { name ...D } fragment D on Component { lifecycle } "
    "{ components { nodes { ...C ... on Component { createdAt } } } }",
    "{ components { nodes { name } } environments { name } catalogHealth "
    "{ ownershipCoverage { total } } }",
    "{ components(first: 1) { edges { node { name } } nodes { name } } }",
    "{ auditEvents { edges { cursor node { id family action actorId subjectType subjectId "
    "componentId createdAt details actor { name department { name } } component { name } } } "
    "pageInfo { hasNextPage endCursor } } }",
    '{ auditEvents(first: 2, action: "component.updated") { nodes { action details } } }',
    "query($id: UUID!) { auditEvents(componentId: $id) { nodes { action component { name } } } }",
]


@pytest.mark.parametrize("query", CORPUS)
async def test_the_corpus_answers_alike(client, resolver_client, factory, catalog, query):
    headers = factory.headers(catalog["user"])
    variables = {"id": str(catalog["api"]["id"]), "skip": True}
    if "$" not in query:
        variables = {}
    elif "$id" not in query:
        variables = {"skip": True}
    else:
        variables = {"id": str(catalog["api"]["id"])}
    _, body = await both(client, resolver_client, headers, query, variables)
    assert "errors" not in body, body


async def test_audit_events_compile_with_their_documents(client, factory, catalog, statements):
    headers = factory.headers(catalog["user"])
    statements.statements.clear()
    query = "{ auditEvents { nodes { action details actor { name } } } }"
    body = (await post(client, headers, query)).json()
    assert len(statements.statements) == 2  # the caller, then one statement
    # the portal's own events, newest first, each document with its stored key order
    assert body["data"]["auditEvents"]["nodes"] == [
        {"action": "environment.created", "details": {}, "actor": None},
        {
            "action": "component.updated",
            "details": {"zeta": 1, "alpha": [1.5, "x", None], "nested": {"b": True, "a": "ü"}},
            "actor": {"name": "Jane"},
        },
        {"action": "component.created", "details": {}, "actor": {"name": "Jane"}},
    ]
    assert list(body["data"]["auditEvents"]["nodes"][1]["details"]) == ["zeta", "alpha", "nested"]


async def test_another_organisations_rows_never_come_through_the_compiled_path(
    client, factory, catalog
):
    headers = factory.headers(catalog["user"])
    queries = [
        NESTED.replace("$first", "50").replace("query($first: Int!)", ""),
        "{ environments { name } }",
        "{ deployments(first: 50) { nodes { version component { name } environment { name } } } }",
        "{ auditEvents(first: 50) { nodes { action actor { name } component { name } } } }",
        f'{{ component(id: "{catalog["hidden"]["id"]}") {{ name }} }}',
    ]
    for query in queries:
        text = (await post(client, headers, query)).text
        assert "secret" not in text and '"s"' not in text, text
    answer = (await post(client, headers, queries[-1])).json()
    assert answer["data"] == {"component": None}


VARIABLE_FIRST = """
query($n: Int!, $yes: Boolean!) { components(first: 2) { nodes { name
    deployments(first: $n) { version startedAt @include(if: $yes) } } } }
"""


async def test_a_repeated_operation_reuses_its_template_per_variable_values(
    client, resolver_client, factory, catalog, monkeypatch
):
    from gateway.compiler import run

    built: list[object] = []
    original = run.Builder.__init__

    def counting(self: object, *args: Any) -> None:
        built.append(self)
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(run.Builder, "__init__", counting)
    headers = factory.headers(catalog["user"])
    for n, yes in ((1, True), (1, True), (2, True), (1, False), (2, True)):
        _, body = await both(client, resolver_client, headers, VARIABLE_FIRST, {"n": n, "yes": yes})
        assert len(body["data"]["components"]["nodes"][0]["deployments"]) == n
    # one template per value of the variables the selection reads: (1, T), (2, T), (1, F)
    assert len(built) == 3


BY_STATUS = """
query($status: DeploymentStatus, $after: String) {
  deployments(first: 2, status: $status, after: $after) {
    nodes { version status } pageInfo { hasNextPage endCursor } } }
"""


async def test_one_statement_object_per_shape_of_the_roots_rows(
    client, resolver_client, factory, catalog, db
):
    """The root's own conditions change per request; the statement sent stays one
    object per shape (which conditions, not their values), so SQLAlchemy keys and
    compiles it once, and each request's values still reach it."""
    from sqlalchemy import event

    sent: list[object] = []

    def on_execute(conn: Any, clause: Any, *args: Any) -> None:
        # the compiled statement: the one with the ``page`` CTE of the root's rows (with
        # the caller's lookup beside it: the credential is seen, gateway/callers.py)
        if str(clause).startswith("WITH page"):
            sent.append(clause)

    headers = factory.headers(catalog["user"])
    for seen in (client, resolver_client):
        await post(seen, headers, "{ components(first: 1) { nodes { name } } }")
    event.listen(db.sync_engine, "before_execute", on_execute)
    try:
        answers = []
        for status in ("SUCCEEDED", "FAILED", "SUCCEEDED"):
            _, body = await both(client, resolver_client, headers, BY_STATUS, {"status": status})
            answers.append(body["data"]["deployments"])
        cursor = answers[0]["pageInfo"]["endCursor"]
        _, after = await both(
            client, resolver_client, headers, BY_STATUS, {"status": "SUCCEEDED", "after": cursor}
        )
    finally:
        event.remove(db.sync_engine, "before_execute", on_execute)
    # SUCCEEDED: api 1.0 (1 h), w0 (24 h), c0 (48 h); FAILED: api 1.1
    assert [n["version"] for n in answers[0]["nodes"]] == ["1.0", "w0"]
    assert answers[0]["pageInfo"]["hasNextPage"] is True
    assert [n["version"] for n in answers[1]["nodes"]] == ["1.1"]
    assert answers[2] == answers[0]
    assert [n["version"] for n in after["data"]["deployments"]["nodes"]] == ["c0"]
    compiled = sent
    # three requests of one shape (a status, no cursor): one object; the cursor is another
    assert len(compiled) == 4
    assert compiled[0] is compiled[1] is compiled[2]
    assert compiled[3] is not compiled[0]


def test_a_declared_column_without_a_rendering_is_refused_at_declaration() -> None:
    from sqlalchemy import Column, Float, MetaData, String, Table

    from gateway.compiler.spec import Column as Field
    from gateway.compiler.spec import Node, compilable

    table = Table("t", MetaData(), Column("id", Float), Column("org_id", Float))
    with pytest.raises(TypeError, match=r"T\.id: no SQL rendering"):
        compilable(Node("T", table, {"id": Field("id")}), lambda row: row)
    # and a table without the organisation's column is never read by the compiler
    untenanted = Table("u", MetaData(), Column("name", String))
    with pytest.raises(TypeError, match="U: u has no org_id to filter by"):
        compilable(Node("U", untenanted, {"name": Field("name")}), lambda row: row)
