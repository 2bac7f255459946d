"""Sending one query through both paths, for the compiler's per-family tests."""

from __future__ import annotations

import json
from typing import Any


async def post(client: Any, headers: dict[str, str], query: str, variables: Any = None) -> Any:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def both(
    client: Any, resolver_client: Any, headers: dict[str, str], query: str, variables: Any = None
) -> Any:
    """The compiled answer (parsed), after asserting it is the resolver path's answer: the
    same status, values and key order."""
    compiled = await post(client, headers, query, variables)
    resolved = await post(resolver_client, headers, query, variables)
    assert compiled.status_code == resolved.status_code
    assert json.dumps(compiled.json()) == json.dumps(resolved.json()), query
    return compiled.json()


def variables_for(query: str, **ids: str) -> dict[str, Any]:
    """A corpus query's variables: ``$skip`` true, and each ``$<name>`` of ``ids`` that the
    query reads."""
    variables: dict[str, Any] = {"skip": True} if "$skip" in query else {}
    variables.update({name: value for name, value in ids.items() if f"${name}" in query})
    return variables


async def resolved_whole(
    client: Any, resolver_client: Any, headers: dict[str, str], statements: Any, query: str
) -> Any:
    """The answer (parsed) of a selection the compiler leaves to the resolvers whole: the
    compiling client built no JSON in SQL (a resolver's statement may read JSON: an
    access rule's json_each), and both paths answer alike, without errors."""
    statements.statements.clear()
    await post(client, headers, query)
    built = ("json_build_object", "json_agg", "json_object", "json_group_array")
    assert not any(f in s for s in statements.statements for f in built), statements.statements
    body = await both(client, resolver_client, headers, query)
    assert "errors" not in body, body
    return body


async def one_statement(
    client: Any, headers: dict[str, str], statements: Any, query: str, table: str
) -> None:
    """Asserts that the compiling client answers ``query`` in the caller's lookup and
    one statement, which reads ``table`` and builds the answer as JSON."""
    statements.statements.clear()
    await post(client, headers, query)
    assert len(statements.statements) == 2, statements.statements
    assert f"FROM {table}" not in statements.statements[0]
    assert f"FROM {table}" in statements.statements[1]
    assert "json_" in statements.statements[1]
